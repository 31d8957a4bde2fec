// `pbxready history`: the recorded fleet runs, newest first.

import { emit } from '../../shared/cli/cli.js';
import { defineCommand, formatFlags, parseFormatFlag, parsePositiveInt } from '../../shared/cli/flags.js';
import { HISTORY_DB_FLAGS, openStore } from '../history/options.js';

export const LIST_FORMATS = ['text', 'json'] as const;

export const history = defineCommand({
  builder: (y) =>
    y
      .options(HISTORY_DB_FLAGS)
      .option('limit', { type: 'string', default: '50', describe: 'How many runs, newest first' })
      .options(formatFlags(LIST_FORMATS)),
  handler: async (argv) => {
    const format = parseFormatFlag(argv.format, LIST_FORMATS);
    const store = openStore(argv.db);
    try {
      const runs = store.listRuns(parsePositiveInt(argv.limit, '--limit'));
      if (format === 'json') return emit(`${JSON.stringify(runs, null, 2)}\n`, undefined);
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
});
