// `pbxready history`: the recorded fleet runs, newest first.

import { homedir } from 'node:os';
import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../../shared/errors.js';
import { emit, parsePositiveInt } from '../../shared/cli/cli.js';
import { SqliteHistory, defaultDbPath } from '../history/sqlite.js';

export interface HistoryArgs {
  db?: string;
  limit: string;
  format: string;
}

export function openStore(db: string | undefined): SqliteHistory {
  const path = db ?? defaultDbPath(process.env, homedir());
  try {
    return new SqliteHistory(path);
  } catch (err) {
    throw new UsageError(`--db ${path}: ${(err as Error).message}`);
  }
}

export const historyCommand: CommandModule<object, HistoryArgs> = {
  command: 'history',
  describe: 'List recorded fleet scans',
  builder: (y: Argv) =>
    y
      .option('db', { type: 'string', describe: 'History database FILE (default $XDG_STATE_HOME/pbxready/history.db)' })
      .option('limit', { type: 'string', default: '50', describe: 'How many runs, newest first' })
      .option('format', { type: 'string', default: 'text', describe: 'text | json' }) as unknown as Argv<HistoryArgs>,
  handler: async (argv) => {
    if (argv.format !== 'text' && argv.format !== 'json') throw new UsageError(`--format "${argv.format}" is not one of: text, json`);
    const store = openStore(argv.db);
    try {
      const runs = store.listRuns(parsePositiveInt(argv.limit, '--limit'));
      if (argv.format === 'json') return emit(`${JSON.stringify(runs, null, 2)}\n`, undefined);
      const lines = ['RUN  STARTED                   STATUS       HOSTS        NOT-READY UNKNOWN WARNINGS READY  INVENTORY'];
      for (const r of runs) {
        const v = r.verdicts;
        lines.push(
          `${String(r.id).padEnd(4)} ${r.startedAt.padEnd(25)} ${r.status.padEnd(12)} ${`${r.hostsDone}/${r.hostsTotal ?? '?'}`.padEnd(12)} ${String(v['not-ready'] ?? 0).padStart(9)} ${String(v.unknown ?? 0).padStart(7)} ${String(v.warnings ?? 0).padStart(8)} ${String(v.ready ?? 0).padStart(5)}  ${r.inventory}`,
        );
      }
      if (runs.length === 0) lines.push('(no runs recorded yet: pbxready scan --inventory FILE)');
      await emit(`${lines.join('\n')}\n`, undefined);
    } finally {
      store.close();
    }
  },
};
