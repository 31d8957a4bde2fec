// Debian's Prometheus, promtool and Alertmanager, started from a test on free loopback ports in a
// temp dir of their own, stopped (SIGTERM, then SIGKILL) afterwards.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

export interface ToolRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function need(binary: string, pkg: string): string {
  const path = `/usr/bin/${binary}`;
  if (!existsSync(path)) throw new Error(`${path} is missing: install the Debian package ${pkg} (test/debian-packages.txt lists it)`);
  return path;
}

/** `promtool ARGS…` with `stdin` piped in; never throws on a non-zero exit (the test asserts it). */
export function promtool(args: string[], stdin?: string, cwd?: string): Promise<ToolRun> {
  const bin = need('promtool', 'prometheus');
  return new Promise((resolve, reject) => {
    const child = execFile(bin, args, { cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err && typeof (err as NodeJS.ErrnoException).code === 'string') return reject(err);
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin!.end(stdin ?? '');
  });
}

/** A port free right now on 127.0.0.1 (the server binding it next may still race another test: rare). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export interface RunningServer {
  url: string;
  dir: string;
  log: () => string;
  stop(): Promise<void>;
}

async function startServer(binary: string, pkg: string, args: (dir: string, port: number) => string[], files: Record<string, string>, ready: string): Promise<RunningServer> {
  const bin = need(binary, pkg);
  const dir = await mkdtemp(join(tmpdir(), `pbxready-${binary}-${process.pid}-`));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(bin, args(dir, port), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  // Ready when it answers its own readiness endpoint; a process that exits is a failure with its log.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`${binary} exited (${child.exitCode}): ${out.slice(-2000)}`);
    }
    try {
      if ((await fetch(`${url}${ready}`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${binary} did not become ready within 60 s: ${out.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, dir, log: () => out, stop };
}

/** Prometheus with `config` (prometheus.yml) and the other files named (rules, file_sd…) beside it. */
export function startPrometheus(config: string, files: Record<string, string> = {}): Promise<RunningServer> {
  return startServer(
    'prometheus',
    'prometheus',
    (dir, port) => [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { 'prometheus.yml': config, ...files },
    '/-/ready',
  );
}

/** Alertmanager (Debian binary prometheus-alertmanager) without clustering. */
export function startAlertmanager(config: string): Promise<RunningServer> {
  return startServer(
    'prometheus-alertmanager',
    'prometheus-alertmanager',
    (dir, port) => [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
    { 'alertmanager.yml': config },
    '/-/ready',
  );
}

export interface PromSeries {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant query through the HTTP API (/api/v1/query). */
export async function query(prometheus: string, promql: string): Promise<PromSeries[]> {
  const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: PromSeries[] } };
  if (body.status !== 'success' || !body.data) throw new Error(`query ${promql}: ${body.error ?? res.status}`);
  return body.data.result;
}

/** Polls `check` until it returns a value (not undefined) or the time is up; the last reason is in the error. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${timeoutMs / 1000} s${last ? ` (last error: ${last})` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Prometheus's hashmod relabelling: the last 8 bytes of the MD5 of the value, big-endian, modulo N. */
export function hashmod(value: string, modulus: number): number {
  return Number(createHash('md5').update(value).digest().readBigUInt64BE(8) % BigInt(modulus));
}

// ---- the shipped files, prepared for a test ----

/** The shipped rules (deploy/prometheus/pbxready-rules.yml) with every `for` at 0s: an alert fires on its first evaluation. */
export function rulesFiringAtOnce(deployDir: string): string {
  const rules = parse(readFileSync(join(deployDir, 'pbxready-rules.yml'), 'utf8'));
  for (const g of rules.groups) for (const r of g.rules) if (r.for !== undefined) r.for = '0s';
  return stringify(rules);
}

/**
 * The shipped example's probe job (`pbxready`), pointed at the test's file_sd directory and probe
 * token, its hashmod shards at the test's exporters (shard N → exporters[N], or the first when
 * there are fewer), with a 2 s scrape timeout and a 1 s file refresh. The job is the parsed YAML of
 * the example (known shape), edited in place.
 */
export function pointProbeJob(job: any, o: { sdDir: string; tokenFile: string; exporters: string[] }): void {
  job.scrape_timeout = '2s';
  job.file_sd_configs[0].files = [join(o.sdDir, '*.json')];
  job.file_sd_configs[0].refresh_interval = '1s';
  job.authorization.credentials_file = o.tokenFile;
  for (const r of job.relabel_configs) if (r.target_label === '__address__' && r.regex !== undefined) r.replacement = o.exporters[Number(r.regex)] ?? o.exporters[0];
}
