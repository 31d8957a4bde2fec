// `pbxready drift [--since RUN]`: what changed per host between two recorded runs.

import { emit } from '../../shared/cli/cli.js';
import { defineCommand, formatFlags, parseFormatFlag, parsePositiveInt } from '../../shared/cli/flags.js';
import { UsageError } from '../../shared/errors.js';
import { computeDrift, pickRuns } from '../history/drift.js';
import { DRIFT_FLAGS, HISTORY_DB_FLAGS, openStore, parseDriftFlags } from '../history/options.js';
import { LIST_FORMATS } from './history.js';

export const drift = defineCommand({
  builder: (y) =>
    y
      .options(HISTORY_DB_FLAGS)
      .options(DRIFT_FLAGS)
      .option('since', { type: 'string', describe: 'Compare with this RUN (default: the previous complete run of the same inventory)' })
      .option('run', { type: 'string', describe: 'The later RUN (default: the newest complete run)' })
      .options(formatFlags(LIST_FORMATS)),
  handler: async (argv) => {
    const format = parseFormatFlag(argv.format, LIST_FORMATS);
    const since = argv.since !== undefined ? parsePositiveInt(argv.since, '--since') : undefined;
    const to = argv.run !== undefined ? parsePositiveInt(argv.run, '--run') : undefined;
    const thresholds = parseDriftFlags(argv);
    const store = openStore(argv.db);
    try {
      const runs = pickRuns(store, since, to);
      if (!runs) throw new UsageError('need two recorded runs to compare (pbxready history lists them)');
      const drift = computeDrift(store, runs.from, runs.to, thresholds);
      if (format === 'json') return emit(`${JSON.stringify(drift, null, 2)}\n`, undefined);
      const lines = [`Changes from run ${drift.fromRun} to run ${drift.toRun}: ${drift.changes.length}`];
      for (const c of drift.changes) lines.push(`  ${c.worse ? '!' : c.recovery ? '+' : '-'} ${c.message}`);
      await emit(`${lines.join('\n')}\n`, undefined);
    } finally {
      store.close();
    }
  },
});
