// pbxready-agent snapshot: save a (redacted) JSON report under the state directory, atomically.

import { join } from 'node:path';
import { writeFileAtomic } from '../../shared/cli/atomic-write.js';
import { checkWritableDir } from '../../shared/cli/paths.js';
import { LOG_LEVEL_FLAGS, defineCommand } from '../../shared/cli/flags.js';
import { createLogger } from '../../shared/cli/logger.js';
import { agentDocument } from '../../shared/render/agent-document.js';
import { renderReport } from '../../shared/render/index.js';
import { collectReport } from '../collect.js';
import { DATABASE_FLAGS, HOST_FLAGS, STATE_DIR_FLAGS, resolveOptions } from '../options.js';
import { snapshotName, stateDir } from '../state.js';

export const snapshot = defineCommand({
  builder: (y) => y.options(HOST_FLAGS).options(DATABASE_FLAGS).options(LOG_LEVEL_FLAGS).options(STATE_DIR_FLAGS),
  handler: async (argv) => {
    const options = resolveOptions(argv);
    const dir = stateDir(argv.stateDir);
    // Before collecting: an unusable state directory is said at once, naming it and why.
    checkWritableDir(dir, '--state-dir');
    const report = await collectReport(options, createLogger(options.logLevel));
    const file = join(dir, snapshotName(new Date(report.generatedAt)));
    await writeFileAtomic(file, renderReport(report, 'json', agentDocument), 0o600);
    process.stdout.write(`${file}\n`);
  },
});
