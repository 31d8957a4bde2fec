// pbxready-agent diff [A] [B]: what changed between two snapshots (default: the two newest).

import { emit } from '../../shared/cli/cli.js';
import { OUTPUT_FLAGS, defineCommand, formatFlags } from '../../shared/cli/flags.js';
import { UsageError } from '../../shared/errors.js';
import { diffDocument } from '../../shared/render/agent-document.js';
import { FORMATS, parseFormat, renderReport } from '../../shared/render/index.js';
import { diffAgentReports } from '../../shared/snapshot-diff.js';
import { STATE_DIR_FLAGS } from '../options.js';
import { listSnapshots, readAgentReport, stateDir } from '../state.js';

export const diff = defineCommand({
  builder: (y) =>
    y
      .positional('before', { type: 'string', describe: 'the earlier report (default: the second newest snapshot)' })
      .positional('after', { type: 'string', describe: 'the later report (default: the newest snapshot)' })
      .options(formatFlags(FORMATS))
      .options(OUTPUT_FLAGS)
      .options(STATE_DIR_FLAGS),
  handler: async (argv) => {
    const format = parseFormat(argv.format);
    let files: string[];
    if (argv.before && argv.after) files = [argv.before, argv.after];
    else {
      const dir = stateDir(argv.stateDir);
      const snaps = await listSnapshots(dir);
      files = argv.before ? [argv.before, snaps[snaps.length - 1] ?? ''] : snaps.slice(-2);
      if (files.length < 2 || files.some((f) => !f)) throw new UsageError(`diff needs two reports: give two files, or take two snapshots first (found ${snaps.length} in ${dir})`);
    }
    const [before, after] = await Promise.all(files.map(readAgentReport));
    await emit(renderReport(diffAgentReports(before!, after!), format, diffDocument), argv.output);
  },
});
