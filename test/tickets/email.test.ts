// The e-mail route end to end through the built CLI: the .eml read back by a standard mail parser
// (Python's `email` package), and --send through a real SMTP server on loopback (python3-aiosmtpd,
// STARTTLS on a certificate made here, AUTH required): one message delivered; a refused recipient,
// a connection dropped after DATA and a message over the server's SIZE end with one line and exit 3,
// and nothing is ever sent twice. No secret — SMTP password, help-desk key, a DB password inside
// the report — in any message or output.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finding } from '../../shared/findings.js';
import { CHECKER_CLI as CLI, REPO, runCli, type CliRun } from '../harness/cli.js';
import { startSmtp, type SmtpServer } from '../harness/smtp.js';
import { agentReport, checkReport } from './fixtures.js';
import { KEY } from './setup.js';

const DB_PASSWORD = 'Db-Passw0rd-in-the-report-91';
const FROM = 'pat@reseller.example';

interface MailPart {
  contentType: string;
  filename: string | null;
  disposition: string | null;
  defects: string[];
  parts?: MailPart[];
  content?: string;
}
interface ParsedMail {
  headers: Record<string, string[]>;
  root: MailPart;
}

/** Python's standard `email` package reads the message (test/harness/parse-mail.py). */
function parseMail(path: string): ParsedMail {
  return JSON.parse(execFileSync('/usr/bin/python3', [join(REPO, 'test/harness/parse-mail.py'), path], { encoding: 'utf8' })) as ParsedMail;
}

function header(m: ParsedMail, name: string): string | undefined {
  return m.headers[name.toLowerCase()]?.[0];
}

function leaves(p: MailPart): MailPart[] {
  return p.parts ? p.parts.flatMap(leaves) : [p];
}

let dir: string;
let plainPath: string;
let emergencyPath: string;

const run = (args: string[], env: Record<string, string> = {}) => runCli(CLI, args, { env: { PBXREADY_TICKET_KEY: KEY, ...env }, cleanEnv: true, timeoutMs: 60_000 });

function expectNoSecret(texts: Array<string | Buffer>, extra: string[] = []): void {
  for (const t of texts) {
    const s = Buffer.isBuffer(t) ? t.toString('latin1') : t;
    for (const secret of [DB_PASSWORD, KEY, ...extra]) expect(s).not.toContain(secret);
  }
}

/** Every decoded part of a message file, and the raw file: the secrets are in none of them. */
function expectMessageClean(path: string, extra: string[] = []): void {
  const parsed = parseMail(path);
  expectNoSecret([readFileSync(path), ...leaves(parsed.root).map((p) => p.content ?? ''), JSON.stringify(parsed.headers)], extra);
}

function oneLine(r: CliRun): string {
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  return lines[0]!;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), `pbxready-email-${process.pid}-`));
  // A DB password that made it into the report, as a field and inside a message.
  const withSecret = (r: ReturnType<typeof checkReport>) => {
    const out = r as unknown as Record<string, unknown>;
    out.database = { host: 'localhost', password: DB_PASSWORD };
    r.findings.push({ ...finding('PORT_CLOSED', { purpose: 'gui', reason: 'refused' }, { port: 81, address: '203.0.113.10' }), message: `pw_mysql_password=${DB_PASSWORD} seen in a banner` });
    return r;
  };
  plainPath = join(dir, 'plain.json');
  writeFileSync(plainPath, JSON.stringify(withSecret(checkReport({ agent: agentReport({ emergency: false }) }))));
  emergencyPath = join(dir, 'emergency.json');
  writeFileSync(emergencyPath, JSON.stringify(withSecret(checkReport({ agent: agentReport({ emergency: true }) }))));
});

describe('ticket email → .eml (read back by Python\'s email package)', () => {
  it('a draft: headers, text + HTML alternatives, both reports attached, the partner\'s words first, what happens next last', async () => {
    const eml = join(dir, 'draft.eml');
    const descFile = join(dir, 'desc.txt');
    writeFileSync(descFile, 'Calls drop after 30 seconds since Monday.\nOnly on the SIP trunk.\n');
    const r = await run(['ticket', 'email', plainPath, '--from', FROM, '--description-file', descFile, '--output', eml]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Emergency not suggested:');
    expect(r.stdout).toContain(`draft written to ${eml} (to support@bicomsystems.com`);
    const m = parseMail(eml);
    expect(header(m, 'X-Unsent')).toBe('1');
    expect(header(m, 'From')).toBe(FROM);
    expect(header(m, 'To')).toBe('support@bicomsystems.com');
    expect(header(m, 'Subject')).toBe('pbx1.customer.example: NOT READY — PORT_CLOSED, PORT_FILTERED (pbxready check)');
    expect(header(m, 'MIME-Version')).toBe('1.0');
    expect(header(m, 'Message-ID')).toMatch(/^<[^@\s]+@reseller\.example>$/);
    expect(Number.isNaN(Date.parse(header(m, 'Date')!))).toBe(false);
    expect(m.root.contentType).toBe('multipart/mixed');
    expect(m.root.parts!.map((p) => [p.contentType, p.filename])).toEqual([
      ['multipart/alternative', null],
      ['application/json', 'pbxready-check-pbx1.customer.example.json'],
      ['text/html', 'pbxready-check-pbx1.customer.example.html'],
    ]);
    expect(m.root.parts![1]!.disposition).toBe('attachment');
    const [text, html] = m.root.parts![0]!.parts!;
    expect([text!.contentType, html!.contentType]).toEqual(['text/plain', 'text/html']);
    expect(leaves(m.root).flatMap((p) => p.defects)).toEqual([]);
    expect(text!.content).toMatch(/^Calls drop after 30 seconds since Monday\. {2}\nOnly on the SIP trunk\.\n\n- \*\*Issue type:\*\* Technical Issue\n/);
    expect(text!.content).toContain('## pbxready check — pbx1.customer.example');
    expect(text!.content).toMatch(/## What happens next\n\n- Now \((Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) \d\d:\d\d CES?T\) /);
    expect(text!.content!.indexOf('## What happens next')).toBeGreaterThan(text!.content!.indexOf('### Findings'));
    expect(html!.content).toContain('<p>Calls drop after 30 seconds since Monday.<br>Only on the SIP trunk.</p>');
    expect(html!.content).toContain('<h2>What happens next</h2>');
    const json = JSON.parse(m.root.parts![1]!.content!) as { kind: string; target: { host: string }; database: { password: string } };
    expect(json.kind).toBe('check');
    // The report's DB password went through the redaction step, not around it.
    expect(json.database.password).toBe('[redacted]');
    expect(json.target.host).toBe('pbx1.customer.example');
    expect(m.root.parts![2]!.content).toMatch(/^<!doctype html>/i);
    expectMessageClean(eml);
    expectNoSecret([r.stdout, r.stderr]);
  });

  it('--emergency: EMERGENCY: in the subject, to emergency@; without it never an emergency word, to support@', async () => {
    const urgent = join(dir, 'urgent.eml');
    const r = await run(['ticket', 'email', emergencyPath, '--from', FROM, '--emergency', '--output', urgent]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Emergency suggested: EMERGENCY_CRITERIA_MET');
    const u = parseMail(urgent);
    expect(header(u, 'Subject')).toMatch(/^EMERGENCY: pbx1\.customer\.example: NOT READY — /);
    expect(header(u, 'To')).toBe('emergency@bicomsystems.com');
    expect(header(u, 'X-Priority')).toBe('1 (Highest)');

    // The same evidence without --emergency: suggested, never applied.
    const regular = join(dir, 'regular.eml');
    const n = await run(['ticket', 'email', emergencyPath, '--from', FROM, '--output', regular]);
    expect(n.code).toBe(0);
    expect(n.stdout).toContain('Not applied: pass --emergency');
    const g = parseMail(regular);
    expect(header(g, 'To')).toBe('support@bicomsystems.com');
    expect(header(g, 'Subject')).not.toMatch(/URGENT|EMERGENCY/i);
    expect(header(g, 'X-Priority')).toBeUndefined();
    const plain = parseMail((await run(['ticket', 'email', plainPath, '--from', FROM, '--output', join(dir, 'p.eml')]), join(dir, 'p.eml')));
    expect(header(plain, 'Subject')).not.toMatch(/URGENT|EMERGENCY/i);
    // A subject that says so without --emergency is refused: the vendor's filter would read it as one.
    const s = await run(['ticket', 'email', plainPath, '--from', FROM, '--subject', 'URGENT trunk down', '--output', join(dir, 's.eml')]);
    expect(s.code).toBe(3);
    expect(oneLine(s)).toMatch(/^pbxready: --subject "URGENT trunk down" holds URGENT or EMERGENCY/);
    expect(existsSync(join(dir, 's.eml'))).toBe(false);
  });

  it('escalation: without --escalates exit 3 and one line; with it the number is in the subject and the body', async () => {
    const eml = join(dir, 'esc.eml');
    const r = await run(['ticket', 'email', plainPath, '--from', FROM, '--issue-type', 'escalation', '--output', eml]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(oneLine(r)).toBe('pbxready: an escalation needs --escalates TICKET: the number of the ticket it escalates (the vendor asks for it)');
    expect(existsSync(eml)).toBe(false);

    const ok = await run(['ticket', 'email', plainPath, '--from', FROM, '--issue-type', 'escalation', '--escalates', '#4711', '--description', 'Third outage this week.', '--output', eml]);
    expect(ok.code).toBe(0);
    const m = parseMail(eml);
    expect(header(m, 'Subject')).toMatch(/^Escalation of ticket #4711: pbx1\.customer\.example: NOT READY/);
    const text = m.root.parts![0]!.parts![0]!.content!;
    expect(text).toMatch(/^Third outage this week\.\n\n- \*\*Issue type:\*\* Escalation\n- \*\*Escalates ticket:\*\* #4711\n/);

    const fb = await run(['ticket', 'email', plainPath, '--from', FROM, '--issue-type', 'feedback', '--output', eml]);
    expect(fb.code).toBe(0);
    expect(parseMail(eml).root.parts![0]!.parts![0]!.content).toContain('- **Issue type:** Feedback');
    const stray = await run(['ticket', 'email', plainPath, '--from', FROM, '--escalates', '4711', '--output', eml]);
    expect(stray.code).toBe(3);
    expect(oneLine(stray)).toBe('pbxready: --escalates goes with --issue-type escalation (this is Technical Issue)');
  });

  it('without --output the message goes to stdout and the notes to stderr; bad input is one line', async () => {
    const r = await run(['ticket', 'email', plainPath, '--from', FROM]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^X-Unsent: 1\r\nFrom: pat@reseller\.example\r\n/);
    expect(r.stderr).toContain('Emergency not suggested');
    const cases: Array<[string[], RegExp]> = [
      [['ticket', 'email', plainPath], /^pbxready: ticket email needs --from: your registered address/],
      [['ticket', 'email', plainPath, '--from', 'not-an-address'], /^pbxready: --from "not-an-address" is not an email address$/],
      [['ticket', 'email', plainPath, '--from', FROM, '--description', 'a', '--description-file', plainPath], /^pbxready: give --description or --description-file, not both$/],
      [['ticket', 'email', plainPath, '--from', FROM, '--smtp-host', '127.0.0.1'], /^pbxready: --smtp-host goes with --send$/],
      [['ticket', 'email', plainPath, '--from', FROM, '--send'], /^pbxready: --send needs the SMTP server: --smtp-host HOST/],
      [['ticket', 'email', plainPath, '--from', FROM, '--send', '--smtp-host', '127.0.0.1', '--smtp-user', 'pat', '--smtp-password-env', 'NOPE'], /^pbxready: --smtp-user pat needs the password in the environment variable NOPE, which is not set or empty/],
      [['ticket', 'email', plainPath, '--from', FROM, '--smtp-password', 'x'], /^pbxready: Unknown arguments?: smtp-password/],
    ];
    for (const [args, expected] of cases) {
      const b = await run(args);
      expect(b.code, args.join(' ')).toBe(3);
      expect(oneLine(b)).toMatch(expected);
      expect(b.stdout).toBe('');
    }
  });
});

describe('ticket email --send through a real SMTP server (aiosmtpd: STARTTLS, AUTH)', () => {
  const servers: SmtpServer[] = [];
  const smtp = async (options: Parameters<typeof startSmtp>[0] = {}) => {
    const s = await startSmtp(options);
    servers.push(s);
    return s;
  };
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });
  const sendArgs = (s: SmtpServer, report: string, more: string[] = []) => ['ticket', 'email', report, '--from', FROM, '--send', '--smtp-host', s.host, '--smtp-port', String(s.port), '--smtp-user', s.user, '--smtp-password-env', 'MY_SMTP_PW', ...more];
  const sendEnv = (s: SmtpServer) => ({ MY_SMTP_PW: s.password, NODE_EXTRA_CA_CERTS: s.caFile });

  it('delivers exactly one message, over STARTTLS, logged in, no draft marker, no secret anywhere', async () => {
    const s = await smtp();
    const r = await run(sendArgs(s, emergencyPath, ['--emergency', '--description', 'All inbound calls fail.']), sendEnv(s));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`sent to emergency@bicomsystems\\.com through 127\\.0\\.0\\.1:${s.port}: 250 2\\.0\\.0 Ok: queued as T1\\n$`));
    const got = s.delivered();
    expect(got).toHaveLength(1);
    expect(got[0]!.meta).toMatchObject({ from: FROM, to: ['emergency@bicomsystems.com'], tls: true, login: s.user });
    expect(got[0]!.meta.mailOptions.some((o) => /^SIZE=\d+$/.test(o))).toBe(true);
    const file = join(dir, 'delivered.eml');
    writeFileSync(file, got[0]!.raw);
    const m = parseMail(file);
    expect(header(m, 'Subject')).toMatch(/^EMERGENCY: /);
    expect(header(m, 'X-Unsent')).toBeUndefined();
    expect(m.root.parts!.map((p) => p.contentType)).toEqual(['multipart/alternative', 'application/json', 'text/html']);
    expect(m.root.parts![0]!.parts![0]!.content).toMatch(/^All inbound calls fail\./);
    expectMessageClean(file, [s.password]);
    expectNoSecret([r.stdout, r.stderr], [s.password]);
  });

  it('a refused recipient: exit 3, one line, nothing delivered', async () => {
    const s = await smtp({ refuse: ['nobody@vendor.example'] });
    const r = await run(sendArgs(s, plainPath, ['--to', 'nobody@vendor.example']), sendEnv(s));
    expect(r.code).toBe(3);
    expect(oneLine(r)).toBe(`pbxready: 127.0.0.1:${s.port} refused the recipient nobody@vendor.example: 550 5.1.1 <nobody@vendor.example>: Recipient address rejected: User unknown; nothing was sent`);
    expect(s.delivered()).toHaveLength(0);
    expectNoSecret([r.stdout, r.stderr], [s.password]);
  });

  it('a connection dropped after DATA: exit 3, one line, and the message is not sent a second time', async () => {
    const s = await smtp({ dropAfterData: true });
    const r = await run(sendArgs(s, plainPath), sendEnv(s));
    expect(r.code).toBe(3);
    expect(oneLine(r)).toMatch(new RegExp(`^pbxready: 127\\.0\\.0\\.1:${s.port} dropped the message after it was handed over \\(.+\\); not sent again, because it may have arrived: check with the vendor before sending it again$`));
    // Give a retry, if there were one, time to arrive before counting.
    await new Promise((res) => setTimeout(res, 1500));
    expect(s.delivered()).toHaveLength(1);
    expectNoSecret([r.stdout, r.stderr], [s.password]);
  });

  it('size limits are checked before sending: the server\'s SIZE, and the configured limit (no connection at all)', async () => {
    const s = await smtp({ sizeLimit: 4000 });
    const r = await run(sendArgs(s, plainPath), sendEnv(s));
    expect(r.code).toBe(3);
    expect(oneLine(r)).toMatch(new RegExp(`^pbxready: 127\\.0\\.0\\.1:${s.port} refused the message before it was sent: .*4000.*; nothing was sent$`));
    expect(s.delivered()).toHaveLength(0);

    const config = join(dir, 'mail.json');
    writeFileSync(config, JSON.stringify({ mail: { maxMessageBytes: 5000 }, smtp: { host: '127.0.0.1', port: 9, user: 'x', passwordEnv: 'MY_SMTP_PW' } }));
    const c = await run(['ticket', 'email', plainPath, '--from', FROM, '--send', '--config', config], { MY_SMTP_PW: 'whatever-secret-1' });
    expect(c.code).toBe(3);
    expect(oneLine(c)).toMatch(/^pbxready: the message is [\d.]+ KiB, over the limit of 4\.9 KiB \(mail\.maxMessageBytes in --config; 10 MB by default\); nothing was sent$/);
  });

  it('off loopback STARTTLS is required: a server that offers none never sees the password', async () => {
    const address = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    if (!address) throw new Error('this test needs a non-loopback IPv4 address on this machine, and there is none');
    const s = await smtp({ plainOn: address });
    const r = await run(sendArgs(s, plainPath), sendEnv(s));
    expect(r.code).toBe(3);
    expect(oneLine(r)).toMatch(new RegExp(`^pbxready: ${address.replace(/\./g, '\\.')}:${s.port} offers no usable STARTTLS, and the password and report must not travel in clear text: .*; nothing was sent$`));
    expect(s.delivered()).toHaveLength(0);
  });
});
