// `pbxready check HOST`: flags → CheckOptions → runCheck → one report on stdout or --output FILE.
// Thin: every decision lives in checker/check.ts and the pure rules; every flag in its group.

import type { Argv } from 'yargs';
import { emit } from '../../shared/cli/cli.js';
import { LOG_LEVEL_FLAGS, OUTPUT_FLAGS, defineCommand, formatFlags, parseLogLevel } from '../../shared/cli/flags.js';
import { createLogger } from '../../shared/cli/logger.js';
import { FORMATS, parseFormat, renderReport } from '../../shared/render/index.js';
import { checkWithAgentDocument } from '../../shared/render/joint-document.js';
import { parseHost } from '../../shared/rules/target.js';
import { EXIT_CODE } from '../../shared/verdict.js';
import { AGENT_FLAGS, agentSourceFromArgs, type AgentArgs } from '../agent-source/options.js';
import { withAgent } from '../agent-source/index.js';
import { ATTACH_TO_TICKET_FLAGS, attachIfPlanned, planAttachToTicket } from '../attach-to-ticket.js';
import { DEFAULT_DEPS, runCheck } from '../check.js';
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
  return makeCheckOptions({ host: parseHost(a.host), ...parseTargetFlags(a), ...parseLimitFlags(a), icmp: a.icmp, ...(await parseSshFlags(a)) });
}

export const check = defineCommand({
  builder: checkFlags,
  handler: async (argv) => {
    const format = parseFormat(argv.format);
    const logger = createLogger(parseLogLevel(argv.logLevel));
    const options = await buildCheckOptions(argv);
    const agentSource = await agentSourceFromArgs(argv);
    const ticket = await planAttachToTicket(argv);
    logger.debug({ host: options.host, product: options.product, ports: options.ports }, 'check starts');
    const outside = await runCheck(options, { ...DEFAULT_DEPS, debug: (msg, fields) => logger.debug(fields ?? {}, msg) });
    const report = await withAgent(outside, agentSource, options);
    logger.info({ verdict: report.verdict, durationMs: report.durationMs }, 'check done');
    await emit(renderReport(report, format, checkWithAgentDocument), argv.output);
    await attachIfPlanned(ticket, report);
    process.exitCode = EXIT_CODE[report.verdict];
  },
});
