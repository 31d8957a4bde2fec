// --db FILE, the history database of fleet scans (scan, history, drift): declared once, opened once.

import { homedir } from 'node:os';
import type { FlagGroup } from '../../shared/cli/flags.js';
import { UsageError } from '../../shared/errors.js';
import { DRIFT_THRESHOLDS, type DriftThresholds } from './drift.js';
import { SqliteHistory, defaultDbPath } from './sqlite.js';

export const HISTORY_DB_FLAGS = {
  db: { type: 'string', describe: 'History database FILE (default $XDG_STATE_HOME/pbxready/history.db)' },
} satisfies FlagGroup;

export function openStore(db: string | undefined): SqliteHistory {
  const path = db ?? defaultDbPath(process.env, homedir());
  // SqliteHistory names the path and the real cause (read-only, full, not a database) itself.
  return new SqliteHistory(path);
}

/** What drift judges by a number of its own (scan, drift). Bands and ages follow the agent's findings. */
export const DRIFT_FLAGS = {
  'cdr-growth-factor': { type: 'string', default: String(DRIFT_THRESHOLDS.cdrGrowthFactor), describe: 'Drift: a CDR table whose rows or bytes grew by more than this factor since the previous run (e.g. 1.5)' },
} satisfies FlagGroup;

export function parseDriftFlags(a: { cdrGrowthFactor: string }): DriftThresholds {
  const s = String(a.cdrGrowthFactor).trim();
  const n = Number(s);
  if (!/^\d+(\.\d+)?$/.test(s) || !(n > 1) || n > 1000) throw new UsageError(`--cdr-growth-factor "${s}" must be a number above 1 (e.g. 1.5)`);
  return { ...DRIFT_THRESHOLDS, cdrGrowthFactor: n };
}
