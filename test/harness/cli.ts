// The built CLIs as a user runs them: spawned from dist/ (npm test builds first), output collected.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The checkout; also when the harness runs compiled under dist/ (the benchmarks import it). */
export const REPO = new URL(/\/dist\/test\/harness\/[^/]+$/.test(new URL(import.meta.url).pathname) ? '../../..' : '../..', import.meta.url).pathname;
export const CHECKER_CLI = join(REPO, 'dist/checker/cli.js');
export const AGENT_CLI = join(REPO, 'dist/agent/cli.js');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Added to (or, with `cleanEnv`, instead of) the test's environment; `undefined` removes a variable. */
  env?: NodeJS.ProcessEnv;
  /** Start from PATH only: proves a secret reached the CLI through the variable named, not by accident. */
  cleanEnv?: boolean;
  uid?: number;
  gid?: number;
  /** Killed (SIGKILL) after this long: a hung CLI fails its test instead of the whole run. */
  timeoutMs?: number;
}

/** The source folders `npm run build` compiles into dist/ (tsconfig.json). */
const SOURCE_DIRS = ['checker', 'agent', 'shared', 'bench'];

/** Newest modification time (ms) of the files under `dir` whose names pass `keep`; 0 when there are none. */
function newestMtime(dir: string, keep: (name: string) => boolean): number {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(path, keep));
    else if (e.isFile() && keep(e.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Why `repo`'s dist/ cannot be trusted (older than its newest source file), or '' when it is current. */
export function staleBuild(repo: string = REPO): string {
  const source = Math.max(...SOURCE_DIRS.map((d) => newestMtime(join(repo, d), (n) => n.endsWith('.ts'))));
  const built = newestMtime(join(repo, 'dist'), (n) => n.endsWith('.js'));
  return source > built
    ? `dist/ is older than the sources (newest source ${new Date(source).toISOString()}, newest build ${new Date(built).toISOString()}): run "npm run build" first (npm test does)`
    : '';
}

let checkedBuild: string | undefined;

/**
 * The built CLI exists and dist/ is not older than the sources: a test must never pass or fail on
 * an old build. Checked once per test file (the walk takes a few milliseconds).
 */
export function requireBuilt(cli: string): void {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run "npm run build" first (npm test does)`);
  checkedBuild ??= staleBuild();
  if (checkedBuild) throw new Error(checkedBuild);
}

export function startCli(cli: string, args: string[], opts: CliOptions = {}): { child: ChildProcess; done: Promise<CliRun> } {
  requireBuilt(cli);
  const base: NodeJS.ProcessEnv = opts.cleanEnv ? { PATH: process.env.PATH ?? '' } : process.env;
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...base, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
    ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
  const done = new Promise<CliRun>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

export function runCli(cli: string, args: string[], opts: CliOptions = {}): Promise<CliRun> {
  return startCli(cli, args, opts).done;
}

export interface Listening {
  child: ChildProcess;
  /** What `pattern` captured first: the address (or URL, or port) the CLI announced. */
  address: string;
  /** stdout and stderr so far, interleaved. */
  output: () => string;
  /** SIGTERM to its process group (SIGKILL after 10 s); resolves once it is gone. */
  stop: () => Promise<void>;
}

/**
 * A built CLI that serves (agent `serve`, `exporter`) and announces where on stdout/stderr:
 * resolves once `pattern` matches, its first group being the address. Started in its own process
 * group, so stop() also ends the commands it runs.
 */
export function startListening(cli: string, args: string[], pattern: RegExp, { timeoutMs = 30_000 }: { timeoutMs?: number } = {}): Promise<Listening> {
  requireBuilt(cli);
  const child = spawn(process.execPath, [cli, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      /* already gone */
    }
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal('SIGKILL');
      reject(new Error(`${args[0]} did not start within ${timeoutMs} ms: ${out}`));
    }, timeoutMs);
    const seen = (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, address: m[1]!, output: () => out, stop });
      }
    };
    child.stdout!.on('data', seen);
    child.stderr!.on('data', seen);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args[0]} exited ${code}: ${out}`));
    });
  });
}
