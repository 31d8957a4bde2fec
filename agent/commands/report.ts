// pbxready-agent report: gather the host's facts once and print them in the chosen format.

import type { CommandModule } from 'yargs';
import { emit } from '../../shared/cli/cli.js';
import { createLogger } from '../../shared/cli/logger.js';
import { agentDocument } from '../../shared/render/agent-document.js';
import { parseFormat, renderReport } from '../../shared/render/index.js';
import { EXIT_CODE } from '../../shared/verdict.js';
import { collectReport } from '../collect.js';
import { resolveOptions, withCommonOptions, type CommonArgs } from '../options.js';

interface ReportArgs extends CommonArgs {
  format: string;
  output?: string;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report',
  describe: 'Report disks, database, CDR table, Asterisk and versions of this PBX host (read-only)',
  builder: (y) =>
    withCommonOptions(y)
      .option('format', { type: 'string', default: 'text', describe: 'text | json | markdown | html' })
      .option('output', { type: 'string', describe: 'write the report to FILE (atomically) instead of stdout' }) as never,
  handler: async (argv) => {
    const format = parseFormat(argv.format);
    const options = resolveOptions(argv);
    const report = await collectReport(options, createLogger(options.logLevel));
    await emit(renderReport(report, format, agentDocument), argv.output);
    process.exitCode = EXIT_CODE[report.verdict];
  },
};
