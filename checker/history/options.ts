// --db FILE, the history database of fleet scans (scan, history, drift): declared once, opened once.

import { homedir } from 'node:os';
import type { FlagGroup } from '../../shared/cli/flags.js';
import { SqliteHistory, defaultDbPath } from './sqlite.js';

export const HISTORY_DB_FLAGS = {
  db: { type: 'string', describe: 'History database FILE (default $XDG_STATE_HOME/pbxready/history.db)' },
} satisfies FlagGroup;

export function openStore(db: string | undefined): SqliteHistory {
  const path = db ?? defaultDbPath(process.env, homedir());
  // SqliteHistory names the path and the real cause (read-only, full, not a database) itself.
  return new SqliteHistory(path);
}
