// Shared by the agentless tests: a PBXware sysroot whose pbxware.ini holds the database secret and
// whose socket leads to a real MariaDB, a local runner for the phase scripts, and the comparison
// of two agent reports field by field (collector, timings and what the clock moves left out).

import { spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REMOTE_COMMAND } from '../../checker/agentless/script.js';
import type { PhaseRunner } from '../../checker/agentless/collect.js';
import type { AgentReport } from '../../shared/model.js';
import { REPO } from '../harness/cli.js';
import { createPbxwareCdr, createReader, seedCalls, startMariaDb, type MariaDb } from '../harness/mariadb.js';

export const DB_SECRET = `Agentless-S3cret'"$(touch /tmp/pwned-${process.pid})\`x\`\\ #; =`;
export const DB_USER = 'pbx reader';
export const ASTERISK_REPLAY = join(REPO, 'test/fixtures/asterisk/ast20-pjsip/asterisk');

/** The CDR table and a reader whose password has every character a config value can hold. */
export async function seedPbxwareDb(db: MariaDb): Promise<void> {
  await createReader(db, DB_USER, DB_SECRET);
  await createPbxwareCdr(db);
  await seedCalls(db, 'pbxware.cdr', { lastHour: 20, lastHourFailed: 12, older: 2000, days: 60 });
}

/**
 * A world-readable PBXware tree (the SSH user is unprivileged) with pbxware.ini naming the reader
 * and its secret, and the product's socket path leading to the real server's socket.
 */
export function pbxwareSysroot(db: MariaDb): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), `pbxready-agentless-root-${process.pid}-`));
  cpSync(join(REPO, 'test/fixtures/pbxware'), root, { recursive: true });
  const ini = join(root, 'opt/pbxware/pw/etc/pbxware/pbxware.ini');
  writeFileSync(
    ini,
    ['; PBXware main configuration (agentless test)', '[general]', 'pw_mysql_host = localhost', `pw_mysql_username = ${DB_USER}`, `pw_mysql_password = "${DB_SECRET}"`, 'pw_edition = Multi-Tenant', 'pw_licence = 700123456', ''].join('\n'),
  );
  mkdirSync(join(root, 'var/lib/mysql'), { recursive: true });
  symlinkSync(db.socket, join(root, 'var/lib/mysql/mysql.sock'));
  const when = new Date(Date.now() - 3 * 86_400_000);
  utimesSync(join(root, 'opt/backup/pbxware-backup-nightly.tar.gz'), when, when);
  for (const dir of [root]) chmodSync(dir, 0o755);
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export interface PbxwareHost {
  db: MariaDb;
  tree: { root: string; cleanup: () => void };
  /** Removes the tree and stops the database. */
  stop(): Promise<void>;
}

/** A PBXware host for the collectors to read: a real MariaDB seeded as above, and its sysroot. */
export async function startPbxwareHost(): Promise<PbxwareHost> {
  const db = await startMariaDb();
  try {
    await seedPbxwareDb(db);
  } catch (err) {
    await db.stop();
    throw err;
  }
  const tree = pbxwareSysroot(db);
  return {
    db,
    tree,
    stop: async () => {
      tree.cleanup();
      await db.stop();
    },
  };
}

/** Runs a phase script here, as the SSH login would: the login shell execs sh reading stdin. */
export const localRunner: PhaseRunner = (script) =>
  new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', REMOTE_COMMAND], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), exitCode: code }));
    child.stdin.end(script);
  });

/**
 * The facts two collectors must agree on exactly: everything but who collected, when, over which
 * SSH session (its client port is new every time), how long it took, and what the clock moves between two runs (uptimes, load, free memory, and the bytes and
 * inodes in use on filesystems other tests write to at the same time: sameDisks() bounds those).
 */
export function comparable(r: AgentReport): Record<string, unknown> {
  const { collector: _c, generatedAt: _g, durationMs: _d, timings: _t, sshSession: _s, host, database, disks, firewall, ...rest } = r;
  const { uptimeSeconds: _u, load: _l, memory: _m, ...hostRest } = host;
  const { uptimeSeconds: _du, ...db } = database;
  // Sources run side by side in the agent, so the order of its gaps is the order they were found in.
  const unreadable = [...(r.unreadable ?? [])].sort((a, b) => a.source.localeCompare(b.source) || a.reason.localeCompare(b.reason));
  // A tool's own log line carries its clock and pid (fail2ban-client: "2026-… fail2ban [123]: ERROR …").
  const clockless = (t: string | undefined) => t?.replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(,\d+)?/g, 'TIME').replace(/\[\d+\]/g, '[PID]');
  const fw = firewall && { ...firewall, readers: firewall.readers.map((x) => ({ ...x, ...(x.reason !== undefined ? { reason: clockless(x.reason) } : {}) })) };
  return { ...rest, ...(fw ? { firewall: fw } : {}), unreadable: unreadable.map((u) => ({ ...u, reason: clockless(u.reason)! })), host: hostRest, database: db, disks: disks.map((d) => ({ mount: d.mount, fs: d.fs, sizeBytes: d.sizeBytes, holds: d.holds, inodes: d.inodesFree === null })) };
}

/** Used/available space and inodes of the same filesystems, a moment apart: equal within 1% of the size. */
export function diskDrift(a: AgentReport, b: AgentReport): number {
  let worst = 0;
  for (const d of a.disks) {
    const o = b.disks.find((x) => x.mount === d.mount);
    if (!o) return Infinity;
    worst = Math.max(worst, Math.abs(d.usedBytes - o.usedBytes) / d.sizeBytes, Math.abs(d.availBytes - o.availBytes) / d.sizeBytes, Math.abs((d.inodesUsePercent ?? 0) - (o.inodesUsePercent ?? 0)) / 100);
  }
  return worst;
}
