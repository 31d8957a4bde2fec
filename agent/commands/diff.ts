// pbxready-agent diff [A] [B]: what changed between two snapshots (default: the two newest).

import type { CommandModule } from 'yargs';
import { UsageError } from '../../shared/errors.js';
import { emit } from '../../shared/cli/cli.js';
import { diffDocument } from '../../shared/render/agent-document.js';
import { parseFormat, renderReport } from '../../shared/render/index.js';
import { diffAgentReports } from '../../shared/snapshot-diff.js';
import { listSnapshots, readAgentReport, stateDir } from '../state.js';

interface DiffArgs {
  before?: string;
  after?: string;
  format: string;
  output?: string;
  'state-dir'?: string;
}

export const diffCommand: CommandModule<object, DiffArgs> = {
  command: 'diff [before] [after]',
  describe: 'Show what changed between two snapshots: versions, endpoints, trunks, calls, disks, findings',
  builder: (y) =>
    y
      .positional('before', { type: 'string', describe: 'the earlier report (default: the second newest snapshot)' })
      .positional('after', { type: 'string', describe: 'the later report (default: the newest snapshot)' })
      .option('format', { type: 'string', default: 'text', describe: 'text | json | markdown | html' })
      .option('output', { type: 'string', describe: 'write the diff to FILE (atomically)' })
      .option('state-dir', { type: 'string', describe: 'where snapshots are kept' }) as never,
  handler: async (argv) => {
    const format = parseFormat(argv.format);
    let files: string[];
    if (argv.before && argv.after) files = [argv.before, argv.after];
    else {
      const dir = stateDir(argv['state-dir']);
      const snaps = await listSnapshots(dir);
      files = argv.before ? [argv.before, snaps[snaps.length - 1] ?? ''] : snaps.slice(-2);
      if (files.length < 2 || files.some((f) => !f)) throw new UsageError(`diff needs two reports: give two files, or take two snapshots first (found ${snaps.length} in ${dir})`);
    }
    const [before, after] = await Promise.all(files.map(readAgentReport));
    await emit(renderReport(diffAgentReports(before!, after!), format, diffDocument), argv.output);
  },
};
