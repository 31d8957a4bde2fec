// What a person at a terminal sees: the live progress bar under a real pty (util-linux `script`),
// erased before any other line; none under CI or when piped. And the open-file limit under a real
// lowered RLIMIT_NOFILE (util-linux `prlimit`).

import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, startSilentServer, type TestServer } from '../harness/servers.js';
import { CLI, requireBuild, runCli, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
let open: TestServer;
let closed: number;

beforeAll(async () => {
  requireBuild();
  ({ dir, cleanup } = await tempDir());
  open = await startSilentServer();
  closed = await closedPort();
});
afterAll(async () => {
  await open?.stop();
  await cleanup?.();
});

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs a command line and collects everything; `env` replaces the test's CI setting. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

const envWithout = (name: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
  const env = { ...process.env, ...extra };
  delete env[name];
  return env;
};

const BAR = /\r\[[#.]{30}\] \d+\/2 hosts/;

describe('progress bar on a terminal', () => {
  async function inventory(): Promise<string> {
    const inv = join(dir, 'tty.txt');
    // --concurrency 1: host 1 finishes (bar drawn) before line 3's error is read and printed.
    await writeFile(inv, [`127.0.0.1 name=a ports=${open.port}`, `127.0.0.1 name=b ports=${closed}`, 'not a host line'].join('\n'));
    return inv;
  }

  const scanLine = (inv: string, db: string) => [process.execPath, CLI, 'scan', '--inventory', inv, '--probes', 'tcp', '--allow-private', '--concurrency', '1', '--db', db].map(shellQuote).join(' ');

  it('under a pty: the bar is drawn with \\r and erased before an inventory error line', async () => {
    const inv = await inventory();
    const r = await run('script', ['-qfec', scanLine(inv, join(dir, 'tty.db')), '/dev/null'], envWithout('CI'));
    expect(r.code).toBe(2);
    expect(r.out).toMatch(BAR);
    const at = r.out.indexOf('INVENTORY_ENTRY_INVALID Inventory line 3 skipped');
    expect(at).toBeGreaterThan(0);
    // The bar was on screen (drawn before the error), and the line was cleared right before it.
    expect(r.out.slice(0, at)).toMatch(BAR);
    expect(r.out.slice(0, at).endsWith('\r\x1b[K')).toBe(true);
    expect(r.out).toMatch(/pbxready scan: 2 of 2 hosts/);
  });

  it('under a pty with CI=1, and when piped: no bar at all', async () => {
    const inv = await inventory();
    const ci = await run('script', ['-qfec', scanLine(inv, join(dir, 'ci.db')), '/dev/null'], { ...process.env, CI: '1' });
    expect(ci.out).toMatch(/pbxready scan: 2 of 2 hosts/);
    expect(ci.out).not.toContain('\r[');
    expect(ci.out).not.toContain('\x1b[K');
    const piped = await runCli(['scan', '--inventory', inv, '--probes', 'tcp', '--allow-private', '--db', join(dir, 'pipe.db')], { CI: undefined });
    expect(piped.stdout).toMatch(/^pbxready scan: 2 of 2 hosts/);
    expect(piped.stderr).toBe('INVENTORY_ENTRY_INVALID Inventory line 3 skipped: unexpected "a" (expected a product or key=value).\n');
  });
});

describe('open-file limit', () => {
  it('under prlimit --nofile=256:256 a larger --concurrency is lowered with a note, and the scan completes', async () => {
    const inv = join(dir, 'fd.txt');
    await writeFile(inv, Array.from({ length: 80 }, (_, i) => `127.0.0.${(i % 40) + 1} name=h${i} ports=${open.port},${closed}`).join('\n'));
    const r = await run('prlimit', ['--nofile=256:256', process.execPath, CLI, 'scan', '--inventory', inv, '--probes', 'tcp', '--allow-private', '--concurrency', '500', '--db', join(dir, 'fd.db'), '--format', 'ndjson'], { ...process.env, CI: '1' });
    // (256 − 64 reserved) / 4 connections per host = 48 hosts in flight.
    expect(r.err).toBe('pbxready scan: --concurrency 500 lowered to 48: the open-file limit is 256 and each host may use 4 connections\n');
    expect(r.out.trim().split('\n')).toHaveLength(80);
    expect(r.code).toBe(2);
  });
});
