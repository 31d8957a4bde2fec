// Cases 5 and 9: runs are never falsely complete, and paths fail fast with the real cause.
// A real tmpfs made by the test (unmounted after) fills up mid-scan; a scan killed with -9 is
// shown `abandoned`; /proc, a read-only mount and a file that is not a database are named as such.

import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, open, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_CLI, CHECKER_CLI, requireBuilt, runCli } from '../harness/cli.js';
import { REPO, tempDir } from './helpers.js';

const sh = promisify(execFile);
let tmp: { dir: string; cleanup: () => Promise<void> };
const mounts: string[] = [];

async function tmpfs(name: string, size: string, opts = ''): Promise<string> {
  if (process.getuid?.() !== 0) throw new Error('not root: these tests mount a small tmpfs to fill it; run them as root, as .ci/run does');
  const at = join(tmp.dir, name);
  await mkdir(at);
  await sh('mount', ['-t', 'tmpfs', '-o', `size=${size}${opts ? `,${opts}` : ''}`, `pbxready-test-${process.pid}`, at]);
  mounts.push(at);
  return at;
}

/** Fill a filesystem to the last byte, then give `leave` bytes back. */
async function fill(dir: string, leave: number): Promise<void> {
  const path = join(dir, 'filler');
  const fh = await open(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) await fh.write(chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    await fh.close();
  }
  const size = statSync(path).size;
  await truncate(path, Math.max(0, size - leave));
}

async function inventory(name: string, hosts: number): Promise<string> {
  const path = join(tmp.dir, name);
  const lines = Array.from({ length: hosts }, (_, i) => `127.0.${Math.floor(i / 250)}.${(i % 250) + 1} name=h${i}`);
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

const SCAN = ['--probes', 'tcp', '--ports', '9', '--allow-private', '--timeout-ms', '1000'];
const history = async (db: string) => JSON.parse((await runCli(CHECKER_CLI, ['history', '--db', db, '--format', 'json'])).stdout) as Array<{ id: number; status: string; reason?: string; hostsDone: number }>;

beforeAll(async () => {
  requireBuilt(CHECKER_CLI);
  tmp = await tempDir();
});
afterAll(async () => {
  for (const m of mounts.reverse()) await sh('umount', ['-l', m]).catch(() => {});
  await tmp?.cleanup();
});

describe('a full disk mid-scan (case 5)', () => {
  it('stops the scan, exits 3 naming the database and the cause, never records a complete run, never drives drift', async () => {
    const fs = await tmpfs('full', '4m');
    const db = join(fs, 'history.db');
    const inv = await inventory('fleet.txt', 300);
    const first = await runCli(CHECKER_CLI, ['scan', '--inventory', inv, '--db', db, ...SCAN]);
    expect(first.stderr).toBe('');
    await fill(fs, 96 * 1024);
    const second = await runCli(CHECKER_CLI, ['scan', '--inventory', inv, '--db', db, ...SCAN], { timeoutMs: 90_000 });
    expect(second.code).toBe(3);
    const lines = second.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`--db ${db}`);
    expect(lines[0]).toMatch(/no space left on the device.*the scan stopped after \d+ of 300 hosts/);
    const runs = await history(db);
    const latest = runs[0]!;
    expect(latest.id).toBe(2);
    expect(['interrupted', 'abandoned']).toContain(latest.status);
    const drift = await runCli(CHECKER_CLI, ['drift', '--db', db]);
    expect(drift.stdout).not.toMatch(/no longer in the inventory/);
  });
});

describe('a scan killed with -9 (case 9)', () => {
  it('is shown abandoned, and drift refuses to compare with it', async () => {
    const db = join(tmp.dir, 'killed.db');
    // Refused connections end fast (300 hosts took 1.3 s): enough hosts that the scan is still running
    // when the history first shows progress, however slow the machine is to tell us.
    const inv = await inventory('slow.txt', 20_000);
    const child = spawn(process.execPath, [CHECKER_CLI, 'scan', '--inventory', inv, '--db', db, '--concurrency', '1', ...SCAN], { stdio: 'ignore', env: { ...process.env, CI: '1' } });
    // Listen from the start: on a busy machine the loop below can be slow enough to miss the exit.
    const closed = new Promise((r) => child.once('close', r));
    // Wait until the run is recorded and a few hosts are in, then kill it without a chance to clean up.
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 200));
      if (existsSync(db) && (await history(db).catch(() => []))[0]?.hostsDone) break;
    }
    expect(child.exitCode, 'the scan ended by itself before it could be killed: make the inventory slower').toBeNull();
    child.kill('SIGKILL');
    await closed;
    const [run] = await history(db);
    expect(run).toMatchObject({ id: 1, status: 'abandoned' });
    const text = await runCli(CHECKER_CLI, ['history', '--db', db]);
    expect(text.stdout).toMatch(/^1 .* abandoned /m);
    const drift = await runCli(CHECKER_CLI, ['drift', '--db', db, '--run', '1']);
    expect(drift.code).toBe(3);
    expect(drift.stderr).toMatch(/run 1 is abandoned/);
  });
});

describe('paths fail fast, naming the path and the real cause (case 9)', () => {
  it('scan --db /proc/x/h.db and pbxready-agent snapshot --state-dir /proc/x end at once (no spin)', async () => {
    const inv = await inventory('one.txt', 1);
    const [scan, snap] = await Promise.all([
      runCli(CHECKER_CLI, ['scan', '--inventory', inv, '--db', `/proc/x${process.pid}/h.db`, ...SCAN], { timeoutMs: 20_000 }),
      runCli(AGENT_CLI, ['snapshot', '--state-dir', `/proc/x${process.pid}`, '--root', join(REPO, 'test/fixtures/pbxware')], { timeoutMs: 20_000 }),
    ]);
    expect(scan.code).toBe(3);
    expect(scan.stderr).toMatch(new RegExp(`^pbxready: --db /proc/x${process.pid}: cannot create a directory here`));
    expect(snap.code).toBe(3);
    expect(snap.stderr).toMatch(new RegExp(`--state-dir /proc/x${process.pid}: cannot create a directory here`));
  });

  it('a read-only mount is called read-only for --db and --output, before any host is checked', async () => {
    const ro = await tmpfs('ro', '1m', 'ro');
    const inv = await inventory('two.txt', 2);
    const scan = await runCli(CHECKER_CLI, ['scan', '--inventory', inv, '--db', join(ro, 'sub', 'h.db'), ...SCAN]);
    expect(scan.code).toBe(3);
    expect(scan.stderr).toMatch(/read-only \(EROFS\)/);
    const check = await runCli(CHECKER_CLI, ['check', '127.0.0.1', '--ports', '9', '--allow-private', '--no-icmp', '--output', join(ro, 'r.json')]);
    expect(check.code).toBe(3);
    expect(check.stderr).toBe(`pbxready: --output ${join(ro, 'r.json')}: cannot write in ${ro}: the filesystem is read-only (EROFS)\n`);
  });

  it('a file that is not a database is named as such', async () => {
    const bad = join(tmp.dir, 'not-a.db');
    await writeFile(bad, 'this is a text file, not SQLite\n'.repeat(200));
    const run = await runCli(CHECKER_CLI, ['history', '--db', bad]);
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(`pbxready: --db ${bad}: it is not an SQLite database (SQLITE_NOTADB)\n`);
  });

  it('a full disk leaves no empty database or NDJSON file behind', async () => {
    const fs = await tmpfs('full2', '1m');
    await fill(fs, 0);
    const inv = await inventory('three.txt', 3);
    const db = await runCli(CHECKER_CLI, ['scan', '--inventory', inv, '--db', join(fs, 'new.db'), ...SCAN]);
    expect(db.code).toBe(3);
    expect(db.stderr).toMatch(/no space left on the device|SQLITE_FULL|ENOSPC/);
    const nd = await runCli(CHECKER_CLI, ['scan', '--inventory', inv, '--db', join(tmp.dir, 'nd.db'), '--format', 'ndjson', '--output', join(fs, 'out.ndjson'), ...SCAN]);
    expect(nd.code).not.toBe(0);
    expect(readdirSync(fs).sort()).toEqual(['filler']);
  });
});
