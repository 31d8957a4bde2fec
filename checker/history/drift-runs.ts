// Drift between two recorded runs, host by host, streamed from the store (pure rules in shared/drift.ts).

import { hostDrift, sortDrift, type DriftSummary } from './drift.js';
import { UsageError } from '../../shared/errors.js';
import type { HistoryStore, RunRecord } from './store.js';

/**
 * Which two runs to compare: `to` defaults to the newest complete run, `from` to the complete run
 * of the same inventory before it (interrupted runs and other inventories are never a baseline
 * unless named with --since).
 */
export function pickRuns(store: HistoryStore, since?: number, to?: number): { from: RunRecord; to: RunRecord } | null {
  const target = to !== undefined ? store.getRun(to) : store.latestRun();
  if (to !== undefined && !target) throw new UsageError(`run ${to} is not in the history`);
  if (!target) return null;
  const from = since !== undefined ? store.getRun(since) : store.previousRun(target.id);
  if (since !== undefined && !from) throw new UsageError(`run ${since} is not in the history`);
  if (!from || from.id === target.id) return null;
  return { from, to: target };
}

export function computeDrift(store: HistoryStore, from: RunRecord, to: RunRecord): DriftSummary {
  const changes = [];
  for (const after of store.hosts(to.id)) changes.push(...hostDrift(store.host(from.id, after.key), after));
  // Hosts gone from a complete run were removed from the inventory; an interrupted run proves nothing.
  if (to.status === 'complete') {
    for (const before of store.hosts(from.id)) if (!store.host(to.id, before.key)) changes.push(...hostDrift(before, undefined));
  }
  return { fromRun: from.id, toRun: to.id, changes: sortDrift(changes) };
}
