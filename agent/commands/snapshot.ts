// pbxready-agent snapshot: save a (redacted) JSON report under the state directory, atomically.

import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { writeFileAtomic } from '../../shared/cli/atomic-write.js';
import { createLogger } from '../../shared/cli/logger.js';
import { agentDocument } from '../../shared/render/agent-document.js';
import { renderReport } from '../../shared/render/index.js';
import { collectReport } from '../collect.js';
import { resolveOptions, withCommonOptions, type CommonArgs } from '../options.js';
import { snapshotName, stateDir } from '../state.js';

interface SnapshotArgs extends CommonArgs {
  'state-dir'?: string;
}

export const snapshotCommand: CommandModule<object, SnapshotArgs> = {
  command: 'snapshot',
  describe: 'Save a report under the state directory (before/after evidence for `diff`)',
  builder: (y) => withCommonOptions(y).option('state-dir', { type: 'string', describe: 'where snapshots are kept (default $XDG_STATE_HOME/pbxready, /var/lib/pbxready as root)' }) as never,
  handler: async (argv) => {
    const options = resolveOptions(argv);
    const report = await collectReport(options, createLogger(options.logLevel));
    const file = join(stateDir(argv['state-dir']), snapshotName(new Date(report.generatedAt)));
    await writeFileAtomic(file, renderReport(report, 'json', agentDocument), 0o600);
    process.stdout.write(`${file}\n`);
  },
};
