// `npm run bench:scan` (as root): a fleet in a network namespace, scanned by `pbxready scan --probes
// tcp` and, in the same run, by `nmap -sT -T4` on the same targets and ports. Prints wall time,
// probes per second, accuracy against the known truth and peak RSS for each, the ratios, and
// pbxready's peak RSS at 1,000 vs 10,000 hosts (BENCH_BIG_HOSTS=0 skips the big run).
//
// The network: a veth pair to namespace pbxbench-PID, which answers for every address of
// 10.77.0.0/18 (a "local" route on its loopback), one listener per port on 0.0.0.0, and iptables
// rules (DROP → filtered, REJECT tcp-reset → closed) from the RULES table below. The truth is the
// same table evaluated here, first match wins, exactly as iptables does.

import { execFile, execFileSync, spawn } from 'node:child_process';
import { createReadStream, existsSync, openSync, closeSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = new URL('..', import.meta.url).pathname.replace(/\/dist\/$/, '/');
const CLI = join(REPO, 'dist/checker/cli.js');

const PREFIX = '10.77';
const LISTEN_PORTS = [80, 81, 443, 2020, 2222];
/** pbxready always probes the two exposure ports too; nmap gets the same list to compare like for like. */
const PORTS = [80, 81, 443, 2020, 2222, 3306, 5038];
const HOSTS = Number(process.env.BENCH_HOSTS ?? 1000);
const BIG_HOSTS = Number(process.env.BENCH_BIG_HOSTS ?? 10000);

type State = 'open' | 'closed' | 'filtered';
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

function truth(address: string, port: number): State {
  const a = ipInt(address);
  for (const r of RULES) {
    if ((a & ipInt(r.mask)) >>> 0 === ipInt(r.value) && (r.port === 'all' || r.port === port)) return r.action === 'DROP' ? 'filtered' : 'closed';
  }
  return LISTEN_PORTS.includes(port) ? 'open' : 'closed';
}

function address(i: number): string {
  // Skip .0 and .255-style network-looking addresses: plain host numbers 1..254 in each /24.
  const block = Math.floor(i / 254);
  return `${PREFIX}.${block}.${(i % 254) + 1}`;
}

// ---- the network ----

const NS = `pbxbench-${process.pid}`;
const HOST_IF = `pbh${process.pid % 100000}`;
const NS_IF = `pbn${process.pid % 100000}`;

async function sh(cmd: string, ...args: string[]): Promise<void> {
  await run(cmd, args);
}

async function buildNetwork(): Promise<() => Promise<void>> {
  let listener: ReturnType<typeof spawn> | null = null;
  const teardown = async () => {
    if (listener?.pid) try { process.kill(-listener.pid, 'SIGKILL'); } catch { /* gone */ }
    await sh('ip', 'route', 'del', `${PREFIX}.0.0/18`).catch(() => {});
    await sh('ip', 'link', 'del', HOST_IF).catch(() => {});
    await sh('ip', 'netns', 'del', NS).catch(() => {});
  };
  const nsx = (...args: string[]) => sh('ip', 'netns', 'exec', NS, ...args);
  try {
    await sh('ip', 'netns', 'add', NS);
    await sh('ip', 'link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', NS_IF);
    await sh('ip', 'link', 'set', NS_IF, 'netns', NS);
    await sh('ip', 'addr', 'add', '10.99.0.1/30', 'dev', HOST_IF);
    await sh('ip', 'link', 'set', HOST_IF, 'up');
    await nsx('ip', 'link', 'set', 'lo', 'up');
    await nsx('ip', 'addr', 'add', '10.99.0.2/30', 'dev', NS_IF);
    await nsx('ip', 'link', 'set', NS_IF, 'up');
    // AnyIP: the namespace answers for every address of the /18.
    await nsx('ip', 'route', 'add', 'local', `${PREFIX}.0.0/18`, 'dev', 'lo');
    await sh('ip', 'route', 'add', `${PREFIX}.0.0/18`, 'via', '10.99.0.2');
    // Deep accept queues: the listeners must never be why a SYN goes unanswered.
    await nsx('sysctl', '-qw', 'net.core.somaxconn=65535', 'net.ipv4.tcp_max_syn_backlog=65535');
    for (const r of RULES) {
      const target = r.action === 'DROP' ? ['-j', 'DROP'] : ['-j', 'REJECT', '--reject-with', 'tcp-reset'];
      const port = r.port === 'all' ? [] : ['--dport', String(r.port)];
      await nsx('iptables', '-A', 'INPUT', '-p', 'tcp', '-d', `${r.value}/${r.mask}`, ...port, ...target);
    }
    const code = `const net=require('net');let n=0;for(const p of ${JSON.stringify(LISTEN_PORTS)}){net.createServer({},s=>{s.on('error',()=>{});s.destroy();}).listen({port:p,host:'0.0.0.0',backlog:65535},()=>{if(++n===${LISTEN_PORTS.length})console.log('ready')});}`;
    listener = spawn('ip', ['netns', 'exec', NS, process.execPath, '-e', code], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('listeners did not start')), 10_000);
      listener!.stdout!.once('data', () => (clearTimeout(t), resolve()));
      listener!.once('exit', (c) => reject(new Error(`listeners exited (${c})`)));
    });
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}

// ---- measuring a run ----

interface Measured {
  wallS: number;
  peakRssKb: number;
  exit: number | null;
}

/** Wall time and peak RSS (GNU time's "Maximum resident set size") of one command, stdout to a file. */
async function measure(cmd: string[], stdoutFile: string): Promise<Measured> {
  const out = openSync(stdoutFile, 'w');
  const timeFile = `${stdoutFile}.time`;
  const t0 = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-v', '-o', timeFile, ...cmd], { stdio: ['ignore', out, 'inherit'] });
  const exit = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  closeSync(out);
  const timeText = await readFile(timeFile, 'utf8');
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(timeText)?.[1] ?? NaN);
  return { wallS, peakRssKb: rss, exit };
}

interface Accuracy {
  probes: number;
  correct: number;
  wrong: Array<{ address: string; port: number; got: string; want: State }>;
}

async function* lines(file: string): AsyncGenerator<string> {
  for await (const l of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) if (l) yield l;
}

async function scorePbxready(file: string, n: number): Promise<Accuracy> {
  const seen = new Set<string>();
  const acc: Accuracy = { probes: 0, correct: 0, wrong: [] };
  for await (const l of lines(file)) {
    const r = JSON.parse(l) as { target: { host: string }; ports: Array<{ port: number; state: State }> };
    seen.add(r.target.host);
    for (const p of r.ports) {
      acc.probes++;
      const want = truth(r.target.host, p.port);
      if (p.state === want) acc.correct++;
      else acc.wrong.push({ address: r.target.host, port: p.port, got: p.state, want });
    }
  }
  for (let i = 0; i < n; i++) if (!seen.has(address(i))) for (const port of PORTS) acc.wrong.push({ address: address(i), port, got: 'missing', want: truth(address(i), port) });
  acc.probes = n * PORTS.length;
  return acc;
}

/** nmap -oG: listed ports, and "Ignored State: X (k)" for the rest. */
async function scoreNmap(file: string, n: number): Promise<Accuracy> {
  const acc: Accuracy = { probes: n * PORTS.length, correct: 0, wrong: [] };
  const seen = new Set<string>();
  for await (const l of lines(file)) {
    const m = /^Host: (\S+) .*\tPorts: ([^\t]*)(?:\tIgnored State: (\w+))?/.exec(l);
    if (!m) continue;
    const host = m[1]!;
    seen.add(host);
    const listed = new Map<number, string>();
    for (const entry of m[2]!.split(', ')) {
      const [port, state] = entry.trim().split('/');
      listed.set(Number(port), state!);
    }
    for (const port of PORTS) {
      const got = listed.get(port) ?? m[3] ?? 'missing';
      const want = truth(host, port);
      if (got === want) acc.correct++;
      else acc.wrong.push({ address: host, port, got, want });
    }
  }
  for (let i = 0; i < n; i++) if (!seen.has(address(i))) for (const port of PORTS) acc.wrong.push({ address: address(i), port, got: 'missing', want: truth(address(i), port) });
  return acc;
}

function pbxreadyCmd(inventory: string, dbFile: string): string[] {
  return [process.execPath, CLI, 'scan', '--inventory', inventory, '--probes', 'tcp', '--product', 'pbxware', '--ports', LISTEN_PORTS.join(','), '--allow-private', '--format', 'ndjson', '--db', dbFile, ...(process.env.BENCH_SCAN_ARGS?.split(' ').filter(Boolean) ?? [])];
}

async function writeTargets(dir: string, n: number): Promise<{ inventory: string; targets: string }> {
  const addrs = Array.from({ length: n }, (_, i) => address(i));
  const inventory = join(dir, `fleet-${n}.txt`);
  const targets = join(dir, `targets-${n}.txt`);
  await writeFile(inventory, `${addrs.join('\n')}\n`);
  await writeFile(targets, `${addrs.join('\n')}\n`);
  return { inventory, targets };
}

function mix(n: number): string {
  const counts: Record<State, number> = { open: 0, closed: 0, filtered: 0 };
  for (let i = 0; i < n; i++) for (const p of PORTS) counts[truth(address(i), p)]++;
  return `${counts.open} open, ${counts.closed} closed, ${counts.filtered} filtered`;
}

const pct = (a: Accuracy) => `${((100 * a.correct) / a.probes).toFixed(2)}% (${a.correct}/${a.probes})`;
const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MiB`;

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('not root: the benchmark builds a network namespace with iptables rules (run it as root)');
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  for (const tool of ['nmap', '/usr/bin/time', 'iptables', 'ip']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      throw new Error(`${tool} is not installed (Debian: nmap, time, iptables, iproute2)`);
    }
  }
  const dir = await mkdtemp(join(tmpdir(), 'pbxready-bench-'));
  const teardown = await buildNetwork();
  const stop = async () => {
    if (process.env.BENCH_KEEP) return void console.log(`kept: netns ${NS}, files in ${dir}`);
    await teardown();
    await rm(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    console.log(`bench:scan — ${HOSTS} hosts × ${PORTS.length} ports (${PORTS.join(',')}) in netns ${NS}; truth: ${mix(HOSTS)}`);
    const { inventory, targets } = await writeTargets(dir, HOSTS);

    const pOut = join(dir, 'pbxready.ndjson');
    const p = await measure(pbxreadyCmd(inventory, join(dir, 'h1.db')), pOut);
    const pAcc = await scorePbxready(pOut, HOSTS);

    const nOut = join(dir, 'nmap.gnmap');
    const nm = await measure(['nmap', '-sT', '-T4', '-Pn', '-n', '-p', PORTS.join(','), '-iL', targets, '-oG', nOut], '/dev/null');
    const nAcc = await scoreNmap(nOut, HOSTS);

    const probes = HOSTS * PORTS.length;
    const row = (name: string, m: Measured, a: Accuracy) =>
      `${name.padEnd(26)} ${`${m.wallS.toFixed(2)} s`.padStart(10)} ${(probes / m.wallS).toFixed(0).padStart(10)} ${pct(a).padStart(24)} ${mb(m.peakRssKb).padStart(11)}`;
    console.log('');
    console.log(`${'tool'.padEnd(26)} ${'wall'.padStart(10)} ${'probes/s'.padStart(10)} ${'accuracy'.padStart(24)} ${'peak RSS'.padStart(11)}`);
    console.log(row('pbxready scan --probes tcp', p, pAcc));
    console.log(row('nmap -sT -T4 -Pn', nm, nAcc));
    console.log('');
    console.log(`pbxready / nmap wall time: ${(p.wallS / nm.wallS).toFixed(2)} (goal < 0.50) · peak RSS ratio ${(p.peakRssKb / nm.peakRssKb).toFixed(2)}`);
    for (const [name, a] of [['pbxready', pAcc], ['nmap', nAcc]] as const) {
      if (a.wrong.length) console.log(`${name} misjudged ${a.wrong.length}, e.g. ${a.wrong.slice(0, 5).map((w) => `${w.address}:${w.port} ${w.got}≠${w.want}`).join(', ')}`);
    }

    if (BIG_HOSTS > 0) {
      const big = await writeTargets(dir, BIG_HOSTS);
      const bOut = join(dir, 'big.ndjson');
      const b = await measure(pbxreadyCmd(big.inventory, join(dir, 'h2.db')), bOut);
      const bAcc = await scorePbxready(bOut, BIG_HOSTS);
      console.log('');
      console.log(`pbxready peak RSS: ${HOSTS} hosts ${mb(p.peakRssKb)} · ${BIG_HOSTS} hosts ${mb(b.peakRssKb)} (×${(b.peakRssKb / p.peakRssKb).toFixed(2)} for ×${(BIG_HOSTS / HOSTS).toFixed(0)} hosts); ${BIG_HOSTS}-host run ${b.wallS.toFixed(2)} s, ${((BIG_HOSTS * PORTS.length) / b.wallS).toFixed(0)} probes/s, accuracy ${pct(bAcc)}`);
    }
  } finally {
    await stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:scan: ${(err as Error).message}\n`);
  process.exit(1);
});
