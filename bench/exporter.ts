// `npm run bench:exporter` (as root): one `pbxready exporter` on loopback, driven with concurrent
// /probe requests (module=pbxware, BENCH_CONCURRENCY at once, default 64) against every host of the
// benchmark fleet (bench/fleet-net.ts, BENCH_HOSTS, default 1,000), as Prometheus would scrape it.
// Prints sustained probes per second and p50/p99 probe duration, and the same probes run by
// `scan --probes tcp` in one process (hosts/s, p50/p99 of each host's check) in the same run.
// Both run the same probes (BENCH_PROBES=tcp, the default, or full) with the same --timeout-ms
// (BENCH_TIMEOUT_MS, default 1000).

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get, Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildFleet, CLI, lines, loadLine, measure, requireTools } from './fleet-net.js';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const TIMEOUT_MS = String(process.env.BENCH_TIMEOUT_MS ?? 1000);
/** tcp (port states) or full (TLS, HTTP, SSH against the fleet's real servers), for both runners. */
const PROBES = process.env.BENCH_PROBES === 'full' ? 'full' : 'tcp';

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function startExporter(): Promise<{ port: number; stop: () => void }> {
  const child = spawn(process.execPath, [CLI, 'exporter', '--listen', '127.0.0.1:0', '--probes', PROBES, '--allow-private', '--timeout-ms', TIMEOUT_MS, '--max-in-flight', String(CONCURRENCY)], { stdio: ['ignore', 'ignore', 'pipe'] });
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    const t = setTimeout(() => reject(new Error(`the exporter did not start: ${text}`)), 20_000);
    child.stderr!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /listening on [^\s]*:(\d+)/.exec(text);
      if (m) (clearTimeout(t), resolve(Number(m[1])));
    });
    child.once('exit', (c) => reject(new Error(`the exporter exited (${c}): ${text}`)));
  });
  return { port, stop: () => child.kill('SIGTERM') };
}

/** GET one /probe; resolves with its duration and whether the answer carried the probe's metrics. */
function probe(agent: Agent, port: number, target: string): Promise<{ ms: number; ok: boolean }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    get({ host: '127.0.0.1', port, path: `/probe?target=${target}&module=pbxware`, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ ms: performance.now() - t0, ok: res.statusCode === 200 && body.includes('pbxready_port_state') }));
    }).on('error', () => resolve({ ms: performance.now() - t0, ok: false }));
  });
}

async function main(): Promise<void> {
  requireTools(['/usr/bin/time', 'iptables', 'ip', 'openssl', 'ssh-keygen']);
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  const dir = await mkdtemp(join(tmpdir(), 'pbxready-bench-exporter-'));
  const fleet = await buildFleet(PROBES, dir);
  try {
    const addrs = Array.from({ length: HOSTS }, (_, i) => fleet.address(i));
    console.log(`bench:exporter — ${HOSTS} targets (module pbxware: 6 ports each) in netns ${fleet.ns}, ${CONCURRENCY} probes at once, --probes ${PROBES} --timeout-ms ${TIMEOUT_MS}`);

    // One exporter, driven like a Prometheus with many targets: CONCURRENCY scrapes in flight.
    const exporter = await startExporter();
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const durations: number[] = [];
    let failed = 0;
    let next = 0;
    const load0 = loadLine();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < addrs.length) {
          const r = await probe(agent, exporter.port, addrs[next++]!);
          durations.push(r.ms);
          if (!r.ok) failed++;
        }
      }),
    );
    const wallS = (performance.now() - t0) / 1000;
    agent.destroy();
    exporter.stop();
    durations.sort((a, b) => a - b);

    // The same probes by one scan process (its own hosts-in-flight default), each host's check time from its report.
    const inventory = join(dir, 'fleet.txt');
    await writeFile(inventory, `${addrs.join('\n')}\n`);
    const out = join(dir, 'scan.ndjson');
    const s = await measure([process.execPath, CLI, 'scan', '--inventory', inventory, '--probes', PROBES, '--product', 'pbxware', '--allow-private', '--timeout-ms', TIMEOUT_MS, '--format', 'ndjson', '--db', join(dir, 'h.db')], out);
    const hostMs: number[] = [];
    for await (const l of lines(out)) hostMs.push((JSON.parse(l) as { durationMs: number }).durationMs);
    hostMs.sort((a, b) => a - b);

    console.log('');
    console.log(`${'runner'.padEnd(36)} ${'wall'.padStart(9)} ${'probes/s'.padStart(9)} ${'p50'.padStart(9)} ${'p99'.padStart(9)} ${'answered'.padStart(11)}`);
    const row = (name: string, w: number, sorted: number[], answered: string) =>
      console.log(`${name.padEnd(36)} ${`${w.toFixed(2)} s`.padStart(9)} ${(HOSTS / w).toFixed(1).padStart(9)} ${`${quantile(sorted, 0.5).toFixed(0)} ms`.padStart(9)} ${`${quantile(sorted, 0.99).toFixed(0)} ms`.padStart(9)} ${answered.padStart(11)}`);
    row(`exporter /probe, ${CONCURRENCY} at once`, wallS, durations, `${HOSTS - failed}/${HOSTS}`);
    row(`scan --probes ${PROBES}, one process`, s.wallS, hostMs, `${hostMs.length}/${HOSTS}`);
    console.log(`exporter/scan throughput ${(s.wallS / wallS).toFixed(2)} (a probe = one target's whole check; exporter p50/p99 = request to answer, scan's = each report's durationMs; scan wall includes its start-up) · exporter run at ${load0} · scan at ${loadLine()}`);
  } finally {
    await fleet.teardown();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:exporter: ${(err as Error).message}\n`);
  process.exit(1);
});
