// The security tests' stage: a private network namespace per test file (its own loopback, so a
// hostile server can sit on the real port numbers 81, 443, 2020 without touching anyone else's),
// hostile servers from test/fixtures/hostile/server.mjs started inside it, and the built CLIs run
// inside it too, exactly as a user runs them. Needs root; without it creation fails with the reason.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CHECKER_CLI, REPO, requireBuilt, type CliRun } from '../harness/cli.js';

const run = promisify(execFile);

export const HOSTILE = join(REPO, 'test/fixtures/hostile');
export { CHECKER_CLI, AGENT_CLI, REPO } from '../harness/cli.js';

export interface Stage {
  name: string;
  /** Start `server.mjs MODE PORT FILES…` inside; resolves once it listens. */
  serve(mode: string, port: number, files?: string[]): Promise<void>;
  /** Run a built CLI inside the namespace; killed after `timeoutMs`. Wall time in `ms`. */
  cli(cli: string, args: string[], opts?: { timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<CliRun & { ms: number; maxRssKiB: number | null }>;
  stop(): Promise<void>;
}

function killGroup(c: ChildProcess): void {
  if (c.pid && c.exitCode === null && c.signalCode === null) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

export async function createStage(): Promise<Stage> {
  if (process.getuid?.() !== 0) throw new Error('not root: the hostile-input tests need a network namespace (ip netns); run them as root, as .ci/run does');
  const name = `pbxr-hostile-${process.pid}-${randomBytes(2).toString('hex')}`;
  const children: ChildProcess[] = [];
  await run('ip', ['netns', 'add', name]);
  await run('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  return {
    name,
    serve(mode, port, files = []) {
      const child = spawn('ip', ['netns', 'exec', name, process.execPath, join(HOSTILE, 'server.mjs'), mode, String(port), ...files], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let out = '';
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`hostile server ${mode} did not start: ${out}`)), 15_000);
        const onData = (d: Buffer) => {
          out += d.toString();
          if (out.includes('ready')) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout!.on('data', onData);
        child.stderr!.on('data', onData);
        child.once('exit', (code) => reject(new Error(`hostile server ${mode} exited (${code}): ${out}`)));
      });
    },
    cli(cli, args, opts = {}) {
      requireBuilt(cli);
      const started = Date.now();
      // GNU time reports the CLI's peak RSS on its last stderr line (memory bounds are part of the contract).
      const child = spawn('ip', ['netns', 'exec', name, '/usr/bin/time', '-f', 'maxrss-kib=%M', process.execPath, cli, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1', ...opts.env } });
      children.push(child);
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => killGroup(child), opts.timeoutMs ?? 60_000);
      return new Promise((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (code, signal) => {
          clearTimeout(timer);
          const rss = /(?:Command (?:exited with non-zero status|terminated by signal) \d+\n)?maxrss-kib=(\d+)\n?$/.exec(stderr);
          resolve({ code, signal, stdout, stderr: rss ? stderr.slice(0, rss.index) : stderr, ms: Date.now() - started, maxRssKiB: rss ? Number(rss[1]) : null });
        });
      });
    },
    async stop() {
      for (const c of children) killGroup(c);
      await run('ip', ['netns', 'del', name]).catch(() => {});
    },
  };
}

export async function tempDir(prefix = 'pbxready-hostile-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}



