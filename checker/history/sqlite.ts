// The history store in SQLite (better-sqlite3). WAL lets readers run beside a writer, and
// busy_timeout makes a second scan wait for the write lock instead of failing: two nightly scans
// into one database at once are safe. Each host's row is written when the host finishes.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { HostSummary, Verdict } from '../../shared/model.js';
import { secrets } from '../../shared/redact.js';
import type { HistoryStore, RunEnd, RunMeta, RunRecord, RunStatus } from './store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL CHECK (status IN ('running','complete','interrupted')),
  inventory TEXT NOT NULL,
  probes TEXT NOT NULL,
  hosts_total INTEGER,
  invalid_entries INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS hosts (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  verdict TEXT NOT NULL,
  summary TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
);
`;

interface RunRow {
  id: number;
  started_at: string;
  finished_at: string | null;
  status: RunStatus;
  inventory: string;
  probes: string;
  hosts_total: number | null;
  invalid_entries: number;
}

export class SqliteHistory implements HistoryStore {
  private readonly db: Database.Database;
  private readonly insertHost: Database.Statement;
  private readonly countsOf: Database.Statement;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    // Plain INSERT: the scan drops a repeated inventory key before checking it (withoutDuplicates),
    // so a second row for a key is a bug that must fail loudly, never overwrite the first host.
    this.insertHost = this.db.prepare('INSERT INTO hosts (run_id, key, verdict, summary) VALUES (?, ?, ?, ?)');
    this.countsOf = this.db.prepare('SELECT verdict, COUNT(*) AS n FROM hosts WHERE run_id = ? GROUP BY verdict');
  }

  // What the history keeps passes the redaction step on the way in: `history`, `drift` and later
  // dashboards run in processes that never learned the scan's secrets, so they could not scrub them.
  beginRun(meta: RunMeta): number {
    const r = this.db.prepare("INSERT INTO runs (started_at, status, inventory, probes) VALUES (?, 'running', ?, ?)").run(meta.startedAt, secrets.scrub(meta.inventory), meta.probes);
    return Number(r.lastInsertRowid);
  }

  recordHost(runId: number, summary: HostSummary): void {
    const s = secrets.redact(summary);
    this.insertHost.run(runId, s.key, s.verdict, JSON.stringify(s));
  }

  finishRun(runId: number, end: RunEnd): void {
    this.db.prepare('UPDATE runs SET status = ?, finished_at = ?, hosts_total = ?, invalid_entries = ? WHERE id = ?').run(end.status, end.finishedAt, end.hostsTotal, end.invalidEntries, runId);
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
      status: row.status,
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
    this.db.close();
  }
}

/** $XDG_STATE_HOME/pbxready/history.db, else ~/.local/state/pbxready/history.db. */
export function defaultDbPath(env: NodeJS.ProcessEnv, home: string): string {
  const state = env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : `${home}/.local/state`;
  return `${state}/pbxready/history.db`;
}
