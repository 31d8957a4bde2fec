// pbxready-agent report: gather the host's facts once and print them in the chosen format.

import { emit } from '../../shared/cli/cli.js';
import { LOG_LEVEL_FLAGS, OUTPUT_FLAGS, defineCommand, formatFlags } from '../../shared/cli/flags.js';
import { createLogger } from '../../shared/cli/logger.js';
import { agentDocument } from '../../shared/render/agent-document.js';
import { FORMATS, parseFormat, renderReport } from '../../shared/render/index.js';
import { EXIT_CODE } from '../../shared/verdict.js';
import { collectReport } from '../collect.js';
import { DATABASE_FLAGS, HOST_FLAGS, resolveOptions } from '../options.js';

export const report = defineCommand({
  builder: (y) => y.options(HOST_FLAGS).options(DATABASE_FLAGS).options(LOG_LEVEL_FLAGS).options(formatFlags(FORMATS)).options(OUTPUT_FLAGS),
  handler: async (argv) => {
    const format = parseFormat(argv.format);
    const options = resolveOptions(argv);
    const report = await collectReport(options, createLogger(options.logLevel));
    await emit(renderReport(report, format, agentDocument), argv.output);
    process.exitCode = EXIT_CODE[report.verdict];
  },
});
