// `pbxready check HOST`: flags → CheckOptions → runCheck → one report on stdout or --output FILE.
// Thin: every decision lives in checker/check.ts and the pure rules; every flag in its group.

import type { Argv } from 'yargs';
import { emit } from '../../shared/cli/cli.js';
import { LOG_LEVEL_FLAGS, OUTPUT_FLAGS, defineCommand, formatFlags, parseLogLevel } from '../../shared/cli/flags.js';
import { FORMATS, parseFormat, renderReport } from '../../shared/render/index.js';
import { parseHost } from '../../shared/rules/target.js';
import { EXIT_CODE } from '../../shared/verdict.js';
import { AGENT_FLAGS, agentSourceFromArgs, parseVendorSourcesFlag, type AgentArgs } from '../agent-source/options.js';
import { ATTACH_TO_TICKET_FLAGS, attachIfPlanned, planAttachToTicket } from '../attach-to-ticket.js';
import { LIMIT_FLAGS, SSH_FLAGS, TARGET_FLAGS, makeCheckOptions, parseLimitFlags, parseSshFlags, parseTargetFlags, type CheckOptions, type SshArgs } from '../check-options.js';

/** Every flag `check` takes (precheck takes them too, plus --to). */
export function checkFlags(y: Argv) {
  return y
    .positional('host', { type: 'string', describe: 'PBX name or IP address (every A/AAAA address is checked)', demandOption: true })
    .options(TARGET_FLAGS)
    .options(LIMIT_FLAGS)
    .option('icmp', { type: 'boolean', default: true, describe: 'Ping the host (needs root/CAP_NET_RAW; never decides the verdict); --no-icmp skips it' })
    .options(formatFlags(FORMATS))
    .options(OUTPUT_FLAGS)
    .options(LOG_LEVEL_FLAGS)
    .options(SSH_FLAGS)
    .options(AGENT_FLAGS)
    .options(ATTACH_TO_TICKET_FLAGS);
}

interface CheckArgs extends SshArgs, AgentArgs {
  host: string;
  product: string;
  ports?: string | undefined;
  timeoutMs: string;
  maxConnections: string;
  allowPrivate: boolean;
  icmp: boolean;
}

/** Validate every flag eagerly, with a message naming it; defaults merged in makeCheckOptions. */
export async function buildCheckOptions(a: CheckArgs): Promise<CheckOptions> {
  return makeCheckOptions({ host: parseHost(a.host), ...parseTargetFlags(a), ...parseLimitFlags(a), icmp: a.icmp, ...(await parseSshFlags(a)), ...parseVendorSourcesFlag(a) });
}

/** The probes (ssh2, HTTP), the logger and the renderers: loaded once the flags are good, so `check --help` needs none. */
export async function loadCheckRun() {
  const [check, agent, logger, joint] = await Promise.all([import('../check.js'), import('../agent-source/index.js'), import('../../shared/cli/logger.js'), import('../../shared/render/joint-document.js')]);
  return { DEFAULT_DEPS: check.DEFAULT_DEPS, runCheck: check.runCheck, withAgent: agent.withAgent, fetchAndMerge: agent.fetchAndMerge, createLogger: logger.createLogger, checkWithAgentDocument: joint.checkWithAgentDocument };
}

export const check = defineCommand({
  builder: checkFlags,
  handler: async (argv) => {
    const format = parseFormat(argv.format);
    const logLevel = parseLogLevel(argv.logLevel);
    const options = await buildCheckOptions(argv);
    const agentSource = await agentSourceFromArgs(argv);
    const ticket = await planAttachToTicket(argv);
    const { DEFAULT_DEPS, runCheck, withAgent, createLogger, checkWithAgentDocument } = await loadCheckRun();
    const logger = createLogger(logLevel);
    logger.debug({ host: options.host, product: options.product, ports: options.ports }, 'check starts');
    const outside = await runCheck(options, { ...DEFAULT_DEPS, debug: (msg, fields) => logger.debug(fields ?? {}, msg) });
    const report = await withAgent(outside, agentSource, options);
    logger.info({ verdict: report.verdict, durationMs: report.durationMs }, 'check done');
    await emit(renderReport(report, format, checkWithAgentDocument), argv.output);
    await attachIfPlanned(ticket, report);
    process.exitCode = EXIT_CODE[report.verdict];
  },
});
