// Cases 2 and 4: what a host or an agent report says cannot run script in a help desk or a browser,
// nor steer a terminal or fabricate report lines. Real Chromium opens every HTML body and page and
// must find nothing executed (no attribute set by a payload, no dialog); the real CLI checks
// hostile servers (title, Server header, certificate subject, SSH DISCONNECT text) in a namespace.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../shared/model.js';
import { renderDocument } from '../../shared/render/index.js';
import type { ReportDocument } from '../../shared/render/document.js';
import { startChromium, type TestBrowser } from '../harness/chromium.js';
import { runCli } from '../harness/cli.js';
import { startFreshdesk, type FreshdeskStandIn } from '../harness/helpdesk-freshdesk.js';
import { startZendesk, type ZendeskStandIn } from '../harness/helpdesk-zendesk.js';
import { AGENT_CLI, CHECKER_CLI, HOSTILE, REPO, createStage, tempDir, type Stage } from './helpers.js';

const PAYLOADS = JSON.parse(readFileSync(join(HOSTILE, 'payloads.json'), 'utf8')) as Record<'severityScript' | 'codeScript' | 'messageScript' | 'terminal', string>;
const KEY = 'fd-key-' + 'h'.repeat(20);
const ZD_TOKEN = 'zd-token-' + 'h'.repeat(20);
/** C0 except LF, DEL, C1: nothing a terminal would act on may reach it. */
const TERMINAL_CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
/** A tag Markdown would pass through as HTML: `<` not escaped by a backslash. */
const RAW_TAG = /(?<!\\)<(img|script)/i;

/** Every string in a parsed JSON value. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [k, ...strings(x)]);
  return [];
}

let browser: TestBrowser;
let stage: Stage;
let fd: FreshdeskStandIn;
let zd: ZendeskStandIn;
let tmp: { dir: string; cleanup: () => Promise<void> };
let agentReport: Record<string, unknown>;

/** Open HTML in Chromium and report whether any payload ran. */
async function executed(html: string): Promise<{ pwned: string | null; dialogs: number }> {
  const page = await browser.open('<!doctype html><html><body></body></html>');
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs++;
    void d.dismiss();
  });
  await page.setContent(html, { waitUntil: 'load' });
  await page.waitForTimeout(200);
  const marked = page.locator('[data-pwned]');
  const pwned = (await marked.count()) > 0 ? await marked.first().getAttribute('data-pwned') : null;
  await page.close();
  return { pwned, dialogs };
}

beforeAll(async () => {
  tmp = await tempDir();
  [browser, fd, zd] = await Promise.all([startChromium(), startFreshdesk(KEY, [42]), startZendesk('bot@reseller.example', ZD_TOKEN, [42])]);
  // A real report made by the built agent, as a partner would hand it over.
  const out = join(tmp.dir, 'agent.json');
  await promisify(execFile)(process.execPath, [AGENT_CLI, 'report', '--format', 'json', '--output', out, '--root', join(REPO, 'test/fixtures/pbxware'), '--asterisk-cmd', join(REPO, 'test/fixtures/asterisk/ast20-pjsip/asterisk')]).catch((err: { code?: number }) => {
    if (err.code === undefined || err.code === 3) throw err;
  });
  agentReport = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
  stage = await createStage();
  const cn = `pbx${PAYLOADS.terminal}`;
  const pems = await generate([{ name: 'commonName', value: cn }, { name: 'organizationName', value: `Org${PAYLOADS.terminal}` }], { keyType: 'ec', algorithm: 'sha256' });
  await writeFile(join(tmp.dir, 'key.pem'), pems.private);
  await writeFile(join(tmp.dir, 'cert.pem'), pems.cert);
  await Promise.all([stage.serve('title-escapes', 81), stage.serve('tls-escapes', 443, [join(tmp.dir, 'key.pem'), join(tmp.dir, 'cert.pem')]), stage.serve('ssh-disconnect', 2020)]);
});

afterAll(async () => {
  await Promise.all([browser?.stop(), fd?.stop(), zd?.stop(), stage?.stop()]);
  await tmp?.cleanup();
});

function withFinding(f: Partial<Finding>): Record<string, unknown> {
  const findings = [{ code: 'DISK_SPACE_LOW', severity: 'warn', subject: '/', message: 'Filesystem / is 95% full.', remedy: 'Free space.', ...f }];
  return { ...agentReport, findings };
}

async function writeReport(name: string, report: unknown): Promise<string> {
  const path = join(tmp.dir, name);
  await writeFile(path, JSON.stringify(report));
  return path;
}

describe('renderers escape every field, codes and severities included (case 2)', () => {
  const doc: ReportDocument = {
    title: `t${PAYLOADS.messageScript}`,
    verdict: 'warnings',
    headline: PAYLOADS.terminal,
    facts: [[PAYLOADS.messageScript, PAYLOADS.terminal]],
    sections: [{ title: 's', table: { columns: ['a'], rows: [[{ text: PAYLOADS.terminal }]] }, lines: [PAYLOADS.messageScript] }],
    findings: [{ code: PAYLOADS.codeScript, severity: PAYLOADS.severityScript as Finding['severity'], message: PAYLOADS.messageScript, remedy: PAYLOADS.terminal }],
    footer: PAYLOADS.terminal,
  };

  it('HTML: nothing runs in Chromium', async () => {
    expect(await executed(renderDocument(doc, 'html'))).toEqual({ pwned: null, dialogs: 0 });
  });

  it('Markdown: no raw tag, no line break or control from a field', () => {
    const md = renderDocument(doc, 'markdown');
    expect(md).not.toMatch(RAW_TAG);
    expect(md).not.toMatch(TERMINAL_CONTROLS);
    expect(md).not.toMatch(/^\[FAIL\] FAKE_LINE/m);
  });

  it('text: no control reaches the terminal, no fabricated line', () => {
    const text = renderDocument(doc, 'text');
    expect(text).not.toMatch(TERMINAL_CONTROLS);
    expect(text).not.toMatch(/^\s*\[FAIL\] FAKE_LINE/m);
  });
});

describe('an agent report carrying script (case 2)', () => {
  it('check --agent-report with a script severity still produces the HTML report, and nothing runs in it', async () => {
    const path = await writeReport('severity.json', withFinding({ severity: PAYLOADS.severityScript as Finding['severity'], code: PAYLOADS.codeScript, message: PAYLOADS.messageScript }));
    const run = await runCli(CHECKER_CLI, ['check', '127.0.0.1', '--ports', '9', '--allow-private', '--no-icmp', '--timeout-ms', '1000', '--agent-report', path, '--format', 'html']);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^<!doctype html>/);
    expect(await executed(run.stdout)).toEqual({ pwned: null, dialogs: 0 });
  });

  it('ticket attach refuses a report whose severity is not info|warn|fail, and sends nothing', async () => {
    const path = await writeReport('ticket-severity.json', withFinding({ severity: PAYLOADS.severityScript as Finding['severity'] }));
    const before = [fd.accepted.length, zd.accepted.length];
    const run = await runCli(CHECKER_CLI, ['ticket', 'attach', '--provider', 'freshdesk', '--ticket', '42', '--base-url', fd.url, '--api-key-env', 'FD_KEY', path], { env: { FD_KEY: KEY } });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^pbxready: .*severity.*\n$/);
    expect(run.stderr).not.toContain('<');
    expect([fd.accepted.length, zd.accepted.length]).toEqual(before);
  });

  it('script in messages reaches Freshdesk and Zendesk as text: the note body and the attached page run nothing in Chromium', async () => {
    const path = await writeReport('ticket-message.json', withFinding({ message: PAYLOADS.messageScript, remedy: PAYLOADS.messageScript, subject: PAYLOADS.messageScript }));
    const f = await runCli(CHECKER_CLI, ['ticket', 'attach', '--provider', 'freshdesk', '--ticket', '42', '--base-url', fd.url, '--api-key-env', 'FD_KEY', path], { env: { FD_KEY: KEY } });
    expect(f.code).toBe(0);
    const note = fd.accepted.at(-1)!;
    expect(await executed(note.fields.body!)).toEqual({ pwned: null, dialogs: 0 });
    const page = note.attachments.find((a) => a.name.endsWith('.html'))!;
    expect(await executed(page.text)).toEqual({ pwned: null, dialogs: 0 });
    const z = await runCli(CHECKER_CLI, ['ticket', 'attach', '--provider', 'zendesk', '--ticket', '42', '--base-url', zd.url, '--email', 'bot@reseller.example', '--api-key-env', 'ZD_KEY', path], { env: { ZD_KEY: ZD_TOKEN } });
    expect(z.code).toBe(0);
    const comment = (zd.accepted.at(-1)!.ticket.comment as { body: string }).body;
    expect(comment).not.toMatch(RAW_TAG);
  });
});

describe('a hostile host cannot steer the terminal or fabricate lines (case 4)', () => {
  let text: string;
  let json: string;
  let markdown: string;
  beforeAll(async () => {
    const args = ['check', '127.0.0.1', '--product', 'pbxware', '--allow-private', '--no-icmp', '--timeout-ms', '5000'];
    const [t, j, m] = await Promise.all(['text', 'json', 'markdown'].map((f) => stage.cli(CHECKER_CLI, [...args, '--format', f])));
    [text, json, markdown] = [t!.stdout, j!.stdout, m!.stdout];
  });

  it('the checks saw the hostile title, certificate and DISCONNECT text', () => {
    expect(text).toContain('FAKE_LINE');
    expect(json).toContain('pwned');
  });

  it('text: no control character, no fabricated line, no 30,000-character finding', () => {
    expect(text).not.toMatch(TERMINAL_CONTROLS);
    expect(text).not.toMatch(/^\s*\[FAIL\] FAKE_LINE/m);
    expect(Math.max(...text.split('\n').map((l) => l.length))).toBeLessThan(2000);
  });

  it('JSON: no string in the report carries a control character', () => {
    const bad = strings(JSON.parse(json)).filter((s) => /[\u0000-\u001f\u007f-\u009f]/.test(s));
    expect(bad).toEqual([]);
  });

  it('Markdown: no lone CR or other control breaks a table', () => {
    expect(markdown).not.toMatch(TERMINAL_CONTROLS);
    expect(markdown).not.toMatch(/^\[FAIL\] FAKE_LINE/m);
  });
});
