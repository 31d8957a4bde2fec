// The inside view with nothing installed, end to end with real parts: a PBX in its own network
// namespace whose SSH logins see NO node at all (the sshd runs in a private mount namespace where
// node is masked), a real MariaDB with a PBXware CDR table, a sysroot whose pbxware.ini holds the
// database secret, and the recorded-Asterisk stand-in. `pbxready check --agent ssh` finds no agent
// there and collects agentless; its facts equal those of the installed agent run on the same host
// (same namespace, same user, same tree), field by field. The database secret appears in no
// output format, no trace log and no process list while the collection runs.

import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshAgentSource } from '../../checker/agent-source/ssh.js';
import { CHECK_DEFAULTS, type CheckOptions } from '../../checker/check-options.js';
import { probeSsh } from '../../checker/probes/ssh.js';
import type { AgentReport, CheckReport, PortResult, PrecheckReport } from '../../shared/model.js';
import { agentlessDefaults } from '../../checker/agent-source/options.js';
import { installAgentCopy, type AgentCopy } from '../harness/agent-copy.js';
import { CHECKER_CLI, runCli } from '../harness/cli.js';
import { freePort } from '../harness/mariadb.js';
import { startMaskedSshd, type MaskedSshd } from '../harness/masked-sshd.js';
import { vethLink } from '../harness/netns.js';
import { startSshd, type SshdServer } from '../harness/sshd.js';
import { checkReport } from '../fixtures/reports.js';
import { withDeadline } from '../../checker/probes/probe.js';
import { DB_SECRET, comparable, diskDrift, startPbxwareHost, type PbxwareHost } from './helpers.js';
import { claimSubnet } from '../harness/subnet-claim.js';

const run = promisify(execFile);
const PASSWORD_ENV = 'PBXR_AGENTLESS_SSH_PASSWORD';
/** The PATH the agentless script sets (and an SSH login of a plain user about has). */
const LOGIN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const SECRET_PART = 'Agentless-S3cret';
const tag = `${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
const ns = `pbxr-al-${tag}`;
const subnet = claimSubnet();
const t = subnet.n;
const pbxAddress = `10.236.${t}.2`;

let sshd: SshdServer;
let host: PbxwareHost;
let tree: PbxwareHost['tree'];
let agent: AgentCopy;
let pbx: MaskedSshd | null = null;
let listener: ReturnType<typeof spawn> | null = null;

const inNs = (...args: string[]) => run('ip', ['netns', 'exec', ns, ...args]);

beforeAll(async () => {
  sshd = await startSshd();
  host = await startPbxwareHost();
  tree = host.tree;
  // The unprivileged SSH user reaches the server's socket (the directory is only traversable).
  await chmod(dirname(host.db.socket), 0o711);
  await run('chmod', ['-R', 'a+rX', tree.root]);
  agent = await installAgentCopy(['test/fixtures/asterisk/ast20-pjsip']);
  await run('ip', ['netns', 'add', ns]);
  await vethLink(null, ns, [`al${tag}`, `ap${tag}`], [`10.236.${t}.1`, pbxAddress]);
  pbx = await startMaskedSshd(sshd, { programs: ['node', 'nodejs'], port: 2020, listen: '0.0.0.0', netns: ns });
  // A listener the SSH user owns on a watched port (5038, AMI): its process is visible to both collectors.
  listener = spawn('ip', ['netns', 'exec', ns, 'runuser', '-u', sshd.user, '--', 'python3', '-c', 'import socket,time;s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(("127.0.0.1",5038));s.listen();print("ready",flush=True);time.sleep(600)'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((resolve, reject) => {
    listener!.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    listener!.once('exit', (code) => reject(new Error(`listener on 5038 exited (${code})`)));
  });
});

afterAll(async () => {
  if (listener?.pid) {
    try {
      process.kill(-listener.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await pbx?.stop();
  await run('ip', ['netns', 'del', ns]).catch(() => {});
  await run('ip', ['link', 'del', `al${tag}`]).catch(() => {});
  subnet.release();
  await agent?.remove();
  await host?.stop();
  await sshd?.stop();
});

const asterisk = () => agent.path('test/fixtures/asterisk/ast20-pjsip/asterisk');

function checkArgs(extra: string[] = [], mode = 'ssh'): string[] {
  return [
    'check', pbxAddress, '--product', 'pbxware', '--allow-private', '--no-icmp', '--timeout-ms', '3000',
    '--ssh-user', sshd.user, '--ssh-password-env', PASSWORD_ENV,
    '--agent', mode, '--agent-root', tree.root, '--agent-asterisk-cmd', asterisk(),
    ...extra,
  ];
}

/** Every command line `ps -eo args` shows while `work` runs, polled as fast as ps answers. */
async function psDuring<T>(work: Promise<T>): Promise<{ result: T; lines: Set<string> }> {
  const lines = new Set<string>();
  let done = false;
  const poll = (async () => {
    while (!done) {
      const { stdout } = await run('ps', ['-eo', 'args', '--no-headers'], { maxBuffer: 16 * 1024 * 1024 });
      for (const l of stdout.split('\n')) lines.add(l);
    }
  })();
  try {
    return { result: await work, lines };
  } finally {
    done = true;
    await poll;
  }
}

const seenLines = new Set<string>();
async function pbxready(args: string[], password = sshd.password) {
  const { result, lines } = await psDuring(runCli(CHECKER_CLI, args, { env: { [PASSWORD_ENV]: password }, timeoutMs: 120_000 }));
  for (const l of lines) seenLines.add(l);
  return result;
}

describe('check --agent ssh on a host without node: agentless, the installed agent\'s facts', () => {
  let check: CheckReport;
  let installed: AgentReport;

  beforeAll(async () => {
    const r = await pbxready(checkArgs(['--format', 'json']));
    expect(r.stderr).toBe('');
    check = JSON.parse(r.stdout) as CheckReport;
    // The installed agent on the same host: same network namespace, same user, same tree and Asterisk.
    // With a login's PATH (runuser keeps root's, whose /root/… directories the user may not search).
    const { stdout } = await inNs('runuser', '-u', sshd.user, '--', 'env', `PATH=${LOGIN_PATH}`, process.execPath, agent.cli, 'report', '--format', 'json', '--root', tree.root, '--asterisk-cmd', asterisk()).catch((e: { stdout: string }) => e);
    installed = JSON.parse(stdout) as AgentReport;
  });

  it('the login sees no node', async () => {
    const { stdout } = await inNs('runuser', '-u', sshd.user, '--', 'sh', '-c', 'command -v node || echo none');
    // Outside the masked mount namespace node is there (the installed agent above ran with it) …
    expect(stdout.trim()).not.toBe('none');
    // … and the report says the masked login had to do without.
    expect(check.agent?.collector).toBe('agentless');
    expect(installed.collector).toBe('agent');
  });

  it('product, disks, database, CDR figures, Asterisk, trunks and listening sockets equal the agent\'s, field by field', () => {
    const a = check.agent!;
    expect(a.product).toMatchObject({ name: 'pbxware', version: '7.2.1', edition: 'Multi-Tenant', licence: '700123456' });
    expect(a.database).toMatchObject({ reachable: true, credentialsSource: '/opt/pbxware/pw/etc/pbxware/pbxware.ini' });
    expect(a.cdr).toMatchObject({ table: 'pbxware.cdr', lastHour: { calls: 20 } });
    expect(a.asterisk).toMatchObject({ version: '20.5.2', running: true });
    expect(a.asterisk.trunks.length).toBeGreaterThan(0);
    expect(a.listening).toEqual(expect.arrayContaining([expect.objectContaining({ port: 5038, process: 'python3' }), expect.objectContaining({ port: 2020 })]));
    expect(a.disks.some((d) => d.holds.includes('database'))).toBe(true);
    // Where the host saw the login come from (sshd's SSH_CONNECTION), as the agent run over SSH reports it.
    expect(a.sshSession).toMatchObject({ clientAddress: `10.236.${t}.1`, serverAddress: pbxAddress, serverPort: 2020 });
    expect(comparable(a)).toEqual(comparable(installed));
    expect(diskDrift(a, installed)).toBeLessThan(0.01);
  });

  it('no format, trace log or process list carries the database secret', async () => {
    for (const format of ['text', 'json', 'markdown', 'html']) {
      const r = await pbxready(checkArgs(['--format', format, '--log-level', 'trace']));
      expect(r.stdout.length, format).toBeGreaterThan(200);
      expect(r.stderr, `${format}: the trace log ran`).not.toBe('');
      for (const out of [r.stdout, r.stderr]) {
        expect(out, format).not.toContain(SECRET_PART);
        expect(out, format).not.toContain(sshd.password);
      }
    }
    const all = [...seenLines];
    expect(all.filter((l) => l.includes(SECRET_PART))).toEqual([]);
    expect(all.some((l) => l.includes(DB_SECRET))).toBe(false);
    // The polling saw the collection itself (so the absence means something): the script's sh or its client.
    expect(all.some((l) => /\/bin\/sh -s|--defaults-extra-file=\/dev\/fd\/3|df -kPT|ls -l \/proc/.test(l))).toBe(true);
  });

  it('--agent agentless and --agent auto choose the same collector; precheck works with it', async () => {
    const outright = JSON.parse((await pbxready(checkArgs(['--format', 'json'], 'agentless'))).stdout) as CheckReport;
    expect(outright.agent?.collector).toBe('agentless');
    const auto = JSON.parse((await pbxready(checkArgs(['--format', 'json'], 'auto'))).stdout) as CheckReport;
    expect(auto.agent?.collector).toBe('agentless');
    const pre = await pbxready(['precheck', ...checkArgs(['--to', '7.3', '--format', 'json']).slice(1)]);
    const report = JSON.parse(pre.stdout) as PrecheckReport;
    const status = Object.fromEntries(report.items.map((i) => [i.id, i.status]));
    expect(report.check.agent?.collector).toBe('agentless');
    expect(report.currentVersion).toBe('7.2.1');
    expect(status['cdr-size']).toBe('pass');
    expect(status['version']).toBe('pass');
    expect(pre.stdout).not.toContain(SECRET_PART);
  });
});

describe('a host without the mysql client and without asterisk', () => {
  let bare: MaskedSshd;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    bare = await startMaskedSshd(sshd, { programs: ['node', 'mysql', 'mariadb'], port });
  });
  afterAll(() => bare?.stop());

  it('reports those parts unreadable, naming the tool, not as failures', async () => {
    const options: CheckOptions = { ...CHECK_DEFAULTS, host: '127.0.0.1', product: 'pbxware', allowPrivate: true, ssh: { user: sshd.user, password: sshd.password } };
    const ssh = await withDeadline(10_000, undefined, (signal) => probeSsh({ address: '127.0.0.1', port, host: '127.0.0.1', credentials: options.ssh! }, { signal }));
    const portResult: PortResult = { port: 2020, address: '127.0.0.1', purpose: 'ssh', required: true, state: 'open', reason: 'connected', latencyMs: 1, ssh };
    const source = sshAgentSource('pbxready-agent report --format json', 30_000, {
      mode: 'agent-or-agentless',
      agentless: agentlessDefaults(tree.root, ['asterisk']),
      log: pino({ level: 'silent' }),
    });
    const outcome = await source.fetch({ check: checkReport([portResult]), options, portMap: { 2020: port } });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const r = outcome.report;
    expect(r.collector).toBe('agentless');
    expect(r.unreadable).toEqual(expect.arrayContaining([
      expect.objectContaining({ source: 'mysql client', reason: expect.stringContaining('mysql client (mysql or mariadb) is not installed'), from: 'database' }),
      expect.objectContaining({ source: 'asterisk', reason: expect.stringContaining('the asterisk CLI (asterisk) is not installed (asterisk: not found)'), from: 'asterisk' }),
    ]));
    const codes = r.findings.map((f) => f.code);
    expect(codes).not.toContain('DB_UNREACHABLE');
    expect(codes).not.toContain('ASTERISK_NOT_RUNNING');
    expect(codes).toContain('SOURCE_UNREADABLE');
    // The rest was still read.
    expect(r.product).toMatchObject({ name: 'pbxware', version: '7.2.1' });
    expect(r.disks.length).toBeGreaterThan(0);
  });
});
