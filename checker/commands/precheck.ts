// `pbxready precheck HOST [--to VERSION]`: the vendor's upgrade pre-check from both views.
// Same reachability/SSH/agent flags, formats and exit codes as `check` (go 0, warnings 1, no-go 2, unknown 3).

import { emit } from '../../shared/cli/cli.js';
import { defineCommand, parseLogLevel } from '../../shared/cli/flags.js';
import { UsageError } from '../../shared/errors.js';
import { precheckReport, versionOf } from '../../shared/precheck.js';
import { parseFormat, renderReport } from '../../shared/render/index.js';
import { precheckDocument } from '../../shared/render/precheck-document.js';
import { EXIT_CODE } from '../../shared/verdict.js';
import { agentSourceFromArgs } from '../agent-source/options.js';
import type { AgentOutcome } from '../agent-source/source.js';
import { attachIfPlanned, planAttachToTicket } from '../attach-to-ticket.js';
import { buildCheckOptions, checkFlags, loadCheckRun } from './check.js';

export function parseTargetVersion(value: string | undefined): string | null {
  if (value === undefined) return null;
  const v = value.trim();
  if (!/^\d+(\.\d+){0,3}([-.\w]*)$/.test(v) || !versionOf(v)) throw new UsageError(`--to "${value}" is not a version (expected e.g. 7.2 or 7.2.1)`);
  return v;
}

const NO_AGENT = 'no agent was asked for';

export const precheck = defineCommand({
  // The same flags as `check` (reachability, SSH login, agent), plus the target version.
  builder: (y) => checkFlags(y).option('to', { type: 'string', describe: 'The version to upgrade to (a downgrade or the same version is refused)' }),
  handler: async (argv) => {
    const format = parseFormat(argv.format);
    const logLevel = parseLogLevel(argv.logLevel);
    const targetVersion = parseTargetVersion(argv.to);
    const options = await buildCheckOptions(argv);
    const source = await agentSourceFromArgs(argv);
    const ticket = await planAttachToTicket(argv);
    const { DEFAULT_DEPS, runCheck, fetchAndMerge, createLogger } = await loadCheckRun();
    const logger = createLogger(logLevel);
    const started = Date.now();
    const outside = await runCheck(options, { ...DEFAULT_DEPS, debug: (msg, fields) => logger.debug(fields ?? {}, msg) });
    let check = outside;
    let outcome: AgentOutcome | null = null;
    if (source) ({ report: check, outcome } = await fetchAndMerge(outside, source, options));
    const report = precheckReport(
      {
        check,
        targetVersion,
        ...(outcome?.ok ? { agentVia: outcome.via } : {}),
        ...(outcome && !outcome.ok ? { agentProblem: outcome.failure.reason } : !outcome ? { agentProblem: NO_AGENT } : {}),
      },
      Date.now() - started,
    );
    logger.info({ decision: report.decision, durationMs: report.durationMs }, 'precheck done');
    await emit(renderReport(report, format, precheckDocument), argv.output);
    // A copy: its type is an object literal's, which a ticket's open report shape accepts.
    await attachIfPlanned(ticket, { ...report });
    process.exitCode = EXIT_CODE[report.verdict];
  },
});
