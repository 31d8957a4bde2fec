// `npm run bench:scan` (as root): a fleet in a network namespace (bench/fleet-net.ts), scanned by
// pbxready and, in the same run, by nmap on the same targets and ports. Four parts, each printing
// wall time, CPU, accuracy against the known truth and the ratio to nmap:
//   1. port states: `scan --probes tcp` vs `nmap -sT -T4 -Pn` (BENCH_HOSTS, default 1,000), each run
//      BENCH_ROUNDS times (default 3) interleaved, medians compared;
//   2. peak RSS at BENCH_BIG_HOSTS (default 10,000; 0 skips);
//   3. full probes: `scan --probes full` (TLS, HTTP, SSH against real servers) vs
//      `nmap -sT -sV --version-light -T4 -Pn` (BENCH_FULL_HOSTS, default 254; 0 skips);
//   4. an all-dark fleet (every port dropped), `scan --probes tcp --timeout-ms 500` vs
//      `nmap -sT -T4 -Pn` (BENCH_DARK_HOSTS, default 5,000; 0 skips — nmap takes long here).
// BENCH_PARTS=tcp,big,full,dark picks parts; BENCH_SCAN_ARGS adds flags to every pbxready run.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFleet, CLI, LISTEN_PORTS, lines, loadLine, mb, measure, pct, PORTS, requireTools, type Accuracy, type Fleet, type Measured, type State } from './fleet-net.js';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 1000);
const BIG_HOSTS = Number(process.env.BENCH_BIG_HOSTS ?? 10000);
const FULL_HOSTS = Number(process.env.BENCH_FULL_HOSTS ?? 254);
const DARK_HOSTS = Number(process.env.BENCH_DARK_HOSTS ?? 5000);
/** Interleaved runs of each tool in the port-state part (BENCH_ROUNDS, default 3): medians are compared. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const PARTS = new Set((process.env.BENCH_PARTS ?? 'tcp,big,full,dark').split(','));

/** What a full probe must have found on an open port besides its state: the service itself. */
type ServiceCheck = (port: number, facts: { http?: { status: number | null }; tls?: { error?: string }; ssh?: { fingerprint: string | null } }) => boolean;
const pbxreadyService: ServiceCheck = (port, f) => {
  if (port === 443) return f.tls !== undefined && f.tls.error === undefined && f.http?.status === 200;
  if (port === 80 || port === 81) return f.http?.status === 200;
  if (port === 2020 || port === 2222) return typeof f.ssh?.fingerprint === 'string';
  return true;
};
const nmapService = (port: number, service: string): boolean => {
  if (port === 443) return /ssl\|http|https/.test(service);
  if (port === 80 || port === 81) return service === 'http';
  if (port === 2020 || port === 2222) return service === 'ssh';
  return true;
};

async function scorePbxready(file: string, addrs: string[], truth: Fleet['truth'], service?: ServiceCheck): Promise<Accuracy> {
  const seen = new Set<string>();
  const acc: Accuracy = { probes: addrs.length * PORTS.length, correct: 0, wrong: [] };
  for await (const l of lines(file)) {
    const r = JSON.parse(l) as { target: { host: string }; ports: Array<{ port: number; state: State } & Parameters<ServiceCheck>[1]> };
    seen.add(r.target.host);
    for (const p of r.ports) {
      const want = truth(r.target.host, p.port);
      const ok = p.state === want && (!service || want !== 'open' || service(p.port, p));
      if (ok) acc.correct++;
      else acc.wrong.push({ address: r.target.host, port: p.port, got: p.state === want ? `${p.state} without the service` : p.state, want });
    }
  }
  for (const a of addrs) if (!seen.has(a)) for (const port of PORTS) acc.wrong.push({ address: a, port, got: 'missing', want: truth(a, port) });
  return acc;
}

/** nmap -oG: listed ports (port/state/proto//service//version/), and "Ignored State: X (k)" for the rest. */
async function scoreNmap(file: string, addrs: string[], truth: Fleet['truth'], withService = false): Promise<Accuracy> {
  const acc: Accuracy = { probes: addrs.length * PORTS.length, correct: 0, wrong: [] };
  const seen = new Set<string>();
  for await (const l of lines(file)) {
    const m = /^Host: (\S+) .*\tPorts: ([^\t]*)(?:\tIgnored State: (\w+))?/.exec(l);
    if (!m) continue;
    const host = m[1]!;
    seen.add(host);
    const listed = new Map<number, { state: string; service: string }>();
    for (const entry of m[2]!.split(', ')) {
      const [port, state, , , service = ''] = entry.trim().split('/');
      listed.set(Number(port), { state: state!, service });
    }
    for (const port of PORTS) {
      const got = listed.get(port) ?? { state: m[3] ?? 'missing', service: '' };
      const want = truth(host, port);
      const ok = got.state === want && (!withService || want !== 'open' || nmapService(port, got.service));
      if (ok) acc.correct++;
      else acc.wrong.push({ address: host, port, got: got.state === want ? `${got.state} as "${got.service}"` : got.state, want });
    }
  }
  for (const a of addrs) if (!seen.has(a)) for (const port of PORTS) acc.wrong.push({ address: a, port, got: 'missing', want: truth(a, port) });
  return acc;
}

function pbxreadyCmd(inventory: string, dbFile: string, probes: 'tcp' | 'full', extra: string[] = []): string[] {
  return [process.execPath, CLI, 'scan', '--inventory', inventory, '--probes', probes, '--product', 'pbxware', '--ports', LISTEN_PORTS.join(','), '--allow-private', '--format', 'ndjson', '--db', dbFile, ...extra, ...(process.env.BENCH_SCAN_ARGS?.split(' ').filter(Boolean) ?? [])];
}

async function writeTargets(dir: string, name: string, addrs: string[]): Promise<string> {
  const file = join(dir, `${name}.txt`);
  await writeFile(file, `${addrs.join('\n')}\n`);
  return file;
}

function mix(addrs: string[], truth: Fleet['truth']): string {
  const counts: Record<State, number> = { open: 0, closed: 0, filtered: 0 };
  for (const a of addrs) for (const p of PORTS) counts[truth(a, p)]++;
  return `${counts.open} open, ${counts.closed} closed, ${counts.filtered} filtered`;
}

function table(title: string, probes: number, rows: Array<[string, Measured, Accuracy]>): void {
  console.log('');
  console.log(`${title} (${loadLine()})`);
  console.log(`${'tool'.padEnd(44)} ${'wall'.padStart(9)} ${'CPU'.padStart(8)} ${'probes/s'.padStart(9)} ${'accuracy'.padStart(24)} ${'peak RSS'.padStart(10)}`);
  for (const [name, m, a] of rows) {
    console.log(`${name.padEnd(44)} ${`${m.wallS.toFixed(2)} s`.padStart(9)} ${`${m.cpuS.toFixed(2)} s`.padStart(8)} ${(probes / m.wallS).toFixed(0).padStart(9)} ${pct(a).padStart(24)} ${mb(m.peakRssKb).padStart(10)}`);
  }
  for (const [name, , a] of rows) {
    if (a.wrong.length) console.log(`  ${name} misjudged ${a.wrong.length}, e.g. ${a.wrong.slice(0, 5).map((w) => `${w.address}:${w.port} ${w.got}≠${w.want}`).join(', ')}`);
  }
}

/** The run with the median wall time (the upper median for an even count). */
function median(runs: Array<[Measured, Accuracy]>): [Measured, Accuracy] {
  return [...runs].sort((a, b) => a[0].wallS - b[0].wallS)[Math.floor(runs.length / 2)]!;
}

/** The accuracy shown is the worst of all runs: one misjudged port in any run shows. */
function worst(runs: Array<[Measured, Accuracy]>, shown: Accuracy): Accuracy {
  return runs.map(([, a]) => a).reduce((w, a) => (a.correct < w.correct ? a : w), shown);
}

const ratio = (p: Measured, n: Measured, goal: string) => `pbxready / nmap wall time: ${(p.wallS / n.wallS).toFixed(2)} (goal ${goal}) · CPU ${p.cpuS.toFixed(2)} s vs ${n.cpuS.toFixed(2)} s`;

/** One fleet (plain listeners or real services), one part of the benchmark. */
async function withFleet(services: 'tcp' | 'full', dir: string, body: (fleet: Fleet) => Promise<void>): Promise<void> {
  const fleet = await buildFleet(services, dir);
  const stop = () => void fleet.teardown().then(() => process.exit(130));
  process.once('SIGINT', stop);
  try {
    await body(fleet);
  } finally {
    process.off('SIGINT', stop);
    if (process.env.BENCH_KEEP) console.log(`kept: netns ${fleet.ns}, files in ${dir}`);
    else await fleet.teardown();
  }
}

async function main(): Promise<void> {
  requireTools(['nmap', '/usr/bin/time', 'iptables', 'ip', 'openssl', 'ssh-keygen']);
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  const dir = await mkdtemp(join(tmpdir(), 'pbxready-bench-'));
  try {
    if (PARTS.has('tcp') || PARTS.has('big') || PARTS.has('dark')) {
      await withFleet('tcp', dir, async (fleet) => {
        const addrs = Array.from({ length: HOSTS }, (_, i) => fleet.address(i));
        const targets = await writeTargets(dir, 'fleet', addrs);
        let small: Measured | null = null;
        if (PARTS.has('tcp')) {
          console.log(`bench:scan — ${HOSTS} hosts × ${PORTS.length} ports (${PORTS.join(',')}) in netns ${fleet.ns}; truth: ${mix(addrs, fleet.truth)}`);
          // ROUNDS runs of each, interleaved (pbxready, nmap, pbxready, …) so that a busy moment of
          // the machine falls on both; the table shows the median run of each, every run is listed.
          const ps: Array<[Measured, Accuracy]> = [];
          const ns: Array<[Measured, Accuracy]> = [];
          for (let round = 0; round < ROUNDS; round++) {
            const pOut = join(dir, 'pbxready.ndjson');
            const p = await measure(pbxreadyCmd(targets, join(dir, `h1-${round}.db`), 'tcp'), pOut);
            ps.push([p, await scorePbxready(pOut, addrs, fleet.truth)]);
            const nOut = join(dir, 'nmap.gnmap');
            const nm = await measure(['nmap', '-sT', '-T4', '-Pn', '-n', '-p', PORTS.join(','), '-iL', targets, '-oG', nOut], `${nOut}.out`);
            ns.push([nm, await scoreNmap(nOut, addrs, fleet.truth)]);
          }
          const [p, pAcc] = median(ps);
          const [nm, nAcc] = median(ns);
          small = p;
          table(`Port states, ${HOSTS} hosts, median of ${ROUNDS} interleaved runs`, HOSTS * PORTS.length, [
            ['pbxready scan --probes tcp', p, worst(ps, pAcc)],
            ['nmap -sT -T4 -Pn', nm, worst(ns, nAcc)],
          ]);
          console.log(`  every run, wall s: pbxready ${ps.map(([m]) => m.wallS.toFixed(2)).join(' ')} · nmap ${ns.map(([m]) => m.wallS.toFixed(2)).join(' ')} · per-round ratios ${ps.map(([m], i) => (m.wallS / ns[i]![0].wallS).toFixed(2)).join(' ')}`);
          console.log(`${ratio(p, nm, '≤ 0.30')} · peak RSS ratio ${(p.peakRssKb / nm.peakRssKb).toFixed(2)}`);
        }
        if (PARTS.has('big') && BIG_HOSTS > 0) {
          const big = Array.from({ length: BIG_HOSTS }, (_, i) => fleet.address(i));
          const bOut = join(dir, 'big.ndjson');
          const b = await measure(pbxreadyCmd(await writeTargets(dir, 'big', big), join(dir, 'h2.db'), 'tcp'), bOut);
          const bAcc = await scorePbxready(bOut, big, fleet.truth);
          console.log('');
          console.log(`pbxready peak RSS: ${small ? `${HOSTS} hosts ${mb(small.peakRssKb)} · ` : ''}${BIG_HOSTS} hosts ${mb(b.peakRssKb)}; ${BIG_HOSTS}-host run ${b.wallS.toFixed(2)} s, ${((BIG_HOSTS * PORTS.length) / b.wallS).toFixed(0)} probes/s, accuracy ${pct(bAcc)} (${loadLine()})`);
        }
        if (PARTS.has('dark') && DARK_HOSTS > 0) {
          const dark = Array.from({ length: DARK_HOSTS }, (_, i) => fleet.darkAddress(i));
          const dTargets = await writeTargets(dir, 'dark', dark);
          const pOut = join(dir, 'dark.ndjson');
          const p = await measure(pbxreadyCmd(dTargets, join(dir, 'h3.db'), 'tcp', ['--timeout-ms', '500']), pOut);
          const pAcc = await scorePbxready(pOut, dark, fleet.truth);
          const nOut = join(dir, 'dark.gnmap');
          const nm = await measure(['nmap', '-sT', '-T4', '-Pn', '-n', '-p', PORTS.join(','), '-iL', dTargets, '-oG', nOut], `${nOut}.out`);
          const nAcc = await scoreNmap(nOut, dark, fleet.truth);
          table(`All-dark fleet, ${DARK_HOSTS} hosts, every port dropped`, DARK_HOSTS * PORTS.length, [
            ['pbxready scan --probes tcp --timeout-ms 500', p, pAcc],
            ['nmap -sT -T4 -Pn', nm, nAcc],
          ]);
          console.log(ratio(p, nm, '≤ 0.50'));
        }
      });
    }
    if (PARTS.has('full') && FULL_HOSTS > 0) {
      await withFleet('full', dir, async (fleet) => {
        const addrs = Array.from({ length: FULL_HOSTS }, (_, i) => fleet.address(i));
        const targets = await writeTargets(dir, 'full', addrs);
        console.log('');
        console.log(`Full probes: ${FULL_HOSTS} hosts, HTTP on 80/81, HTTPS on 443, SSH (ssh2 server) on 2020/2222; truth: ${mix(addrs, fleet.truth)}; an open port counts only with its service found`);
        const pOut = join(dir, 'full.ndjson');
        const p = await measure(pbxreadyCmd(targets, join(dir, 'h4.db'), 'full'), pOut);
        const pAcc = await scorePbxready(pOut, addrs, fleet.truth, pbxreadyService);
        const nOut = join(dir, 'full.gnmap');
        const nm = await measure(['nmap', '-sT', '-sV', '--version-light', '-T4', '-Pn', '-n', '-p', PORTS.join(','), '-iL', targets, '-oG', nOut], `${nOut}.out`);
        const nAcc = await scoreNmap(nOut, addrs, fleet.truth, true);
        table(`Full probes, ${FULL_HOSTS} hosts`, FULL_HOSTS * PORTS.length, [
          ['pbxready scan --probes full', p, pAcc],
          ['nmap -sT -sV --version-light -T4 -Pn', nm, nAcc],
        ]);
        console.log(ratio(p, nm, '< 1'));
      });
    }
  } finally {
    if (!process.env.BENCH_KEEP) await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:scan: ${(err as Error).message}\n`);
  process.exit(1);
});
