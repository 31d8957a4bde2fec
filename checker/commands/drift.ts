// `pbxready drift [--since RUN]`: what changed per host between two recorded runs.

import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../../shared/errors.js';
import { emit, parsePositiveInt } from '../../shared/cli/cli.js';
import { computeDrift, pickRuns } from '../history/drift.js';
import { openStore } from './history.js';

export interface DriftArgs {
  db?: string;
  since?: string;
  run?: string;
  format: string;
}

export const driftCommand: CommandModule<object, DriftArgs> = {
  command: 'drift',
  describe: 'What changed per host between two fleet scans (default: the newest complete run vs the complete run of the same inventory before it)',
  builder: (y: Argv) =>
    y
      .option('db', { type: 'string', describe: 'History database FILE (default $XDG_STATE_HOME/pbxready/history.db)' })
      .option('since', { type: 'string', describe: 'Compare with this RUN (default: the previous complete run of the same inventory)' })
      .option('run', { type: 'string', describe: 'The later RUN (default: the newest complete run)' })
      .option('format', { type: 'string', default: 'text', describe: 'text | json' }) as unknown as Argv<DriftArgs>,
  handler: async (argv) => {
    if (argv.format !== 'text' && argv.format !== 'json') throw new UsageError(`--format "${argv.format}" is not one of: text, json`);
    const since = argv.since !== undefined ? parsePositiveInt(argv.since, '--since') : undefined;
    const to = argv.run !== undefined ? parsePositiveInt(argv.run, '--run') : undefined;
    const store = openStore(argv.db);
    try {
      const runs = pickRuns(store, since, to);
      if (!runs) throw new UsageError('need two recorded runs to compare (pbxready history lists them)');
      const drift = computeDrift(store, runs.from, runs.to);
      if (argv.format === 'json') return emit(`${JSON.stringify(drift, null, 2)}\n`, undefined);
      const lines = [`Changes from run ${drift.fromRun} to run ${drift.toRun}: ${drift.changes.length}`];
      for (const c of drift.changes) lines.push(`  ${c.worse ? '!' : '-'} ${c.message}`);
      await emit(`${lines.join('\n')}\n`, undefined);
    } finally {
      store.close();
    }
  },
};
