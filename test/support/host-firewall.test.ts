// The host's own firewall, through the real CLIs: the agent runs inside a PBX network namespace whose
// iptables AND nftables rules drop 2020, behind a router namespace that forwards it; the checker runs
// outside. The joint diagnosis must blame the PBX (HOST_FIREWALL_BLOCKS, naming both rules), not the
// router — and blame the router for 81, which the PBX admits. A real fail2ban jail bans a vendor
// address: VENDOR_SOURCE_BANNED with the jail. Readers that cannot run are gaps, never "allowed".

import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AgentReport, CheckReport } from '../../shared/model.js';
import { installAgentCopy } from '../harness/agent-copy.js';
import { AGENT_CLI, CHECKER_CLI, REPO, requireBuilt, runCli } from '../harness/cli.js';
import { createFirewallNetns, startFail2ban, type Fail2ban, type FirewallNetns } from './firewall-netns.js';

const FIXTURE = join(REPO, 'test/fixtures/pbxware');
const ASTERISK = join(REPO, 'test/fixtures/asterisk/ast20-pjsip/asterisk');
const VENDOR = '198.51.100.0/24';
const BANNED = '198.51.100.7';

let net: FirewallNetns;
let f2b: Fail2ban;
const work = mkdtempSync(join(tmpdir(), 'pbxready-hostfw-'));
const IP = '/usr/sbin/ip';

/** Run a command line as given (the agent CLI under `ip netns exec`); never rejects on an exit code. */
function runCmd(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  requireBuilt(AGENT_CLI);
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 60_000, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

beforeAll(async () => {
  net = await createFirewallNetns();
  f2b = await startFail2ban(net.pbx, { name: 'pbx-ssh', port: 2020 });
  await f2b.ban('pbx-ssh', BANNED);
});

afterAll(async () => {
  await f2b?.stop();
  await net?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** The agent CLI inside the PBX namespace (as `ip netns exec` runs it), its JSON report written to a file. */
async function agentReport(name: string, config: Record<string, unknown> = {}, env: Record<string, string> = {}, root = FIXTURE): Promise<{ file: string; report: AgentReport; stderr: string }> {
  const file = join(work, `${name}.json`);
  const configFile = join(work, `${name}.config.json`);
  writeFileSync(configFile, JSON.stringify(config));
  const res = await runCmd(IP, ['netns', 'exec', net.pbx, process.execPath, AGENT_CLI, 'report', '--format', 'json', '--output', file, '--root', root, '--asterisk-cmd', ASTERISK, '--config', configFile], { ...process.env, ...env });
  if (res.code === null || res.code > 2) throw new Error(`agent failed (${res.code}): ${res.stderr}`);
  return { file, report: JSON.parse(readFileSync(file, 'utf8')) as AgentReport, stderr: res.stderr };
}

async function check(agentFile: string, ...extra: string[]): Promise<CheckReport> {
  const res = await runCli(CHECKER_CLI, ['check', net.publicAddress, '--product', 'pbxware', '--allow-private', '--no-icmp', '--timeout-ms', '1500', '--format', 'json', '--agent-report', agentFile, ...extra], { timeoutMs: 60_000 });
  expect(res.stderr).toBe('');
  return JSON.parse(res.stdout) as CheckReport;
}

describe('a PBX whose own packet filter drops 2020, behind a router that forwards it', () => {
  let agent: { file: string; report: AgentReport };
  let joint: CheckReport;
  beforeAll(async () => {
    agent = await agentReport('pbx', { fail2banCmd: f2b.client.join(' ') });
    joint = await check(agent.file, '--vendor-sources', VENDOR);
  });

  test('the agent read iptables, nftables and fail2ban inside the PBX namespace, and found its own rules', () => {
    const fw = agent.report.firewall!;
    expect(fw.readers.filter((r) => r.status === 'read').map((r) => r.name)).toEqual(expect.arrayContaining(['iptables', 'nftables', 'fail2ban']));
    const texts = fw.tables.flatMap((t) => t.chains.flatMap((c) => c.rules.map((r) => r.text)));
    expect(texts).toContain('-A INPUT -p tcp -m tcp --dport 2020 -j DROP');
    expect(texts).toContain('tcp dport 2020 counter drop');
    expect(fw.bans).toContainEqual({ address: BANNED, jail: 'pbx-ssh', by: 'fail2ban' });
    expect(agent.report.listening.map((l) => l.port)).toEqual(expect.arrayContaining([81, 443, 2020]));
  });

  test('the text report shows every reader\'s status and the bans', async () => {
    const configFile = join(work, 'text.config.json');
    writeFileSync(configFile, JSON.stringify({ fail2banCmd: f2b.client.join(' ') }));
    const res = await runCmd(IP, ['netns', 'exec', net.pbx, process.execPath, AGENT_CLI, 'report', '--root', FIXTURE, '--asterisk-cmd', ASTERISK, '--config', configFile]);
    const section = res.stdout.slice(res.stdout.indexOf('Host firewall and public address'));
    expect(section).toMatch(/iptables-save:\s+read/);
    expect(section).toMatch(/nft -j list ruleset:\s+read/);
    expect(section).toContain(`${BANNED} (fail2ban pbx-ssh)`);
  });

  test('2020: HOST_FIREWALL_BLOCKS naming the iptables rule and the nftables rule — not PORT_BLOCKED_UPSTREAM', () => {
    const p2020 = joint.ports.find((p) => p.port === 2020)!;
    expect(p2020.state).toBe('filtered');
    const f = joint.findings.find((x) => x.code === 'HOST_FIREWALL_BLOCKS' && x.port === 2020);
    expect(f?.severity).toBe('fail');
    expect(f?.message).toContain('iptables filter INPUT: -A INPUT -p tcp -m tcp --dport 2020 -j DROP');
    expect(f?.message).toContain('nftables inet pbxfw input: tcp dport 2020 counter drop');
    expect(joint.findings.filter((x) => x.port === 2020).map((x) => x.code)).not.toContain('PORT_BLOCKED_UPSTREAM');
    expect(joint.findings.filter((x) => x.port === 2020).map((x) => x.code)).not.toContain('PORT_FILTERED');
  });

  test('81: the PBX admits it, the router drops it: PORT_BLOCKED_UPSTREAM saying the host\'s own filter admits it', () => {
    const f = joint.findings.find((x) => x.code === 'PORT_BLOCKED_UPSTREAM' && x.port === 81);
    expect(f?.message).toContain('the host\'s own packet filter admits it');
    expect(joint.findings.find((x) => x.code === 'HOST_FIREWALL_BLOCKS' && x.port === 81)).toBeUndefined();
    expect(joint.ports.find((p) => p.port === 443)!.state).toBe('open');
  });

  test('--vendor-sources: the vendor range is blocked on 2020 (and partly by the fail2ban rule), banned in jail pbx-ssh', () => {
    const blocked = joint.findings.filter((x) => x.code === 'VENDOR_SOURCE_BLOCKED');
    expect(blocked.map((x) => x.port)).toEqual([2020]);
    expect(blocked[0]!.message).toContain(`from the vendor's ${VENDOR}`);
    const banned = joint.findings.find((x) => x.code === 'VENDOR_SOURCE_BANNED');
    expect(banned?.severity).toBe('fail');
    expect(banned?.message).toBe(`${BANNED} (in the vendor's ${VENDOR}) is banned by fail2ban (jail pbx-ssh).`);
    expect(banned?.remedy).toContain(`fail2ban-client set pbx-ssh unbanip ${BANNED}`);
  });

  test('a vendor range the host admits on every port, unbanned: VENDOR_SOURCES_ADMITTED (after opening 2020 for it)', async () => {
    // The same PBX with an accept for 203.0.113.0/24 ahead of both drops.
    await net.inPbx('iptables', '-I', 'INPUT', '1', '-s', '203.0.113.0/24', '-p', 'tcp', '--dport', '2020', '-j', 'ACCEPT');
    await net.inPbx('nft', 'insert', 'rule', 'inet', 'pbxfw', 'input', 'ip', 'saddr', '203.0.113.0/24', 'accept');
    try {
      const opened = await agentReport('opened', { fail2banCmd: f2b.client.join(' '), vendorSources: ['203.0.113.0/24'] });
      // The agent alone says it too (config vendorSources).
      expect(opened.report.findings.map((x) => x.code)).toContain('VENDOR_SOURCES_ADMITTED');
      const r = await check(opened.file, '--vendor-sources', '203.0.113.0/24');
      expect(r.findings.find((x) => x.code === 'VENDOR_SOURCES_ADMITTED')?.message).toBe('The host\'s own packet filter admits the vendor\'s 203.0.113.0/24 on TCP 80, 81, 443, 2020, and none of them is banned.');
      // For everyone else 2020 is still dropped by the host.
      expect(r.findings.find((x) => x.code === 'HOST_FIREWALL_BLOCKS' && x.port === 2020)).toBeDefined();
    } finally {
      await net.inPbx('iptables', '-D', 'INPUT', '-s', '203.0.113.0/24', '-p', 'tcp', '--dport', '2020', '-j', 'ACCEPT');
    }
  });
});

describe('readers that cannot run are gaps, never "allowed"', () => {
  test('as an unprivileged user: iptables-save, nft and fail2ban-client are refused → SOURCE_UNREADABLE, and the vendor check is VENDOR_SOURCES_UNVERIFIED', async () => {
    const file = join(work, 'nobody.json');
    // nobody may not be able to read the checkout: the agent, the fixture tree and the Asterisk stand-in run from a copy.
    const copy = await installAgentCopy(['test/fixtures/pbxware', 'test/fixtures/asterisk/ast20-pjsip']);
    const res = await runCmd(IP, ['netns', 'exec', net.pbx, 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, copy.cli, 'report', '--format', 'json', '--root', copy.path('test/fixtures/pbxware'), '--asterisk-cmd', copy.path('test/fixtures/asterisk/ast20-pjsip/asterisk')]).finally(() => copy.remove());
    writeFileSync(file, res.stdout);
    const r = JSON.parse(res.stdout) as AgentReport;
    const unreadable = r.firewall!.readers.filter((x) => x.status === 'unreadable').map((x) => x.name);
    expect(unreadable).toEqual(expect.arrayContaining(['iptables', 'nftables']));
    expect(r.findings.filter((f) => f.code === 'SOURCE_UNREADABLE').map((f) => f.message).join('\n')).toMatch(/iptables-save.*permission denied/);
    const joint = await check(file, '--vendor-sources', VENDOR);
    expect(joint.findings.find((f) => f.code === 'VENDOR_SOURCES_UNVERIFIED')?.message).toMatch(/not known: .*permission denied/);
    // 2020 is not blamed on the router without saying the host's filter was not read.
    const f2020 = joint.findings.find((f) => f.port === 2020 && (f.code === 'PORT_BLOCKED_UPSTREAM' || f.code === 'HOST_FIREWALL_BLOCKS'));
    expect(f2020?.message).toContain('could not be read');
  });

  test('no firewall tool installed at all (PATH without them) → SOURCE_UNREADABLE "packet filter"', async () => {
    const { report } = await agentReport('notools', {}, { PATH: '/nonexistent' });
    expect(report.firewall!.readers.find((x) => x.name === 'iptables')?.status).toBe('not installed');
    expect(report.findings.find((f) => f.code === 'SOURCE_UNREADABLE' && f.message.includes('packet filter'))?.message).toContain('none of iptables-save, ip6tables-save, nft is installed');
  });
});

describe('the public address the host believes it has (Asterisk\'s NAT settings) → ADDRESS_MISMATCH from a real agent', () => {
  test('chan_sip externip and a PJSIP transport\'s external_signaling_address fill publicAddresses; the check of another address warns', async () => {
    const root = join(work, 'nat-root');
    cpSync(FIXTURE, root, { recursive: true });
    const etc = join(root, 'opt/pbxware/pw/etc/asterisk');
    writeFileSync(join(etc, 'sip_general_custom.conf'), '[general]\nexternip=203.0.113.50\nlocalnet=10.0.0.0/8\n');
    writeFileSync(join(etc, 'pjsip.transports.conf'), '[transport-udp]\ntype=transport\nprotocol=udp\nexternal_signaling_address=203.0.113.50\nexternal_media_address=203.0.113.51\n');
    const { file, report } = await agentReport('nat', {}, {}, root);
    expect(report.publicAddresses).toEqual(['203.0.113.50', '203.0.113.51']);
    expect(report.publicAddressSources).toContainEqual({ address: '203.0.113.50', source: 'externip in /opt/pbxware/pw/etc/asterisk/sip_general_custom.conf' });
    const r = await check(file);
    const mismatch = r.findings.find((f) => f.code === 'ADDRESS_MISMATCH');
    expect(mismatch?.message).toBe(`The host sees its public address as 203.0.113.50, 203.0.113.51, but ${net.publicAddress} was checked.`);
  });
});
