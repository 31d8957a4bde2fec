// The benchmark network, shared by bench:scan and bench:exporter: a veth pair to a namespace that
// answers for every address of a /17 (a "local" route on its loopback), listeners on the profile
// ports, and iptables rules (DROP → filtered, REJECT tcp-reset → closed) from the RULES table. The
// truth is the same table evaluated here, first match wins, exactly as iptables does.
//
// Live hosts are in the /17's first /18; its second /18 is the dark fleet (every port dropped).
// Each run picks a 10.N.0.0/16 no route uses yet, so benchmarks of other checkouts on the same
// machine never share (or tear down) each other's routes.

import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, createReadStream, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO = new URL('..', import.meta.url).pathname.replace(/\/dist\/$/, '/');
export const CLI = join(REPO, 'dist/checker/cli.js');

export const LISTEN_PORTS = [80, 81, 443, 2020, 2222];
/** pbxready always probes the two exposure ports too; nmap gets the same list to compare like for like. */
export const PORTS = [80, 81, 443, 2020, 2222, 3306, 5038];

export type State = 'open' | 'closed' | 'filtered';
interface Rule {
  /** Matches addresses where (address & mask) === value (dotted quads, as iptables -d value/mask). */
  value: string;
  mask: string;
  port: number | 'all';
  action: 'DROP' | 'RESET';
}

/** A known mix: ~1.6% dead hosts, and per-port closed/filtered patterns over the address bits. */
const RULES: Rule[] = [
  { value: '0.0.0.63', mask: '0.0.0.63', port: 'all', action: 'DROP' },
  { value: '0.0.0.1', mask: '0.0.0.7', port: 2020, action: 'DROP' },
  { value: '0.0.0.4', mask: '0.0.0.15', port: 443, action: 'DROP' },
  { value: '0.0.0.2', mask: '0.0.0.3', port: 81, action: 'RESET' },
  { value: '0.0.0.1', mask: '0.0.0.1', port: 2222, action: 'RESET' },
  { value: '0.0.0.0', mask: '0.0.0.3', port: 3306, action: 'DROP' },
];

const ipInt = (a: string) => a.split('.').reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;

export interface Fleet {
  ns: string;
  /** The i-th live host (plain host numbers 1..254 in each /24). */
  address(i: number): string;
  /** The i-th dark host: every port dropped. */
  darkAddress(i: number): string;
  truth(address: string, port: number): State;
  teardown(): Promise<void>;
}

/** What listens on the open ports: plain accept-and-close, or real HTTP, HTTPS and SSH servers. */
export type Services = 'tcp' | 'full';

async function sh(cmd: string, ...args: string[]): Promise<string> {
  return (await run(cmd, args)).stdout;
}

export function requireTools(tools: string[]): void {
  if (process.getuid?.() !== 0) throw new Error('not root: the benchmark builds a network namespace with iptables rules (run it as root)');
  for (const tool of tools) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      throw new Error(`${tool} is not installed (Debian: nmap, time, iptables, iproute2, openssl, openssh-client)`);
    }
  }
}

/** A second octet no route of this machine uses yet (from the pid on, so parallel runs start apart). */
async function freeOctet(): Promise<number> {
  const routes = await sh('ip', '-4', 'route', 'show');
  for (let k = 0; k < 150; k++) {
    const n = 100 + ((process.pid + k) % 150);
    // 10.231–236 are the tests' networks (test/harness/subnet-claim.ts): never share them.
    if (n >= 230 && n <= 239) continue;
    if (!new RegExp(`(^|\\s)10\\.${n}\\.`, 'm').test(routes)) return n;
  }
  throw new Error('no free 10.N.0.0/16 for the benchmark network');
}

export async function buildFleet(services: Services, keyDir: string): Promise<Fleet> {
  const octet = await freeOctet();
  const prefix = `10.${octet}`;
  const ns = `pbxbench-${process.pid}`;
  const hostIf = `pbh${process.pid % 100000}`;
  const nsIf = `pbn${process.pid % 100000}`;
  const nsx = (...args: string[]) => sh('ip', 'netns', 'exec', ns, ...args);
  let listener: ChildProcess | null = null;
  const teardown = async () => {
    if (listener?.pid) try { process.kill(-listener.pid, 'SIGKILL'); } catch { /* gone */ }
    await sh('ip', 'route', 'del', `${prefix}.0.0/17`).catch(() => {});
    await sh('ip', 'link', 'del', hostIf).catch(() => {});
    await sh('ip', 'netns', 'del', ns).catch(() => {});
  };
  const truth = (address: string, port: number): State => {
    const a = ipInt(address);
    if ((a & ipInt('0.0.64.0')) >>> 0) return 'filtered';
    for (const r of RULES) {
      if ((a & ipInt(r.mask)) >>> 0 === ipInt(r.value) && (r.port === 'all' || r.port === port)) return r.action === 'DROP' ? 'filtered' : 'closed';
    }
    return LISTEN_PORTS.includes(port) ? 'open' : 'closed';
  };
  try {
    await sh('ip', 'netns', 'add', ns);
    await sh('ip', 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    await sh('ip', 'link', 'set', nsIf, 'netns', ns);
    await sh('ip', 'addr', 'add', `${prefix}.128.1/30`, 'dev', hostIf);
    await sh('ip', 'link', 'set', hostIf, 'up');
    await nsx('ip', 'link', 'set', 'lo', 'up');
    await nsx('ip', 'addr', 'add', `${prefix}.128.2/30`, 'dev', nsIf);
    await nsx('ip', 'link', 'set', nsIf, 'up');
    // AnyIP: the namespace answers for every address of the /17 (live /18 + dark /18).
    await nsx('ip', 'route', 'add', 'local', `${prefix}.0.0/17`, 'dev', 'lo');
    await sh('ip', 'route', 'add', `${prefix}.0.0/17`, 'via', `${prefix}.128.2`);
    // Deep accept queues: the listeners must never be why a SYN goes unanswered.
    await nsx('sysctl', '-qw', 'net.core.somaxconn=65535', 'net.ipv4.tcp_max_syn_backlog=65535');
    await nsx('iptables', '-A', 'INPUT', '-p', 'tcp', '-d', `${prefix}.64.0/18`, '-j', 'DROP');
    for (const r of RULES) {
      const target = r.action === 'DROP' ? ['-j', 'DROP'] : ['-j', 'REJECT', '--reject-with', 'tcp-reset'];
      const port = r.port === 'all' ? [] : ['--dport', String(r.port)];
      await nsx('iptables', '-A', 'INPUT', '-p', 'tcp', '-d', `${r.value}/${r.mask}`, ...port, ...target);
    }
    if (services === 'full') {
      await sh('openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '90', '-subj', '/CN=pbx.bench.example', '-keyout', join(keyDir, 'tls.key'), '-out', join(keyDir, 'tls.crt'));
      await sh('ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', join(keyDir, 'ssh_host_ed25519_key'));
    }
    const script = join(REPO, 'dist/bench/fleet-services.js');
    listener = spawn('ip', ['netns', 'exec', ns, process.execPath, script, services, keyDir, LISTEN_PORTS.join(',')], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('listeners did not start')), 20_000);
      listener!.stdout!.once('data', () => (clearTimeout(t), resolve()));
      listener!.once('exit', (c) => reject(new Error(`listeners exited (${c})`)));
    });
    // The listeners' pipe must not hold this process open.
    listener.stdout!.destroy();
    listener.unref();
    const via = await sh('ip', 'route', 'get', `${prefix}.0.1`);
    if (!via.includes(hostIf)) throw new Error(`${prefix}.0.1 is not routed into ${ns}: ${via.trim()}`);
  } catch (err) {
    await teardown();
    throw err;
  }
  return {
    ns,
    address: (i) => `${prefix}.${Math.floor(i / 254)}.${(i % 254) + 1}`,
    darkAddress: (i) => `${prefix}.${64 + Math.floor(i / 254)}.${(i % 254) + 1}`,
    truth,
    teardown,
  };
}

// ---- measuring a run ----

export interface Measured {
  wallS: number;
  peakRssKb: number;
  cpuS: number;
  exit: number | null;
}

/** Wall time, CPU (user + sys) and peak RSS (GNU time -v, into FILE.time) of one command, stdout to FILE. */
export async function measure(cmd: string[], stdoutFile: string): Promise<Measured> {
  if (stdoutFile.startsWith('/dev/')) throw new Error(`measure: give a file of the run's own, not ${stdoutFile} (its .time goes beside it)`);
  const out = openSync(stdoutFile, 'w');
  const timeFile = `${stdoutFile}.time`;
  const t0 = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-v', '-o', timeFile, ...cmd], { stdio: ['ignore', out, 'inherit'] });
  const exit = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  closeSync(out);
  const timeText = await readFile(timeFile, 'utf8');
  const num = (re: RegExp) => Number(re.exec(timeText)?.[1] ?? NaN);
  return { wallS, peakRssKb: num(/Maximum resident set size \(kbytes\): (\d+)/), cpuS: num(/User time \(seconds\): ([\d.]+)/) + num(/System time \(seconds\): ([\d.]+)/), exit };
}

export async function* lines(file: string): AsyncGenerator<string> {
  for await (const l of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) if (l) yield l;
}

export interface Accuracy {
  probes: number;
  correct: number;
  wrong: Array<{ address: string; port: number; got: string; want: string }>;
}

export const pct = (a: Accuracy) => `${((100 * a.correct) / a.probes).toFixed(2)}% (${a.correct}/${a.probes})`;
export const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MiB`;

export function loadLine(): string {
  return `load average ${execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ').slice(0, 3).join(' ')}`;
}
