// Issue 13, checker side, through the built CLI against real parts in network namespaces:
//   - the product decided from all the evidence: a SERVERware GUI with 2222 dropped is not-ready for
//     2222; a PBXware with 2020 dropped but 22 and 443 open is not-ready (not taken for Issabel); with
//     no GUI recognised the doubt is said and the union of the candidates' ports is required;
//   - system down from outside: every required port refused while the host answers is emergency
//     evidence (and the ticket suggests an Emergency); every port dropped is not;
//   - where the check ran from: a directly connected target → CHECKED_FROM_INSIDE (warn; info with
//     --allow-private); a hairpin-NAT router whose public address forwards to the PBX, checked from
//     the LAN: ready-looking from outside alone, CHECKED_FROM_INSIDE once the real agent, run over
//     --agent ssh on the PBX, reports the router's private address as the SSH client.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckReport, Finding } from '../../shared/model.js';
import { installAgentCopy, type AgentCopy } from '../harness/agent-copy.js';
import { CHECKER_CLI, runCli, type CliRun } from '../harness/cli.js';
import { PAGES } from '../harness/servers.js';
import { startSshd, type SshdServer } from '../harness/sshd.js';
import { makeCertificates, type TestCertificates } from '../harness/tls-certs.js';
import { createHairpinNetns, createHostNetns, runCliIn, type HairpinNetns, type HostNetns } from './field-netns.js';

const PASSWORD_ENV = 'PBXR_FIELD_SSH_PASSWORD';
const FAST = ['--no-icmp', '--timeout-ms', '1500', '--format', 'json'];

let sshd: SshdServer;
let certs: TestCertificates;
const hosts: HostNetns[] = [];

beforeAll(async () => {
  [sshd, certs] = await Promise.all([startSshd(), makeCertificates()]);
});
afterAll(async () => {
  for (const h of hosts) await h.stop();
  await sshd?.stop();
});

async function host(plan: Parameters<typeof createHostNetns>[2]): Promise<HostNetns> {
  const h = await createHostNetns(sshd, certs.selfSigned, plan);
  hosts.push(h);
  return h;
}

function parse(run: CliRun): CheckReport {
  expect(run.stderr, 'no error output').toBe('');
  return JSON.parse(run.stdout) as CheckReport;
}

const at = (r: CheckReport, code: string, port?: number): Finding | undefined => r.findings.find((f) => f.code === code && (port === undefined || f.port === port));
const required = (r: CheckReport) => [...new Set(r.ports.filter((p) => p.required).map((p) => p.port))].sort((a, b) => a - b);

describe('--product auto decided from all the evidence', () => {
  it('a SERVERware GUI with 2222 dropped by iptables → SERVERware, not-ready naming 2222', async () => {
    const h = await host({ http: { 80: PAGES.serverware, 81: PAGES.serverware }, https: { 443: PAGES.serverware }, ssh: [2020], drop: [2222] });
    const run = await runCli(CHECKER_CLI, ['check', h.address, '--allow-private', ...FAST]);
    const r = parse(run);
    expect(r.target.product).toBe('serverware');
    expect(r.target.productCandidates).toBeUndefined();
    expect(r.target.productReason).toContain('the GUI on 80, 81, 443 looks like SERVERware');
    expect(required(r)).toEqual([80, 81, 443, 2020, 2222]);
    expect(r.ports.find((p) => p.port === 2222)).toMatchObject({ state: 'filtered', required: true });
    expect(at(r, 'PORT_FILTERED', 2222)?.message).toContain('Port 2222 (ssh)');
    expect(at(r, 'PRODUCT_AUTO_GUESS')?.message).toContain('SERVERware');
    expect(r.verdict).toBe('not-ready');
    expect(run.code).toBe(2);
  });

  it('a PBXware with 2020 dropped but 22 and 443 open → PBXware (not Issabel), not-ready naming 2020', async () => {
    const h = await host({ http: { 80: PAGES.pbxware, 81: PAGES.pbxware }, https: { 443: PAGES.pbxware }, ssh: [22], drop: [2020] });
    const run = await runCli(CHECKER_CLI, ['check', h.address, '--allow-private', ...FAST]);
    const r = parse(run);
    expect(r.target.product).toBe('pbxware');
    expect(required(r)).toEqual([80, 81, 443, 2020]);
    expect(at(r, 'PORT_FILTERED', 2020)).toBeDefined();
    expect(r.verdict).toBe('not-ready');
    expect(run.code).toBe(2);
  });

  it('the same PBXware with no GUI recognised (a router page): PRODUCT_UNCERTAIN, every candidate\'s ports required, not-ready', async () => {
    const h = await host({ http: { 80: PAGES.router, 81: PAGES.router }, https: { 443: PAGES.router }, ssh: [22], drop: [2020] });
    const run = await runCli(CHECKER_CLI, ['check', h.address, '--allow-private', ...FAST]);
    const r = parse(run);
    expect(r.target.productCandidates).toEqual(['pbxware', 'serverware', 'issabel']);
    expect(at(r, 'PRODUCT_UNCERTAIN')).toMatchObject({ severity: 'warn' });
    expect(at(r, 'PRODUCT_UNCERTAIN')!.message).toContain('the required ports of PBXware, SERVERware, Issabel are all checked');
    expect(required(r)).toEqual([22, 80, 81, 443, 2020, 2222]);
    expect(at(r, 'PORT_FILTERED', 2020)).toBeDefined();
    expect(r.verdict).toBe('not-ready');
  });
});

describe('system down, seen from outside', () => {
  it('every PBXware port refused while the host answers → EMERGENCY_CRITERIA_MET "system down"; a ticket suggests (never applies) an Emergency', async () => {
    const h = await host({ http: { 8080: PAGES.pbxware } });
    const dir = await mkdtemp(join(tmpdir(), `pbxready-field-${process.pid}-`));
    try {
      const file = join(dir, 'check.json');
      const run = await runCli(CHECKER_CLI, ['check', h.address, '--product', 'pbxware', '--allow-private', ...FAST, '--output', file]);
      expect(run.code).toBe(2);
      const r = JSON.parse(await readFile(file, 'utf8')) as CheckReport;
      const met = at(r, 'EMERGENCY_CRITERIA_MET');
      expect(met).toMatchObject({ severity: 'fail', subject: 'system down' });
      expect(met!.message).toBe(
        'The vendor\'s emergency criterion "system down" is met: from outside every required port is dead (80 closed, 81 closed, 443 closed, 2020 closed) while the host still answers: it refuses 80, 81, 443, 2020 (a TCP reset: nothing listens).',
      );
      const ticket = await runCli(CHECKER_CLI, ['ticket', 'create', '--provider', 'freshdesk', '--base-url', 'https://desk.example', '--requester', 'pat@reseller.example', '--dry-run', file]);
      expect(ticket.stdout).toContain('Emergency suggested: EMERGENCY_CRITERIA_MET: The vendor\'s emergency criterion "system down" is met');
      expect(ticket.stdout).toContain('Not applied: pass --emergency');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('every port dropped: a firewall looks the same as a dead host, so no emergency evidence (HOST_UNREACHABLE)', async () => {
    const h = await host({ drop: [80, 81, 443, 2020, 3306, 5038] });
    const r = parse(await runCli(CHECKER_CLI, ['check', h.address, '--product', 'pbxware', '--allow-private', '--no-icmp', '--timeout-ms', '800', '--format', 'json']));
    expect(at(r, 'HOST_UNREACHABLE')).toBeDefined();
    expect(at(r, 'EMERGENCY_CRITERIA_MET')).toBeUndefined();
  });
});

describe('where the check ran from: a directly connected target', () => {
  let h: HostNetns;
  beforeAll(async () => {
    h = await host({ https: { 443: PAGES.issabel }, ssh: [22] });
  });

  it('→ CHECKED_FROM_INSIDE (warn) naming the network and the source address; the vantage point is in the report', async () => {
    const r = parse(await runCli(CHECKER_CLI, ['check', h.address, '--product', 'issabel', ...FAST]));
    expect(r.vantage).toMatchObject({ inside: true, addresses: [{ address: h.address, localAddress: h.rootAddress, route: 'directly-connected', network: `${h.rootCidr} on ${h.rootInterface}` }] });
    const f = at(r, 'CHECKED_FROM_INSIDE');
    expect(f).toMatchObject({ severity: 'warn', address: h.address });
    expect(f!.message).toContain(`is on a network this machine is directly connected to (${h.rootCidr} on ${h.rootInterface}), reached from ${h.rootAddress}`);
    expect(r.verdict).toBe('warnings');
  });

  it('with --allow-private (a declared lab) → info, and the text report shows where it ran from', async () => {
    const r = parse(await runCli(CHECKER_CLI, ['check', h.address, '--product', 'issabel', '--allow-private', ...FAST]));
    expect(at(r, 'CHECKED_FROM_INSIDE')?.severity).toBe('info');
    expect(r.verdict).toBe('ready');
    const text = await runCli(CHECKER_CLI, ['check', h.address, '--product', 'issabel', '--allow-private', '--no-icmp', '--timeout-ms', '1500']);
    expect(text.stdout).toContain('Where the check ran from');
    expect(text.stdout).toMatch(new RegExp(`Checked from:\\s+${h.rootAddress.replace(/\./g, '\\.')} — INSIDE the target's network`));
    const md = await runCli(CHECKER_CLI, ['check', h.address, '--product', 'issabel', '--allow-private', '--no-icmp', '--timeout-ms', '1500', '--format', 'markdown']);
    expect(md.stdout).toContain('directly connected');
    const html = await runCli(CHECKER_CLI, ['check', h.address, '--product', 'issabel', '--allow-private', '--no-icmp', '--timeout-ms', '1500', '--format', 'html']);
    expect(html.stdout).toContain('<h2>Where the check ran from</h2>');
    expect(html.stdout).toContain(`${h.rootCidr} on ${h.rootInterface}`);
  });
});

describe('where the check ran from: hairpin NAT, seen through the agent', () => {
  let net: HairpinNetns;
  let agent: AgentCopy;
  let agentCommand: string;

  beforeAll(async () => {
    agent = await installAgentCopy(['test/fixtures/pbxware', 'test/fixtures/asterisk/ast20-pjsip']);
    agentCommand = `${process.execPath} '${agent.cli}' report --format json --root '${agent.path('test/fixtures/pbxware')}' --asterisk-cmd '${agent.path('test/fixtures/asterisk/ast20-pjsip/asterisk')}'`;
    net = await createHairpinNetns(sshd, certs.selfSigned, { http: { 80: PAGES.pbxware, 81: PAGES.pbxware }, https: { 443: PAGES.pbxware }, ssh: [2020] }, [80, 81, 443, 2020]);
  });
  afterAll(async () => {
    await net?.stop();
    await agent?.remove();
  });

  const args = (extra: string[]) => ['check', net.publicAddress, '--product', 'pbxware', ...FAST, ...extra];

  it('from the LAN, the public address looks ready and routed: the outside view alone cannot tell', async () => {
    const r = parse(await runCliIn(net.client, args([])));
    expect(r.ports.filter((p) => p.required).map((p) => [p.port, p.state])).toEqual([[80, 'open'], [81, 'open'], [443, 'open'], [2020, 'open']]);
    expect(r.vantage?.addresses).toEqual([{ address: net.publicAddress, localAddress: net.clientLan, route: 'routed' }]);
    expect(at(r, 'CHECKED_FROM_INSIDE')).toBeUndefined();
    expect(r.verdict).toBe('ready');
  });

  it('with --agent ssh, the real agent reports the router\'s private address as the SSH client → CHECKED_FROM_INSIDE (warn)', async () => {
    const run = await runCliIn(net.client, args(['--ssh-user', sshd.user, '--ssh-password-env', PASSWORD_ENV, '--agent', 'ssh', '--agent-command', agentCommand]), { [PASSWORD_ENV]: sshd.password });
    const r = parse(run);
    expect(r.agent?.kind, at(r, 'AGENT_UNAVAILABLE')?.message).toBe('agent');
    expect(r.agent?.sshSession).toMatchObject({ clientAddress: net.routerLan, serverAddress: net.pbxLan, serverPort: 2020 });
    expect(r.vantage).toMatchObject({ inside: true, addresses: [{ address: net.publicAddress, localAddress: net.clientLan, route: 'routed', seenByHost: net.routerLan }] });
    const f = at(r, 'CHECKED_FROM_INSIDE');
    expect(f).toMatchObject({ severity: 'warn', address: net.publicAddress });
    expect(f!.message).toContain(`the host saw the check's SSH session come from ${net.routerLan} (a private address) while its public address ${net.publicAddress} was checked`);
    expect(r.verdict).toBe('warnings');
    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain(sshd.password);
  });

  it('agentless over the same login (nothing installed) sees the same session → CHECKED_FROM_INSIDE', async () => {
    const run = await runCliIn(
      net.client,
      args(['--ssh-user', sshd.user, '--ssh-password-env', PASSWORD_ENV, '--agent', 'agentless', '--agent-root', agent.path('test/fixtures/pbxware'), '--agent-asterisk-cmd', agent.path('test/fixtures/asterisk/ast20-pjsip/asterisk')]),
      { [PASSWORD_ENV]: sshd.password },
    );
    const r = parse(run);
    expect(r.agent?.collector, at(r, 'AGENT_UNAVAILABLE')?.message).toBe('agentless');
    expect(r.agent?.sshSession).toMatchObject({ clientAddress: net.routerLan, serverAddress: net.pbxLan, serverPort: 2020 });
    expect(at(r, 'CHECKED_FROM_INSIDE')).toMatchObject({ severity: 'warn', address: net.publicAddress });
  });
});
