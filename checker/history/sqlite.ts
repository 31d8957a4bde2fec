// The history store in SQLite (better-sqlite3). WAL lets readers run beside a writer, and
// busy_timeout makes a second scan wait for the write lock instead of failing: two nightly scans
// into one database at once are safe. Each host's row is written when the host finishes.

import { closeSync, openSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { HostSummary, Verdict } from '../../shared/model.js';
import { secrets } from '../../shared/redact.js';
import { ensureDirSync, fsCause, PathError } from '../../shared/cli/paths.js';
import { processAlive } from '../../shared/cli/process-alive.js';
import { ABANDONED_AFTER_MS, type HistoryStore, type RunEnd, type RunMeta, type RunRecord, type RunStatus } from './store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL CHECK (status IN ('running','complete','interrupted')),
  inventory TEXT NOT NULL,
  probes TEXT NOT NULL,
  hosts_total INTEGER,
  invalid_entries INTEGER NOT NULL DEFAULT 0,
  pid INTEGER,
  machine TEXT,
  heartbeat_at TEXT,
  reason TEXT
);
CREATE TABLE IF NOT EXISTS hosts (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  verdict TEXT NOT NULL,
  summary TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
);
`;

/** Host rows per commit, and the longest a row waits for one (see recordHost). */
const BATCH_ROWS = 256;
const BATCH_MS = 250;

interface RunRow {
  id: number;
  started_at: string;
  finished_at: string | null;
  status: RunStatus;
  inventory: string;
  probes: string;
  hosts_total: number | null;
  invalid_entries: number;
  pid: number | null;
  machine: string | null;
  heartbeat_at: string | null;
  reason: string | null;
}

/** Columns added after the first release: a database made by an older pbxready gains them on open. */
const ADDED_COLUMNS: Array<[string, string]> = [
  ['pid', 'INTEGER'],
  ['machine', 'TEXT'],
  ['heartbeat_at', 'TEXT'],
  ['reason', 'TEXT'],
];

const SETUP_ATTEMPTS = 8;
const SETUP_RETRY_MS = 25;

function setUp(db: Database.Database): void {
  db.pragma('busy_timeout = 10000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.exec(SCHEMA);
  const have = new Set((db.pragma('table_info(runs)') as Array<{ name: string }>).map((c) => c.name));
  for (const [name, type] of ADDED_COLUMNS) if (!have.has(name)) db.exec(`ALTER TABLE runs ADD COLUMN ${name} ${type}`);
}

/** True when this call created the (empty) file; false when it was there already. */
function createdNow(path: string): boolean {
  try {
    closeSync(openSync(path, 'wx'));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new PathError(path, fsCause(err), '--db');
  }
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || (typeof code === 'string' && code.startsWith('SQLITE_BUSY_'));
}

/** The store is opened once, before a scan starts: a short synchronous wait is fine there. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A stored `running` run whose process is gone reads as abandoned (see RunStatus). */
export function liveStatus(row: Pick<RunRow, 'status' | 'pid' | 'machine' | 'heartbeat_at' | 'started_at'>, now = Date.now(), here = hostname()): RunStatus {
  if (row.status !== 'running') return row.status;
  if (row.pid !== null && row.machine === here && !processAlive(row.pid)) return 'abandoned';
  const last = Date.parse(row.heartbeat_at ?? row.started_at);
  return Number.isFinite(last) && now - last > ABANDONED_AFTER_MS ? 'abandoned' : 'running';
}

export class SqliteHistory implements HistoryStore {
  private readonly db: Database.Database;
  private readonly insertHost: Database.Statement;
  private readonly countsOf: Database.Statement;
  /** Rows in the open batch, its commit timer, and a failed timed commit (thrown by the next call). */
  private batched = 0;
  private commitTimer: NodeJS.Timeout | undefined;
  private commitError: unknown;

  constructor(readonly path: string) {
    if (path !== ':memory:') ensureDirSync(dirname(path), '--db');
    // Created here, exclusively: only this process may remove it again. A check for existence
    // first was a race — two scans starting on a new database both saw it missing, one of them
    // failed its set-up and removed the file the other was already writing to.
    const created = path !== ':memory:' && createdNow(path);
    let db: Database.Database | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        db = new Database(path);
        setUp(db);
        break;
      } catch (err) {
        db?.close();
        db = undefined;
        // Two connections setting up one new database (switching it to WAL) can collide in a way
        // busy_timeout does not wait out: SQLITE_BUSY at once. A moment later the other is done.
        if (isBusy(err) && attempt < SETUP_ATTEMPTS) {
          sleepSync(SETUP_RETRY_MS * attempt);
          continue;
        }
        // A database this open created and could not set up is removed: no 0-byte file is left behind.
        if (created) for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
        throw new PathError(path, fsCause(err), '--db');
      }
    }
    this.db = db;
    // Plain INSERT: the scan drops a repeated inventory key before checking it (withoutDuplicates),
    // so a second row for a key is a bug that must fail loudly, never overwrite the first host.
    this.insertHost = this.db.prepare('INSERT INTO hosts (run_id, key, verdict, summary) VALUES (?, ?, ?, ?)');
    this.countsOf = this.db.prepare('SELECT verdict, COUNT(*) AS n FROM hosts WHERE run_id = ? GROUP BY verdict');
  }

  // What the history keeps passes the redaction step on the way in: `history`, `drift` and later
  // dashboards run in processes that never learned the scan's secrets, so they could not scrub them.
  beginRun(meta: RunMeta): number {
    const r = this.db
      .prepare("INSERT INTO runs (started_at, status, inventory, probes, pid, machine, heartbeat_at) VALUES (?, 'running', ?, ?, ?, ?, ?)")
      .run(meta.startedAt, secrets.scrub(meta.inventory), meta.probes, process.pid, hostname(), meta.startedAt);
    return Number(r.lastInsertRowid);
  }

  heartbeat(runId: number): void {
    this.commit(); // the rows so far go with it: others judge the run by its heartbeat
    this.db.prepare("UPDATE runs SET heartbeat_at = ? WHERE id = ? AND status = 'running'").run(new Date().toISOString(), runId);
  }

  /**
   * Host rows go in as each host finishes (a refused row fails at once, for that host alone), but
   * are committed in batches — every BATCH_ROWS rows or BATCH_MS, and when the run finishes or the
   * store closes: a commit per host was a fleet scan's largest single cost after the connects.
   * Other processes see a host's row at most BATCH_MS late.
   */
  recordHost(runId: number, summary: HostSummary): void {
    this.rethrow();
    const s = secrets.redact(summary);
    if (!this.db.inTransaction) this.db.exec('BEGIN');
    try {
      this.insertHost.run(runId, s.key, s.verdict, JSON.stringify(s));
    } finally {
      if (++this.batched >= BATCH_ROWS) this.commit();
      else this.commitTimer ??= setTimeout(() => this.commitLater(), BATCH_MS).unref();
    }
  }

  private commit(): void {
    clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    this.batched = 0;
    if (this.db.inTransaction) this.db.exec('COMMIT');
  }

  /** From the timer: a failure is kept and thrown by the store's next call, not by the event loop. */
  private commitLater(): void {
    try {
      this.commit();
    } catch (err) {
      this.commitError = err;
    }
  }

  private rethrow(): void {
    if (this.commitError === undefined) return;
    const err = this.commitError;
    this.commitError = undefined;
    throw err;
  }

  finishRun(runId: number, end: RunEnd): void {
    this.commit();
    this.rethrow();
    this.db.prepare('UPDATE runs SET status = ?, finished_at = ?, hosts_total = ?, invalid_entries = ?, reason = ? WHERE id = ?').run(end.status, end.finishedAt, end.hostsTotal, end.invalidEntries, end.reason ?? null, runId);
  }

  private toRecord(row: RunRow): RunRecord {
    const verdicts: Partial<Record<Verdict, number>> = {};
    let done = 0;
    for (const c of this.countsOf.all(row.id) as Array<{ verdict: Verdict; n: number }>) {
      verdicts[c.verdict] = c.n;
      done += c.n;
    }
    return {
      id: row.id,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      status: liveStatus(row),
      ...(row.reason ? { reason: row.reason } : {}),
      inventory: row.inventory,
      probes: row.probes,
      hostsTotal: row.hosts_total,
      hostsDone: done,
      invalidEntries: row.invalid_entries,
      verdicts,
    };
  }

  listRuns(limit = 50): RunRecord[] {
    return (this.db.prepare('SELECT * FROM runs ORDER BY id DESC LIMIT ?').all(limit) as RunRow[]).map((r) => this.toRecord(r));
  }

  getRun(id: number): RunRecord | undefined {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    return row && this.toRecord(row);
  }

  previousRun(runId: number): RunRecord | undefined {
    // Only a complete run of the same inventory is a baseline: another inventory's hosts are not
    // "removed", and an interrupted run's missing hosts would come back as "new".
    const row = this.db
      .prepare("SELECT * FROM runs WHERE id < ? AND status = 'complete' AND inventory = (SELECT inventory FROM runs WHERE id = ?) ORDER BY id DESC LIMIT 1")
      .get(runId, runId) as RunRow | undefined;
    return row && this.toRecord(row);
  }

  latestRun(): RunRecord | undefined {
    const row = this.db.prepare("SELECT * FROM runs WHERE status = 'complete' ORDER BY id DESC LIMIT 1").get() as RunRow | undefined;
    return row && this.toRecord(row);
  }

  *hosts(runId: number, order: 'key' | 'worst' = 'key'): IterableIterator<HostSummary> {
    const by = order === 'key' ? 'key' : `CASE verdict WHEN 'not-ready' THEN 0 WHEN 'unknown' THEN 1 WHEN 'warnings' THEN 2 ELSE 3 END, key`;
    for (const row of this.db.prepare(`SELECT summary FROM hosts WHERE run_id = ? ORDER BY ${by}`).iterate(runId) as IterableIterator<{ summary: string }>) {
      yield JSON.parse(row.summary) as HostSummary;
    }
  }

  host(runId: number, key: string): HostSummary | undefined {
    const row = this.db.prepare('SELECT summary FROM hosts WHERE run_id = ? AND key = ?').get(runId, key) as { summary: string } | undefined;
    return row && (JSON.parse(row.summary) as HostSummary);
  }

  close(): void {
    try {
      this.commit();
    } finally {
      this.db.close();
    }
  }
}

/** $XDG_STATE_HOME/pbxready/history.db, else ~/.local/state/pbxready/history.db. */
export function defaultDbPath(env: NodeJS.ProcessEnv, home: string): string {
  const state = env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : `${home}/.local/state`;
  return `${state}/pbxready/history.db`;
}
