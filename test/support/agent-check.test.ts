// The "Done when", end to end with real parts: the built `pbxready` CLI probes a PBX that lives
// in its own network namespace (real iptables DROP, a real DNAT port forward to another device, a real
// OpenSSH sshd), and `--agent ssh` runs the built pbxready-agent INSIDE that namespace over the SSH login,
// so the agent's listening sockets are the PBX's own (/proc/net/tcp of the namespace) — no edited reports.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckReport, PrecheckReport } from '../../shared/model.js';
import { installAgentCopy, type AgentCopy } from '../harness/agent-copy.js';
import { CHECKER_CLI as CLI, requireBuilt, runCli, type CliRun as Run } from '../harness/cli.js';
import { startSshd, type SshdServer } from '../harness/sshd.js';
import { createPbxNetns, type PbxNetns } from './pbx-netns.js';

const PASSWORD_ENV = 'PBXR_TEST_SSH_PASSWORD';

const pbxready = (args: string[], env: Record<string, string> = {}) => runCli(CLI, args, { env });

let sshd: SshdServer;
let net: PbxNetns;
let agent: AgentCopy;
let AGENT_COMMAND: string;

beforeAll(async () => {
  requireBuilt(CLI);
  // The agent runs as the harness's unprivileged test user, who may not be able to read the
  // checkout: it runs from an installed copy, on copies of the fixtures.
  agent = await installAgentCopy(['test/fixtures/pbxware', 'test/fixtures/asterisk/ast20-pjsip']);
  const fixture = agent.path('test/fixtures/pbxware');
  const asterisk = agent.path('test/fixtures/asterisk/ast20-pjsip/asterisk');
  AGENT_COMMAND = `${process.execPath} '${agent.cli}' report --format json --root '${fixture}' --asterisk-cmd '${asterisk}'`;
  sshd = await startSshd();
  net = await createPbxNetns(sshd);
});

afterAll(async () => {
  await net?.stop();
  await sshd?.stop();
  await agent?.remove();
});

function checkArgs(extra: string[] = []): string[] {
  return [
    net.pbxAddress,
    '--product', 'pbxware',
    '--allow-private',
    '--no-icmp',
    '--timeout-ms', '2000',
    '--ssh-user', sshd.user,
    '--ssh-password-env', PASSWORD_ENV,
    '--agent', 'ssh',
    '--agent-command', AGENT_COMMAND,
    ...extra,
  ];
}

function codesAt(report: CheckReport, port: number): string[] {
  return report.findings.filter((f) => f.port === port).map((f) => f.code).sort();
}

function noSecret(run: Run): void {
  expect(run.stdout).not.toContain(sshd.password);
  expect(run.stderr).not.toContain(sshd.password);
  // The fixture's pbxware.ini database password: the agent read it on the host; it must not travel.
  expect(run.stdout).not.toContain('Fixture-Pbxware-Db-S3cret');
}

describe('pbxready check --agent ssh: one report, both views, the right diagnosis', () => {
  let run: Run;
  let report: CheckReport;

  beforeAll(async () => {
    run = await pbxready(['check', ...checkArgs(['--format', 'json'])], { [PASSWORD_ENV]: sshd.password });
    report = JSON.parse(run.stdout) as CheckReport;
  });

  it('carries the outside view and the agent report from inside the PBX namespace', () => {
    expect(run.stderr).toBe('');
    expect(report.kind).toBe('check');
    expect(report.agent?.kind, report.findings.find((f) => f.code === 'AGENT_UNAVAILABLE')?.message).toBe('agent');
    expect(report.agent?.product).toMatchObject({ name: 'pbxware', version: '7.2.1' });
    const outside = Object.fromEntries(report.ports.filter((p) => p.required).map((p) => [p.port, p.state]));
    expect(outside).toEqual({ 80: 'open', 81: 'closed', 443: 'filtered', 2020: 'open' });
    expect(report.ports.find((p) => p.port === 2020)?.ssh?.auth).toMatchObject({ user: sshd.user, ok: true });
    // The agent's own socket table, read inside the namespace: sshd on 2020 and the node listener on 443;
    // nothing on 80 (the forward goes elsewhere) or 81.
    const inside = [...new Set(report.agent!.listening.map((l) => l.port))].sort((a, b) => a - b);
    expect(inside).toEqual([443, 2020]);
    expect(report.findings.some((f) => f.code === 'AGENT_UNAVAILABLE')).toBe(false);
  });

  it('port filtered outside, service listening inside → PORT_BLOCKED_UPSTREAM (replacing the bare PORT_FILTERED)', () => {
    expect(codesAt(report, 443)).toEqual(['PORT_BLOCKED_UPSTREAM']);
    expect(report.findings.find((f) => f.code === 'PORT_BLOCKED_UPSTREAM')?.message).toContain('0.0.0.0:443');
  });

  it('nothing listening inside → SERVICE_NOT_LISTENING', () => {
    expect(codesAt(report, 81)).toEqual(['SERVICE_NOT_LISTENING']);
    expect(report.findings.find((f) => f.port === 81)?.message).toContain('is closed (refused)');
  });

  it('open outside, not listening inside → PORT_FORWARDED_ELSEWHERE (and the outside view agrees: not the PBX GUI)', () => {
    expect(codesAt(report, 80)).toEqual(['GUI_NOT_RECOGNIZED', 'PORT_FORWARDED_ELSEWHERE']);
    expect(report.ports.find((p) => p.port === 80)?.http?.title).toBe('Router admin');
  });

  it('a port both views agree on gets no joint diagnosis; the verdict is recomputed', () => {
    expect(codesAt(report, 2020)).toEqual(['SSH_AUTH_OK']);
    expect(report.verdict).toBe('not-ready');
    expect(run.code).toBe(2);
  });

  it('never prints the SSH password or a password the agent read', () => noSecret(run));

  it('no format and no trace log line carries the SSH password, right or wrong', async () => {
    for (const password of [sshd.password, 'Wr0ng-Pass-For-Test']) {
      for (const format of ['text', 'json', 'markdown', 'html']) {
        const r = await pbxready(['check', ...checkArgs(['--format', format, '--log-level', 'trace'])], { [PASSWORD_ENV]: password });
        expect(r.stdout.length, format).toBeGreaterThan(200);
        expect(r.stderr, `${format}: the trace log ran`).not.toBe('');
        for (const out of [r.stdout, r.stderr]) {
          expect(out, format).not.toContain(password);
          expect(out, format).not.toContain('Fixture-Pbxware-Db-S3cret');
        }
      }
    }
  });

  it('the text report shows both views side by side', async () => {
    const text = await pbxready(['check', ...checkArgs()], { [PASSWORD_ENV]: sshd.password });
    expect(text.code).toBe(2);
    expect(text.stdout).toContain('Both views: outside × inside');
    expect(text.stdout).toMatch(/443\s+\S+\s+gui\s+filtered\s+listening: 0\.0\.0\.0:443.*PORT_BLOCKED_UPSTREAM/);
    expect(text.stdout).toMatch(/80\s+\S+\s+gui\s+open\s+not listening\s+PORT_FORWARDED_ELSEWHERE/);
    expect(text.stdout).toContain('Inside: Listening sockets');
    noSecret(text);
  });
});

describe('when the agent is missing or fails, the check still completes and says why', () => {
  it('agent not installed (exit 127) → collected agentless on the same login: the namespace\'s own sockets, the same diagnosis', async () => {
    const run = await pbxready(
      ['check', net.pbxAddress, '--product', 'pbxware', '--allow-private', '--no-icmp', '--timeout-ms', '2000', '--ssh-user', sshd.user, '--ssh-password-env', PASSWORD_ENV, '--agent', 'ssh', '--agent-command', 'pbxready-agent-not-here report --format json', '--format', 'json'],
      { [PASSWORD_ENV]: sshd.password },
    );
    const report = JSON.parse(run.stdout) as CheckReport;
    expect(report.findings.some((x) => x.code === 'AGENT_UNAVAILABLE')).toBe(false);
    expect(report.agent?.collector).toBe('agentless');
    expect([...new Set(report.agent!.listening.map((l) => l.port))].sort((a, b) => a - b)).toEqual([443, 2020]);
    expect(codesAt(report, 443)).toEqual(['PORT_BLOCKED_UPSTREAM']);
    expect(run.code).toBe(2);
    noSecret(run);
  });

  it('wrong password → AGENT_UNAVAILABLE with the login failure', async () => {
    const run = await pbxready(['check', ...checkArgs(['--format', 'json'])], { [PASSWORD_ENV]: 'not-the-password' });
    const report = JSON.parse(run.stdout) as CheckReport;
    expect(report.findings.find((x) => x.code === 'AGENT_UNAVAILABLE')?.message).toMatch(/login as pbxready-test failed/);
    expect(run.stdout).not.toContain('not-the-password');
  });
});

describe('pbxready precheck over the same host', () => {
  it('reports every pre-check item with evidence; the outside failures make it no-go', async () => {
    const run = await pbxready(['precheck', ...checkArgs(['--to', '7.3', '--format', 'json'])], { [PASSWORD_ENV]: sshd.password });
    const report = JSON.parse(run.stdout) as PrecheckReport;
    expect(report.kind).toBe('precheck');
    expect(report.items.map((i) => i.id)).toEqual(['reach-gui', 'reach-ssh', 'configuration', 'custom-development', 'disk-space', 'cdr-size', 'backup', 'active-calls', 'version', 'downtime']);
    for (const i of report.items) expect(i.evidence.length, i.id).toBeGreaterThan(0);
    const status = Object.fromEntries(report.items.map((i) => [i.id, i.status]));
    expect(status['reach-ssh']).toBe('pass');
    // 80 open (to the wrong device), 81 closed, 443 filtered.
    expect(status['reach-gui']).toBe('warn');
    expect(report.items.find((i) => i.id === 'reach-gui')?.evidence).toContain('443 filtered [PORT_BLOCKED_UPSTREAM]');
    expect(status['version']).toBe('pass');
    expect(report.currentVersion).toBe('7.2.1');
    // The fixture's database is not running in the namespace: the agent says so, the CDR items cannot be measured.
    expect(status['cdr-size']).toBe('unknown');
    expect(status['custom-development']).toBe('warn');
    expect(report.items.find((i) => i.id === 'custom-development')?.evidence).toContain('crm-lookup.agi');
    expect(status['backup']).toBe('pass');
    expect(report.decision).toBe('unknown');
    expect(run.code).toBe(3);
    expect(report.actions.length).toBeGreaterThan(0);
    expect(report.check.agent?.kind).toBe('agent');
    noSecret(run);
  });

  it('refuses the same version as a failed item (no-go, exit 2)', async () => {
    const run = await pbxready(['precheck', ...checkArgs(['--to', '7.2.1', '--format', 'markdown'])], { [PASSWORD_ENV]: sshd.password });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('NO-GO');
    expect(run.stdout).toMatch(/Current version vs target \| FAIL \| already on 7\.2\.1/);
    noSecret(run);
  });

  it('without the agent: inside items need the agent and the decision cannot be go (exit 3)', async () => {
    const run = await pbxready(['precheck', net.pbxAddress, '--product', 'pbxware', '--allow-private', '--no-icmp', '--timeout-ms', '2000', '--to', '7.3', '--format', 'json']);
    const report = JSON.parse(run.stdout) as PrecheckReport;
    expect(report.items.filter((i) => i.status === 'unknown').map((i) => i.id)).toEqual(['configuration', 'custom-development', 'disk-space', 'cdr-size', 'backup', 'active-calls', 'version', 'downtime']);
    expect(report.items.find((i) => i.id === 'configuration')?.evidence).toContain('needs the agent');
    expect(report.summary).toContain("Cannot be go without the host agent's facts");
    expect(report.decision).toBe('unknown');
    expect(run.code).toBe(3);
  });
});
