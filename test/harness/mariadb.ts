// A real MariaDB server (Debian's mariadbd) in a temporary data directory, on a free loopback
// port and a Unix socket, with a password-protected read-only user and PBXware/Issabel-style
// CDR tables. Always stop() it in afterAll: it kills the server's process group.

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';

const execFileP = promisify(execFile);

export interface MariaDb {
  port: number;
  socket: string;
  dataDir: string;
  /** The server's own --tmpdir (not the shared /tmp). */
  tmpDir: string;
  /** Run admin SQL (as root over the socket). */
  admin: mysql.Connection;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function need(bin: string): void {
  for (const dir of ['/usr/sbin', '/usr/bin']) if (existsSync(join(dir, bin))) return;
  throw new Error(`${bin} not found: install Debian's mariadb-server (see .ci/run)`);
}

export async function startMariaDb(opts: { bufferPoolMb?: number } = {}): Promise<MariaDb> {
  need('mariadbd');
  need('mariadb-install-db');
  const dir = mkdtempSync(join(tmpdir(), 'pbxready-mariadb-'));
  const dataDir = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  // The bootstrap server's temp tables go to TMPDIR: its own, or parallel installs collide in /tmp
  // ("Unknown table 'mysql.tmp_user_sys'").
  await execFileP('mariadb-install-db', ['--no-defaults', `--datadir=${dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...asRoot], { timeout: 60_000, env: { ...process.env, TMPDIR: tmp } });
  const port = await freePort();
  const child: ChildProcess = spawn(
    'mariadbd',
    [
      '--no-defaults',
      `--datadir=${dataDir}`,
      `--socket=${socket}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--pid-file=${join(dir, 'mariadbd.pid')}`,
      `--log-error=${join(dir, 'error.log')}`,
      // Its own temp dir: servers started in parallel must not share /tmp's temp tables.
      `--tmpdir=${tmp}`,
      `--innodb-buffer-pool-size=${opts.bufferPoolMb ?? 128}M`,
      '--innodb-log-file-size=64M',
      '--innodb-flush-log-at-trx-commit=2',
      '--skip-log-bin',
      ...asRoot,
    ],
    { detached: true, stdio: 'ignore' },
  );
  let exited = false;
  child.once('exit', () => (exited = true));
  const stop = async () => {
    if (!exited && child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const deadline = Date.now() + 20_000;
      while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (!exited) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  let admin: mysql.Connection | null = null;
  const deadline = Date.now() + 60_000;
  while (!admin) {
    if (exited) {
      const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8').split('\n').slice(-5).join(' | ') : '';
      await stop();
      throw new Error(`mariadbd exited during start: ${log}`);
    }
    try {
      admin = await mysql.createConnection({ socketPath: socket, user: 'root', multipleStatements: true, dateStrings: true });
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error('mariadbd did not accept connections within 60 s');
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  const conn = admin;
  return {
    port,
    socket,
    dataDir,
    tmpDir: tmp,
    admin: conn,
    stop: async () => {
      await conn.end().catch(() => conn.destroy());
      await stop();
    },
  };
}

/** A read-only user, as a PBX's own config would name it. */
export async function createReader(db: MariaDb, user: string, password: string): Promise<void> {
  await db.admin.query(`CREATE USER IF NOT EXISTS ?@'localhost' IDENTIFIED BY ?; CREATE USER IF NOT EXISTS ?@'127.0.0.1' IDENTIFIED BY ?;
    GRANT SELECT, SHOW VIEW ON *.* TO ?@'localhost'; GRANT SELECT, SHOW VIEW ON *.* TO ?@'127.0.0.1';`, [user, password, user, password, user, user]);
}

// ---- CDR tables as the products create them ----

export async function createPbxwareCdr(db: MariaDb, schema = 'pbxware'): Promise<void> {
  await db.admin.query(`CREATE DATABASE IF NOT EXISTS \`${schema}\`; CREATE TABLE IF NOT EXISTS \`${schema}\`.cdr (
    AcctId BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    tenant INT NOT NULL DEFAULT 1,
    clid VARCHAR(80) NOT NULL DEFAULT '', src VARCHAR(80) NOT NULL DEFAULT '', dst VARCHAR(80) NOT NULL DEFAULT '',
    dcontext VARCHAR(80) NOT NULL DEFAULT '', channel VARCHAR(80) NOT NULL DEFAULT '', dstchannel VARCHAR(80) NOT NULL DEFAULT '',
    lastapp VARCHAR(80) NOT NULL DEFAULT '', lastdata VARCHAR(80) NOT NULL DEFAULT '',
    calldate DATETIME NOT NULL DEFAULT '1970-01-01 00:00:00',
    duration INT NOT NULL DEFAULT 0, billsec INT NOT NULL DEFAULT 0, billamount DECIMAL(10,4) NOT NULL DEFAULT 0,
    disposition VARCHAR(45) NOT NULL DEFAULT '', amaflags INT NOT NULL DEFAULT 0,
    accountcode VARCHAR(20) NOT NULL DEFAULT '', uniqueid VARCHAR(32) NOT NULL DEFAULT '', userfield VARCHAR(255) NOT NULL DEFAULT '',
    KEY calldate (calldate)
  ) ENGINE=InnoDB`);
}

export async function createIssabelCdr(db: MariaDb, schema = 'asteriskcdrdb'): Promise<void> {
  await db.admin.query(`CREATE DATABASE IF NOT EXISTS \`${schema}\`; CREATE TABLE IF NOT EXISTS \`${schema}\`.cdr (
    calldate DATETIME NOT NULL DEFAULT '1970-01-01 00:00:00',
    clid VARCHAR(80) NOT NULL DEFAULT '', src VARCHAR(80) NOT NULL DEFAULT '', dst VARCHAR(80) NOT NULL DEFAULT '',
    dcontext VARCHAR(80) NOT NULL DEFAULT '', channel VARCHAR(80) NOT NULL DEFAULT '', dstchannel VARCHAR(80) NOT NULL DEFAULT '',
    lastapp VARCHAR(80) NOT NULL DEFAULT '', lastdata VARCHAR(80) NOT NULL DEFAULT '',
    duration INT NOT NULL DEFAULT 0, billsec INT NOT NULL DEFAULT 0, disposition VARCHAR(45) NOT NULL DEFAULT '',
    amaflags INT NOT NULL DEFAULT 0, accountcode VARCHAR(20) NOT NULL DEFAULT '', uniqueid VARCHAR(32) NOT NULL DEFAULT '',
    userfield VARCHAR(255) NOT NULL DEFAULT '', did VARCHAR(50) NOT NULL DEFAULT '', recordingfile VARCHAR(255) NOT NULL DEFAULT '',
    cnum VARCHAR(40) NOT NULL DEFAULT '', cnam VARCHAR(40) NOT NULL DEFAULT '',
    KEY calldate (calldate), KEY dst (dst), KEY accountcode (accountcode)
  ) ENGINE=MyISAM`);
}

export interface CallMix {
  /** Calls within the last hour, and how many of them could not pass (FAILED, CONGESTION in turn). */
  lastHour: number;
  lastHourFailed: number;
  /** Older calls spread over the past `days` days. */
  older: number;
  days?: number;
}

const FAILED = ['FAILED', 'CONGESTION'];

/** One call: how long before the server's NOW() it started, and its disposition. */
export interface Call {
  secondsAgo: number;
  disposition: string;
}

/** Insert exactly these calls, timed relative to the server's NOW(). */
export async function insertCalls(db: MariaDb, table: string, calls: readonly Call[]): Promise<void> {
  const rows = calls.map((c, i) => callRow(String(Math.round(c.secondsAgo)), c.disposition, i));
  const cols = 'calldate, clid, src, dst, dcontext, channel, dstchannel, lastapp, lastdata, duration, billsec, disposition, amaflags, accountcode, uniqueid';
  for (let i = 0; i < rows.length; i += 500) await db.admin.query(`INSERT INTO ${table} (${cols}) VALUES ${rows.slice(i, i + 500).join(',')}`);
  await db.admin.query(`ANALYZE TABLE ${table}`);
}

function callRow(secondsAgo: string, disposition: string, i: number): string {
  return `(NOW() - INTERVAL ${secondsAgo} SECOND, '"Ext ${1000 + (i % 50)}" <${1000 + (i % 50)}>', '${1000 + (i % 50)}', '0038733${100000 + i}', 'from-internal', 'PJSIP/${1000 + (i % 50)}-0000${i}', 'PJSIP/trunk-0000${i}', 'Dial', 'PJSIP/trunk', ${disposition === 'ANSWERED' ? 95 : 20}, ${disposition === 'ANSWERED' ? 80 : 0}, '${disposition.replace(/'/g, "''")}', 3, '', 'u${i}')`;
}

/** Insert calls of mixed dispositions, timed relative to the server's NOW(). */
export async function seedCalls(db: MariaDb, table: string, mix: CallMix): Promise<void> {
  const calls: Call[] = [];
  for (let i = 0; i < mix.lastHour; i++) calls.push({ secondsAgo: 60 + Math.floor((i * 3000) / Math.max(1, mix.lastHour)), disposition: i < mix.lastHourFailed ? FAILED[i % FAILED.length]! : 'ANSWERED' });
  const days = mix.days ?? 30;
  for (let i = 0; i < mix.older; i++) calls.push({ secondsAgo: 7200 + Math.floor((i * days * 86400) / Math.max(1, mix.older)), disposition: i % 5 === 0 ? 'NO ANSWER' : 'ANSWERED' });
  await insertCalls(db, table, calls);
}
