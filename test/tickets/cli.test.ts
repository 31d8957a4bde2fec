// End to end through the built CLI (npm run build): flags, env, exit codes, and the key never in
// stdout or stderr.

import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKER_CLI as CLI, REPO, runCli, type CliRun as Run } from '../harness/cli.js';
import { startFreshdesk, type FreshdeskStandIn } from '../harness/helpdesk-freshdesk.js';
import { startOsticket, type OsticketStandIn } from '../harness/helpdesk-osticket.js';
import { startZendesk, type ZendeskStandIn } from '../harness/helpdesk-zendesk.js';
import { agentReport, checkReport } from './fixtures.js';
import { KEY } from './setup.js';

const ROOT = REPO;
/** A clean environment (PATH only): the key must reach the CLI through the variable named, and only so. */
const run = (args: string[], env: Record<string, string>) => runCli(CLI, args, { env, cleanEnv: true });
const SOURCES = ['checker/commands/ticket.ts', 'checker/commands/index.ts', 'checker/cli.ts', ...['checker/tickets', 'shared/render'].flatMap((d) => readdirSync(join(ROOT, d)).filter((f) => f.endsWith('.ts')).map((f) => `${d}/${f}`))];



function expectNoKey(r: Run): void {
  for (const secret of [KEY, Buffer.from(`${KEY}:X`).toString('base64'), Buffer.from(`bot@reseller.example/token:${KEY}`).toString('base64')]) {
    expect(r.stdout).not.toContain(secret);
    expect(r.stderr).not.toContain(secret);
  }
}

let dir: string;
let reportPath: string;
let emergencyPath: string;
let fd: FreshdeskStandIn;
let zd: ZendeskStandIn;
let os: OsticketStandIn;

beforeAll(async () => {
  // The CLI under test is the build; a stale build would test old code.
  for (const src of SOURCES) {
    const built = join(ROOT, 'dist', src.replace(/\.ts$/, '.js'));
    let builtAt: number;
    try {
      builtAt = statSync(built).mtimeMs;
    } catch {
      throw new Error(`${built} is missing: run npm run build first`);
    }
    if (builtAt < statSync(join(ROOT, src)).mtimeMs) throw new Error(`${built} is older than ${src}: run npm run build first`);
  }
  dir = mkdtempSync(join(tmpdir(), 'pbxready-ticket-cli-'));
  reportPath = join(dir, 'report.json');
  writeFileSync(reportPath, JSON.stringify(checkReport()));
  emergencyPath = join(dir, 'emergency.json');
  writeFileSync(emergencyPath, JSON.stringify(checkReport({ agent: agentReport({ emergency: true }) })));
  fd = await startFreshdesk(KEY, [42]);
  zd = await startZendesk('bot@reseller.example', KEY, [42]);
  os = await startOsticket(KEY);
});
afterAll(async () => {
  await Promise.all([fd?.stop(), zd?.stop(), os?.stop()]);
});

describe('pbxready ticket (built CLI)', () => {
  it('attach: key from the variable named by --api-key-env, one line on stdout, no key anywhere', async () => {
    const r = await run(['ticket', 'attach', '--provider', 'freshdesk', '--ticket', '42', '--base-url', fd.url, '--api-key-env', 'FD_KEY', reportPath], { FD_KEY: KEY });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^private note \d+ added to Freshdesk ticket 42 with 2 attachments\n$/);
    expect(r.code).toBe(0);
    expect(fd.accepted.at(-1)!.fields.private).toBe('true');
    expectNoKey(r);
  });

  it('the partner\'s words head the body (attach: --description-file; create: --description) and escalations carry the ticket number', async () => {
    const words = join(dir, 'words.txt');
    writeFileSync(words, 'Calls drop after 30 s.\n\nSince the ISP changed the router.');
    const a = await run(['ticket', 'attach', '--provider', 'freshdesk', '--ticket', '42', '--base-url', fd.url, '--description-file', words, reportPath], { PBXREADY_TICKET_KEY: KEY });
    expect(a.code).toBe(0);
    expect(String(fd.accepted.at(-1)!.fields.body)).toMatch(/^<p>Calls drop after 30 s\.<\/p>\r?\n<p>Since the ISP changed the router\.<\/p>\r?\n<h1>pbxready check — /);
    expect(String(fd.accepted.at(-1)!.fields.body)).toContain('<h2>What happens next</h2>');

    const refused = await run(['ticket', 'create', '--provider', 'zendesk', '--email', 'bot@reseller.example', '--requester', 'pat@reseller.example', '--issue-type', 'escalation', reportPath], { PBXREADY_TICKET_KEY: KEY, PBXREADY_TICKET_URL: zd.url });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toBe('pbxready: an escalation needs --escalates TICKET: the number of the ticket it escalates (the vendor asks for it)\n');
    expect(refused.stdout).toBe('');

    const c = await run(['ticket', 'create', '--provider', 'zendesk', '--email', 'bot@reseller.example', '--requester', 'pat@reseller.example', '--issue-type', 'escalation', '--escalates', '4711', '--description', 'Third outage this week.', reportPath], { PBXREADY_TICKET_KEY: KEY, PBXREADY_TICKET_URL: zd.url });
    expect(c.code).toBe(0);
    const t = zd.accepted.at(-1)!.ticket;
    expect(t.subject).toMatch(/^Escalation of ticket #4711: pbx1\.customer\.example: /);
    expect((t.comment as { body: string }).body).toMatch(/^Third outage this week\.\n\n- \*\*Issue type:\*\* Escalation\n- \*\*Escalates ticket:\*\* #4711\n/);
    expectNoKey(a);
    expectNoKey(c);
  });

  it('--dry-run prints the requests with the key redacted and sends nothing', async () => {
    const count = zd.requests.length;
    const r = await run(['ticket', 'attach', '--provider', 'zendesk', '--ticket', '42', '--email', 'bot@reseller.example', '--dry-run', reportPath], { PBXREADY_TICKET_KEY: KEY, PBXREADY_TICKET_URL: zd.url });
    expect(r.code).toBe(0);
    expect(zd.requests.length).toBe(count);
    expect(r.stdout).toContain(`POST ${zd.url}/api/v2/uploads?filename=pbxready-check-pbx1.customer.example.json    # upload pbxready-check-pbx1.customer.example.json`);
    expect(r.stdout).toContain(`PUT ${zd.url}/api/v2/tickets/42    # private comment with 2 uploads on ticket 42`);
    expect(r.stdout.match(/^Authorization: \[redacted\]$/gm)).toHaveLength(3);
    expect(r.stdout).toContain('"public": false');
    expect(r.stdout).toContain('"<token of upload pbxready-check-pbx1.customer.example.html>"');
    expect(r.stdout).toMatch(/dry run: nothing sent\n$/);
    expectNoKey(r);
  });

  it('create: suggests Emergency from EMERGENCY_CRITERIA_MET and applies it with --emergency', async () => {
    const r = await run(['ticket', 'create', '--provider', 'zendesk', '--email', 'bot@reseller.example', '--requester', 'pat@reseller.example', '--emergency', emergencyPath], { PBXREADY_TICKET_KEY: KEY, PBXREADY_TICKET_URL: zd.url });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Emergency suggested: EMERGENCY_CRITERIA_MET: The vendor\'s emergency criterion "50% of calls or more unable to pass" is met: 26 of 40 calls in the last hour could not pass (65%)');
    expect(r.stdout).toContain('Opening it as an Emergency (EMERGENCY in the subject, priority urgent).');
    const t = zd.accepted.at(-1)!.ticket;
    expect(t.subject).toMatch(/^EMERGENCY: /);
    expect(t.priority).toBe('urgent');
    expectNoKey(r);
  });

  it('a final failure exits 3 with one line saying where the report is', async () => {
    const config = join(dir, 'desk.json');
    writeFileSync(config, JSON.stringify({ provider: 'freshdesk', baseUrl: fd.url, apiKeyEnv: 'FD_KEY', retry: { attempts: 2, baseDelayMs: 10 } }));
    fd.failNext(502, { times: 2 });
    const r = await run(['ticket', 'attach', '--config', config, '--ticket', '42', reportPath], { FD_KEY: KEY });
    expect(r.code).toBe(3);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^Freshdesk answered 502 .* retrying in \d+ ms \(backoff, attempt 2 of 2\)$/);
    expect(lines[1]).toBe(`pbxready: Freshdesk answered 502 ({"error":"service unavailable"}) to private note with 2 attachments on ticket 42; gave up after 2 attempt(s); the report stays at ${reportPath}`);
    expectNoKey(r);
  });

  it('osTicket attach is refused with one line and exit 3, nothing sent', async () => {
    const count = os.requests.length;
    const r = await run(['ticket', 'attach', '--provider', 'osticket', '--ticket', '42', reportPath], { PBXREADY_TICKET_KEY: KEY, PBXREADY_TICKET_URL: os.url });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe("pbxready: osTicket's API can only create tickets, not add notes or files to an existing one: use `pbxready ticket create --provider osticket`, or attach the report by hand\n");
    expect(os.requests.length).toBe(count);
  });

  it('bad input: one line, exit 3 — no key on argv, a missing variable, a file that is not a report', async () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['ticket', 'attach', '--provider', 'freshdesk', '--ticket', '42', '--api-key', KEY, reportPath], {}, /^pbxready: Unknown arguments: api-key, apiKey\n$/],
      [['ticket', 'attach', '--provider', 'freshdesk', '--ticket', '42', '--base-url', fd.url, '--api-key-env', 'NOPE', reportPath], {}, /^pbxready: --api-key-env names NOPE, an environment variable that is not set or empty\n$/],
      [['ticket', 'attach', '--provider', 'freshdesk', '--ticket', '42', '--base-url', 'http://desk.example.com', reportPath], { PBXREADY_TICKET_KEY: KEY }, /^pbxready: --base-url "http:\/\/desk\.example\.com" must be https:\/\/ \(the API key would travel in clear text\)\n$/],
      [['ticket', 'attach', '--provider', 'freshdesk', '--ticket', 'abc', '--base-url', fd.url, reportPath], { PBXREADY_TICKET_KEY: KEY }, /^pbxready: --ticket "abc" is not a ticket number\n$/],
      [['ticket', 'attach', '--provider', 'freshdesk', '--ticket', '42', '--base-url', fd.url, join(ROOT, 'package.json')], { PBXREADY_TICKET_KEY: KEY }, /^pbxready: \S+package\.json is not a pbxready report \(no "kind"\)\n$/],
      [['ticket', 'create', '--provider', 'freshdesk', '--base-url', fd.url, reportPath], { PBXREADY_TICKET_KEY: KEY }, /^pbxready: ticket create needs the requester: --requester EMAIL \(or "requester" in the config file\)\n$/],
    ];
    for (const [args, env, expected] of cases) {
      const r = await run(args, env);
      expect(r.code, args.join(' ')).toBe(3);
      expect(r.stderr).toMatch(expected);
      expect(r.stdout).toBe('');
      expectNoKey(r);
    }
  });
});
