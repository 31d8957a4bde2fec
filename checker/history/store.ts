// Fleet scan history behind one interface: runs, and one summary per host per run (never the full
// reports, so a fleet of any size costs a row per host). SQLite is the implementation (sqlite.ts).

import type { HostSummary, Verdict } from '../../shared/model.js';

/**
 * Stored: running, complete, interrupted. `abandoned` is never stored: it is how a `running` run
 * reads once its process is gone (same machine, pid no longer alive) or its heartbeat has stopped —
 * a scan killed with -9, or one whose disk filled before it could record the end.
 */
export type RunStatus = 'running' | 'complete' | 'interrupted' | 'abandoned';

export interface RunMeta {
  /** The inventory's identity: its resolved absolute path (drift compares runs of one inventory only). */
  inventory: string;
  probes: string;
  startedAt: string;
}

export interface RunRecord extends RunMeta {
  id: number;
  finishedAt: string | null;
  status: RunStatus;
  hostsTotal: number | null;
  hostsDone: number;
  invalidEntries: number;
  /** Why a run stopped early (e.g. the history store failed), when it says. */
  reason?: string;
  verdicts: Partial<Record<Verdict, number>>;
}

export interface RunEnd {
  status: 'complete' | 'interrupted';
  reason?: string;
  finishedAt: string;
  hostsTotal: number;
  invalidEntries: number;
}

export interface HistoryStore {
  beginRun(meta: RunMeta): number;
  recordHost(runId: number, summary: HostSummary): void;
  /** The run's process is alive: written every HEARTBEAT_MS while it scans. */
  heartbeat(runId: number): void;
  finishRun(runId: number, end: RunEnd): void;
  /** Newest first. */
  listRuns(limit?: number): RunRecord[];
  getRun(id: number): RunRecord | undefined;
  /** The baseline for drift: the newest complete run of the same inventory started before `runId`. */
  previousRun(runId: number): RunRecord | undefined;
  /** The newest complete run (of any inventory). */
  latestRun(): RunRecord | undefined;
  /** Host summaries of a run, streamed in key order, or worst verdict first. */
  hosts(runId: number, order?: 'key' | 'worst'): IterableIterator<HostSummary>;
  host(runId: number, key: string): HostSummary | undefined;
  close(): void;
}

/** How often a scan says it is alive, and after how long without a word a `running` run is abandoned. */
export const HEARTBEAT_MS = 30_000;
export const ABANDONED_AFTER_MS = 5 * 60_000;
