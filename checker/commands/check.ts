// `pbxready check HOST`: flags → CheckOptions → runCheck → one report on stdout or --output FILE.
// Thin: every decision lives in checker/check.ts and the pure rules.

import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../../shared/errors.js';
import { emit, parsePortList, parsePositiveInt, readNamedFile, secretFromEnv } from '../../shared/cli/cli.js';
import { createLogger, parseLogLevel } from '../../shared/cli/logger.js';
import { normaliseFingerprint } from '../probes/known-hosts.js';
import type { ProductChoice } from '../../shared/model.js';
import { PRODUCTS } from '../../shared/profiles.js';
import { secrets } from '../../shared/redact.js';
import { parseFormat, renderReport } from '../../shared/render/index.js';
import { parseHost } from '../../shared/rules/target.js';
import { EXIT_CODE } from '../../shared/verdict.js';
import { DEFAULT_DEPS, runCheck } from '../check.js';
import { CHECK_DEFAULTS, type CheckOptions, type SshCredentials } from '../check-options.js';
// Inside view (issue 4): --agent flags and the merge step live in checker/agent-source.
import { agentSourceFromArgs, withAgent, withAgentOptions, type AgentArgs } from '../agent-source/index.js';
import { checkWithAgentDocument } from '../../shared/render/joint-document.js';
import { attachIfPlanned, planAttachToTicket, withAttachToTicketOptions } from '../attach-to-ticket.js';

const PRODUCT_CHOICES: readonly ProductChoice[] = ['auto', ...PRODUCTS];

export interface CheckArgs extends AgentArgs {
  host: string;
  product: string;
  ports?: string;
  timeoutMs: string;
  maxConnections: string;
  allowPrivate: boolean;
  icmp: boolean;
  format: string;
  output?: string;
  logLevel: string;
  sshUser?: string;
  sshKey?: string;
  sshPasswordEnv?: string;
  sshFingerprint?: string;
  knownHosts?: string;
}

export function parseProduct(value: string): ProductChoice {
  if ((PRODUCT_CHOICES as readonly string[]).includes(value)) return value as ProductChoice;
  throw new UsageError(`unknown product "${value}" (expected one of: ${PRODUCT_CHOICES.join(', ')})`);
}

async function sshCredentials(a: CheckArgs): Promise<SshCredentials | undefined> {
  if (a.sshKey !== undefined && a.sshPasswordEnv !== undefined) throw new UsageError('give --ssh-key or --ssh-password-env, not both');
  if (a.sshUser === undefined) {
    if (a.sshKey !== undefined || a.sshPasswordEnv !== undefined) throw new UsageError('--ssh-key and --ssh-password-env need --ssh-user');
    return undefined;
  }
  const user = a.sshUser.trim();
  if (user === '') throw new UsageError('--ssh-user is empty');
  if (a.sshKey !== undefined) {
    const privateKey = await readNamedFile(a.sshKey, '--ssh-key');
    secrets.add(privateKey.toString('utf8').trim());
    return { user, privateKey };
  }
  if (a.sshPasswordEnv !== undefined) return { user, password: secretFromEnv(a.sshPasswordEnv, '--ssh-password-env') };
  throw new UsageError('--ssh-user needs --ssh-key FILE or --ssh-password-env VAR');
}

/** Validate every flag eagerly, with a message naming it; merge defaults in one place. */
export async function buildCheckOptions(a: CheckArgs): Promise<CheckOptions> {
  const options: CheckOptions = {
    ...CHECK_DEFAULTS,
    host: parseHost(a.host),
    product: parseProduct(a.product),
    timeoutMs: parsePositiveInt(a.timeoutMs, '--timeout-ms', { max: 600_000 }),
    perHostConcurrency: parsePositiveInt(a.maxConnections, '--max-connections', { max: 64 }),
    allowPrivate: a.allowPrivate,
    icmp: a.icmp,
  };
  if (a.ports !== undefined) options.ports = parsePortList(a.ports);
  const ssh = await sshCredentials(a);
  if (ssh) options.ssh = ssh;
  if (a.sshFingerprint !== undefined) {
    const fp = normaliseFingerprint(a.sshFingerprint);
    if (!fp) throw new UsageError(`--ssh-fingerprint "${a.sshFingerprint}" is not a fingerprint (expected SHA256:… as ssh-keygen -l prints)`);
    options.sshFingerprint = fp;
  }
  if (a.knownHosts !== undefined) options.knownHostsFile = a.knownHosts;
  return options;
}

export const checkCommand: CommandModule<object, CheckArgs> = {
  command: 'check <host>',
  describe: 'Check from outside whether a PBX is reachable for vendor support',
  builder: (y: Argv) =>
    withAttachToTicketOptions(withAgentOptions(y))
      .positional('host', { type: 'string', describe: 'PBX name or IP address (every A/AAAA address is checked)', demandOption: true })
      .option('product', { type: 'string', default: 'auto', describe: 'pbxware | serverware | issabel | auto (decide from what answers)' })
      .option('ports', { type: 'string', describe: 'Required ports instead of the profile, e.g. 443,2020 or 8000-8010' })
      .option('timeout-ms', { type: 'string', default: String(CHECK_DEFAULTS.timeoutMs), describe: 'Time limit of each probe (connect, TLS, HTTP, SSH)' })
      .option('max-connections', { type: 'string', default: String(CHECK_DEFAULTS.perHostConcurrency), describe: 'Connections open at once to the host (intrusion protection)' })
      .option('allow-private', { type: 'boolean', default: false, describe: 'Private/loopback targets are a lab: TARGET_NOT_PUBLIC becomes info' })
      .option('icmp', { type: 'boolean', default: true, describe: 'Ping the host (needs root/CAP_NET_RAW; never decides the verdict); --no-icmp skips it' })
      .option('format', { type: 'string', default: 'text', describe: 'text | json | markdown | html' })
      .option('output', { type: 'string', describe: 'Write the report to FILE (atomically) instead of stdout' })
      .option('log-level', { type: 'string', default: 'warn', describe: 'silent | error | warn | info | debug | trace (logs go to stderr)' })
      .option('ssh-user', { type: 'string', describe: 'Test SSH login as this user (with --ssh-key or --ssh-password-env)' })
      .option('ssh-key', { type: 'string', describe: 'Private key FILE for the SSH login test' })
      .option('ssh-password-env', { type: 'string', describe: 'Name of the environment VARiable holding the SSH password (never on the command line)' })
      .option('ssh-fingerprint', { type: 'string', describe: 'Pin the SSH host key: SHA256:… (as ssh-keygen -l prints)' })
      .option('known-hosts', { type: 'string', describe: 'Pin the SSH host key with an OpenSSH known_hosts FILE' }) as unknown as Argv<CheckArgs>,
  handler: async (argv) => {
    const format = parseFormat(argv.format);
    const logger = createLogger(parseLogLevel(argv.logLevel));
    const options = await buildCheckOptions(argv);
    const agentSource = await agentSourceFromArgs(argv);
    const ticket = await planAttachToTicket(argv as unknown as Record<string, unknown>);
    logger.debug({ host: options.host, product: options.product, ports: options.ports }, 'check starts');
    const outside = await runCheck(options, { ...DEFAULT_DEPS, debug: (msg, fields) => logger.debug(fields ?? {}, msg) });
    const report = await withAgent(outside, agentSource, options);
    logger.info({ verdict: report.verdict, durationMs: report.durationMs }, 'check done');
    await emit(renderReport(report, format, checkWithAgentDocument), argv.output);
    await attachIfPlanned(ticket, report);
    process.exitCode = EXIT_CODE[report.verdict];
  },
};
