// --agent URL --agent-token-file F against the real `pbxready-agent serve` (built), and --agent-report FILE
// with a report that server produced: the http and file sources, through the real CLI.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAgentSource, reportUrl } from '../../checker/agent-source/http.js';
import type { CheckReport } from '../../shared/model.js';
import { AGENT_CLI, CHECKER_CLI as CLI, REPO, runCli, startListening, type Listening } from '../harness/cli.js';
import { checkReport } from '../fixtures/reports.js';

const FIXTURE = join(REPO, 'test/fixtures/pbxware');
const ASTERISK = join(REPO, 'test/fixtures/asterisk/ast20-pjsip/asterisk');

let dir: string;
let serve: Listening | undefined;
let base: string;
let closedPort: number;
const token = randomBytes(24).toString('hex');
const ctx = { check: checkReport([]), options: { host: '127.0.0.1', product: 'pbxware' as const, timeoutMs: 1000, perHostConcurrency: 2, allowPrivate: true, probes: 'full' as const } };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}


const pbxready = (args: string[]) => runCli(CLI, args);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pbxready-agent-http-'));
  await writeFile(join(dir, 'token'), `${token}\n`, { mode: 0o600 });
  closedPort = await freePort();
  serve = await startListening(AGENT_CLI, ['serve', '--listen', '127.0.0.1:0', '--token-file', join(dir, 'token'), '--root', FIXTURE, '--asterisk-cmd', ASTERISK], /serving (http:\/\/127\.0\.0\.1:\d+)\/report/, { timeoutMs: 15_000 });
  base = serve.address;
});

afterAll(async () => {
  await serve?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('http agent source against pbxready-agent serve', () => {
  it('builds the /report URL from the serve base URL', () => {
    expect(reportUrl('http://10.0.0.1:8731')).toBe('http://10.0.0.1:8731/report');
    expect(reportUrl('http://10.0.0.1:8731/')).toBe('http://10.0.0.1:8731/report');
    expect(reportUrl('https://pbx/agent/report')).toBe('https://pbx/agent/report');
  });

  it('fetches and validates the report with the right token', async () => {
    const out = await httpAgentSource(base, token, 15_000).fetch(ctx);
    expect(out.ok).toBe(true);
    if (out.ok) expect(out.report).toMatchObject({ kind: 'agent', product: { name: 'pbxware', version: '7.2.1' } });
  });

  it('a wrong token is an auth failure naming the status, not the token', async () => {
    const out = await httpAgentSource(base, 'wrong-token-0123456789', 5000).fetch(ctx);
    expect(out).toMatchObject({ ok: false, via: 'http', failure: { kind: 'auth' } });
    if (!out.ok) {
      expect(out.failure.reason).toContain('HTTP 401');
      expect(out.failure.reason).not.toContain('wrong-token');
    }
  });

  it('nothing listening is "unreachable" with the reason', async () => {
    const out = await httpAgentSource(`http://127.0.0.1:${closedPort}`, token, 5000).fetch(ctx);
    expect(out).toMatchObject({ ok: false, failure: { kind: 'unreachable' } });
    if (!out.ok) expect(out.failure.reason).toContain('ECONNREFUSED');
  });

  it('a path that is not the report is an HTTP status failure', async () => {
    const out = await httpAgentSource(`${base}/nothing/report/x`, token, 5000).fetch(ctx);
    expect(out).toMatchObject({ ok: false, failure: { kind: 'http-status' } });
  });
});

describe('pbxready check --agent URL / --agent-report FILE', () => {
  it('merges the served report; the token appears nowhere', async () => {
    const run = await pbxready(['check', '127.0.0.1', '--product', 'pbxware', '--ports', String(closedPort), '--allow-private', '--no-icmp', '--agent', base, '--agent-token-file', join(dir, 'token'), '--format', 'json']);
    const report = JSON.parse(run.stdout) as CheckReport;
    expect(report.agent?.kind).toBe('agent');
    expect(report.findings.some((f) => f.code === 'AGENT_UNAVAILABLE')).toBe(false);
    // The custom port is not one the agent watches: no diagnosis is guessed for it.
    expect(report.findings.map((f) => f.code)).toContain('PORT_CLOSED');
    expect(run.stdout + run.stderr).not.toContain(token);
    expect(run.code).toBe(2);
  });

  it('a wrong token still completes the check, with AGENT_UNAVAILABLE', async () => {
    await writeFile(join(dir, 'bad-token'), 'definitely-not-the-token\n', { mode: 0o600 });
    const run = await pbxready(['check', '127.0.0.1', '--ports', String(closedPort), '--allow-private', '--no-icmp', '--agent', base, '--agent-token-file', join(dir, 'bad-token'), '--format', 'json']);
    const report = JSON.parse(run.stdout) as CheckReport;
    expect(report.findings.find((f) => f.code === 'AGENT_UNAVAILABLE')?.message).toContain('refused (HTTP 401)');
    expect(run.stdout).not.toContain('definitely-not-the-token');
  });

  it('--agent-report FILE merges a report made on the host', async () => {
    const res = await fetch(`${base}/report`, { headers: { authorization: `Bearer ${token}` } });
    await writeFile(join(dir, 'agent.json'), await res.text());
    const run = await pbxready(['check', '127.0.0.1', '--ports', String(closedPort), '--allow-private', '--no-icmp', '--agent-report', join(dir, 'agent.json'), '--format', 'markdown']);
    expect(run.stdout).toContain('Both views: outside × inside');
    expect(run.stdout).toContain('Inside: Custom development');
  });

  it.each([
    [['--agent-report', '/nonexistent/agent.json'], /^pbxready: --agent-report: cannot read \/nonexistent\/agent\.json \(ENOENT\)\n$/],
    [['--agent', 'ftp://x'], /^pbxready: --agent URL must be http:\/\/ or https:\/\/ \(got ftp:\)\n$/],
    [['--agent', 'http://127.0.0.1:1'], /^pbxready: --agent URL needs --agent-token-file FILE\n$/],
    [['--agent', 'ssh'], /^pbxready: --agent ssh runs the agent over the SSH login: give --ssh-user/],
    [['--agent', 'ssh', '--agent-report', 'x'], /^pbxready: give --agent or --agent-report, not both\n$/],
    [['--agent-command', 'x'], /^pbxready: --agent-command needs --agent ssh or auto\n$/],
  ])('bad agent flags %j → one line, exit 3', async (flags, message) => {
    const run = await pbxready(['check', '127.0.0.1', '--ports', String(closedPort), '--no-icmp', ...flags]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  it('an --agent-report file that is not an agent report still gives the outside report, with AGENT_UNAVAILABLE saying why', async () => {
    await writeFile(join(dir, 'check.json'), JSON.stringify(checkReport([])));
    const run = await pbxready(['check', '127.0.0.1', '--ports', String(closedPort), '--no-icmp', '--allow-private', '--agent-report', join(dir, 'check.json'), '--format', 'json']);
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as CheckReport;
    expect(report.findings.find((f) => f.code === 'AGENT_UNAVAILABLE')?.message).toContain(`--agent-report ${join(dir, 'check.json')} is not an agent report: kind is "check", not "agent"`);
  });
});
