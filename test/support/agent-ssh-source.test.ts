// --agent ssh against a real OpenSSH sshd: the agent's command runs over the login the check tested,
// pinned to the host key the probe saw when the user pinned nothing — so a different machine
// answering the second connection cannot supply the "inside" facts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { sshAgentSource, type SshAgentPlan } from '../../checker/agent-source/ssh.js';
import { agentlessDefaults } from '../../checker/agent-source/options.js';
import { CHECK_DEFAULTS, type CheckOptions } from '../../checker/check-options.js';
import { withDeadline } from '../../checker/probes/probe.js';
import { probeSsh } from '../../checker/probes/ssh.js';
import type { CheckReport, PortResult } from '../../shared/model.js';
import { startSshd, type SshdServer } from '../harness/sshd.js';
import { checkReport } from '../fixtures/reports.js';

let sshd: SshdServer;
let options: CheckOptions;
const SAY_REPORT = `printf '%s' '{"not":"a report"}'`;
const PLAN: SshAgentPlan = {
  mode: 'agent-or-agentless',
  agentless: agentlessDefaults('/', ['pbxready-no-asterisk-here']),
  log: pino({ level: 'silent' }),
};

beforeAll(async () => {
  sshd = await startSshd();
  options = { ...CHECK_DEFAULTS, host: '127.0.0.1', product: 'pbxware', allowPrivate: true, ssh: { user: sshd.user, password: sshd.password } };
});
afterAll(() => sshd?.stop());

/** The check as it would be after probing the real sshd (mapped to profile port 2020). */
async function checked(fingerprint?: string): Promise<CheckReport> {
  const ssh = await withDeadline(5000, undefined, (signal) => probeSsh({ address: '127.0.0.1', port: sshd.port, host: '127.0.0.1', credentials: options.ssh! }, { signal }));
  if (fingerprint) ssh.fingerprint = fingerprint;
  const port: PortResult = { port: 2020, address: '127.0.0.1', purpose: 'ssh', required: true, state: 'open', reason: 'connected', latencyMs: 1, ssh };
  return checkReport([port]);
}

const portMap = () => ({ 2020: sshd.port });

describe('--agent ssh', () => {
  it('runs over the tested login, pinned to the key the probe saw', async () => {
    const source = sshAgentSource(SAY_REPORT, 10_000, PLAN);
    const outcome = await source.fetch({ check: await checked(), options, portMap: portMap() });
    // The command ran (its output is not a report), so the implicit pin matched the real key.
    expect(outcome).toMatchObject({ ok: false, via: 'ssh', failure: { kind: 'invalid-report' } });
  });

  it('refuses when the key differs from the one the probe saw, before running anything', async () => {
    const source = sshAgentSource('touch /tmp/pbxready-must-not-exist', 10_000, PLAN);
    const check = await checked('SHA256:' + 'A'.repeat(43));
    const logBefore = sshd.log().length;
    const outcome = await source.fetch({ check, options, portMap: portMap() });
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'hostkey' } });
    await new Promise((r) => setTimeout(r, 300)); // sshd's log lines arrive asynchronously
    expect(sshd.log().slice(logBefore)).not.toMatch(/Accepted|password for/);
  });

  it('an explicit --ssh-fingerprint wins over what the probe saw', async () => {
    const source = sshAgentSource(SAY_REPORT, 10_000, PLAN);
    const pinned = { ...options, sshFingerprint: sshd.hostKeyFingerprints.ed25519 };
    const outcome = await source.fetch({ check: await checked('SHA256:' + 'B'.repeat(43)), options: pinned, portMap: portMap() });
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'invalid-report' } });
  });

  it('a host without the agent (exit 127) is collected agentless on the same login; missing credentials are named', async () => {
    const check = await checked();
    await new Promise((r) => setTimeout(r, 300));
    const logBefore = sshd.log().length;
    const missing = await sshAgentSource('pbxready-agent-not-installed report', 10_000, PLAN).fetch({ check, options, portMap: portMap() });
    expect(missing).toMatchObject({ ok: true, via: 'ssh', report: { kind: 'agent', collector: 'agentless' } });
    if (missing.ok) expect(missing.report.unreadable).toContainEqual(expect.objectContaining({ source: 'asterisk', reason: expect.stringContaining('pbxready-no-asterisk-here') }));
    await new Promise((r) => setTimeout(r, 300)); // sshd's log lines arrive asynchronously
    // One login for the agent's try and every agentless phase.
    expect(sshd.log().slice(logBefore).match(/Accepted password/g)).toHaveLength(1);
    const { ssh: _none, ...noLogin } = options;
    const unauth = await sshAgentSource(SAY_REPORT, 10_000, PLAN).fetch({ check: await checked(), options: noLogin, portMap: portMap() });
    expect(unauth).toMatchObject({ ok: false, failure: { kind: 'no-credentials' } });
  });
});
