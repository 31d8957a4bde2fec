// --db FILE, the history database of fleet scans (scan, history, drift): declared once, opened once.

import { homedir } from 'node:os';
import type { FlagGroup } from '../../shared/cli/flags.js';
import { UsageError } from '../../shared/errors.js';
import { SqliteHistory, defaultDbPath } from './sqlite.js';

export const HISTORY_DB_FLAGS = {
  db: { type: 'string', describe: 'History database FILE (default $XDG_STATE_HOME/pbxready/history.db)' },
} satisfies FlagGroup;

export function openStore(db: string | undefined): SqliteHistory {
  const path = db ?? defaultDbPath(process.env, homedir());
  try {
    return new SqliteHistory(path);
  } catch (err) {
    throw new UsageError(`--db ${path}: ${(err as Error).message}`);
  }
}
