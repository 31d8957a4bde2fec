// The agent flags shared by `check` and `precheck`: --agent ssh | auto | agentless | URL,
// --agent-token-file, --agent-report, --agent-command, --agent-timeout-ms, --agent-root,
// --agent-asterisk-cmd → one AgentSource, validated before any probe.
// A source's module is loaded only when it is asked for.

import { UsageError } from '../../shared/errors.js';
import { readTokenFile } from '../../shared/cli/token-file.js';
import { parsePositiveInt, type FlagGroup } from '../../shared/cli/flags.js';
import { parseVendorSources } from '../../shared/vendor-sources.js';
import type { AgentSource } from './source.js';
import { isAbsolute } from 'node:path';
import { parseLogLevel } from '../../shared/cli/flags.js';
import { AGENT_THRESHOLDS } from '../../shared/rules/agent-thresholds.js';
import type { AgentlessOptions } from '../agentless/collect.js';
import type { Logger } from 'pino';
import { parseAgentSpec, type AgentSpec } from './spec.js';

/** What --agent ssh runs on the host unless --agent-command says otherwise. */
export const DEFAULT_AGENT_COMMAND = 'pbxready-agent report --format json';

/** Over the SSH login: the installed agent, else agentless (ssh and auto); agentless outright. */
const SSH_MODES = ['ssh', 'auto', 'agentless'] as const;

export interface AgentArgs {
  agent?: string | undefined;
  agentTokenFile?: string | undefined;
  agentReport?: string | undefined;
  agentCommand?: string | undefined;
  agentTimeoutMs?: string | undefined;
  agentRoot?: string | undefined;
  agentAsteriskCmd?: string | undefined;
  vendorSources?: string | undefined;
}

export const AGENT_TIMEOUT_MS = 30_000;

const AGENT_TIMEOUT_FLAG = {
  'agent-timeout-ms': { type: 'string', default: String(AGENT_TIMEOUT_MS), describe: 'Time limit of the agent run or fetch' },
} satisfies FlagGroup;

export const AGENT_FLAGS = {
  agent: {
    type: 'string',
    describe: 'Merge the host\'s inside view: "ssh" or "auto" (over the SSH login being checked: pbxready-agent when installed, else agentless), "agentless" (a read-only sh script over SSH, nothing installed), or the URL of `pbxready-agent serve`',
  },
  'agent-root': { type: 'string', describe: 'Agentless: read the host\'s files under DIR on the host (default /; a mounted tree or a test sysroot)' },
  'agent-asterisk-cmd': { type: 'string', describe: 'Agentless: the asterisk CLI on the host (default: the product\'s, e.g. "chroot /opt/pbxware/pw asterisk")' },
  'agent-token-file': { type: 'string', describe: 'FILE holding the bearer token for --agent URL' },
  'agent-report': { type: 'string', describe: 'Merge an agent report FILE made on the host (pbxready-agent report --format json)' },
  'agent-command': { type: 'string', describe: `The agent command run by --agent ssh (default "${DEFAULT_AGENT_COMMAND}")` },
  ...AGENT_TIMEOUT_FLAG,
  'vendor-sources': { type: 'string', describe: 'The vendor\'s support source ranges, CIDR[,CIDR…]: does the host\'s own firewall admit them on every required port, is any banned (judged from the agent\'s view)' },
} satisfies FlagGroup;

/** --vendor-sources: validated ranges; it is judged against the host's own firewall, so it needs an agent view. */
export function parseVendorSourcesFlag(a: AgentArgs): { vendorSources?: string[] } {
  if (a.vendorSources === undefined) return {};
  if (a.agent === undefined && a.agentReport === undefined) throw new UsageError('--vendor-sources is judged against the host\'s own firewall: give --agent or --agent-report too');
  return { vendorSources: parseVendorSources(a.vendorSources, '--vendor-sources') };
}

/** Inside views in a fleet scan (inventory `agent:`): how many at once, and each one's time limit. */
export const FLEET_AGENT_DEFAULT_CONCURRENCY = 16;
export const FLEET_AGENT_FLAGS = {
  ...AGENT_TIMEOUT_FLAG,
  'agent-concurrency': { type: 'string', default: String(FLEET_AGENT_DEFAULT_CONCURRENCY), describe: 'Inside views (inventory agent:) fetched at once, apart from the hosts being checked' },
} satisfies FlagGroup;

export function parseFleetAgentFlags(a: { agentTimeoutMs: string; agentConcurrency: string }): { hostsAtOnce: number; timeoutMs: number } {
  return {
    timeoutMs: parsePositiveInt(a.agentTimeoutMs, '--agent-timeout-ms', { max: 600_000 }),
    hostsAtOnce: parsePositiveInt(a.agentConcurrency, '--agent-concurrency', { max: 4096 }),
  };
}

/** What an inventory entry says of its inside view (checker/scan/inventory.ts parses it). */
export interface FleetAgent {
  spec: AgentSpec;
  tokenFile?: string;
  command?: string;
  root?: string;
  asteriskCmd?: string;
}

/**
 * An inventory entry's inside view → its source, through the same sources as `check --agent` (the
 * token read once per file, a secret from then on). A bad value is thrown as a UsageError: the
 * caller rejects that entry only.
 */
export async function fleetAgentSource(agent: FleetAgent, timeoutMs: number, tokens: Map<string, Promise<string>>, log: Logger): Promise<AgentSource> {
  if (agent.spec.kind === 'ssh') {
    const mode = agent.spec.mode;
    const agentless = agentlessOptions({ agentRoot: agent.root, agentAsteriskCmd: agent.asteriskCmd }, 'agent_root', 'agent_asterisk_cmd');
    return (await import('./ssh.js')).sshAgentSource(agent.command ?? DEFAULT_AGENT_COMMAND, timeoutMs, { mode: mode === 'agentless' ? 'agentless' : 'agent-or-agentless', agentless, log });
  }
  const file = agent.tokenFile!;
  let token = tokens.get(file);
  if (!token) tokens.set(file, (token = readAgentToken(file, 'agent_token_file')));
  // Awaited before anything else: a rejected read must have its handler at once (else: unhandled).
  const bearer = await token;
  return (await import('./http.js')).httpAgentSource(agent.spec.url, bearer, timeoutMs);
}

/** The token of `pbxready-agent serve`, from the file named (flag or inventory): a secret from then on. */
export async function readAgentToken(file: string, what = '--agent-token-file'): Promise<string> {
  // Private to its owner, and a token a bearer header can carry (shared/cli/token-file.ts).
  return readTokenFile(file, what);
}

const readToken = (file: string) => readAgentToken(file);

/** The source the flags ask for, or null when none is asked for. Bad combinations are usage errors. */
export async function agentSourceFromArgs(a: AgentArgs & { sshUser?: string | undefined; logLevel?: string | undefined }): Promise<AgentSource | null> {
  const timeoutMs = parsePositiveInt(a.agentTimeoutMs ?? String(AGENT_TIMEOUT_MS), '--agent-timeout-ms', { max: 600_000 });
  if (a.agent !== undefined && a.agentReport !== undefined) throw new UsageError('give --agent or --agent-report, not both');
  const overSsh = (SSH_MODES as readonly (string | undefined)[]).includes(a.agent);
  if (a.agentCommand !== undefined && a.agent !== 'ssh' && a.agent !== 'auto') throw new UsageError('--agent-command needs --agent ssh or auto');
  if (a.agentTokenFile !== undefined && (a.agent === undefined || overSsh)) throw new UsageError('--agent-token-file needs --agent URL');
  for (const [flag, v] of [['--agent-root', a.agentRoot], ['--agent-asterisk-cmd', a.agentAsteriskCmd]] as const) {
    if (v !== undefined && !overSsh) throw new UsageError(`${flag} needs --agent ssh, auto or agentless`);
  }
  if (a.agentReport !== undefined) return (await import('./file.js')).fileAgentSource(a.agentReport);
  if (a.agent === undefined) return null;
  if (overSsh) {
    if (a.sshUser === undefined) throw new UsageError(`--agent ${a.agent} runs ${a.agent === 'agentless' ? 'its script' : 'the agent'} over the SSH login: give --ssh-user with --ssh-key or --ssh-password-env`);
    const command = (a.agentCommand ?? DEFAULT_AGENT_COMMAND).trim();
    if (command === '') throw new UsageError('--agent-command is empty');
    const agentless = agentlessOptions(a);
    const level = parseLogLevel(a.logLevel ?? 'warn');
    const log = (await import('../../shared/cli/logger.js')).createLogger(level);
    return (await import('./ssh.js')).sshAgentSource(command, timeoutMs, { mode: a.agent === 'agentless' ? 'agentless' : 'agent-or-agentless', agentless, log });
  }
  // The one parser of an agent value, shared with the inventory's `agent:` field.
  const spec = parseAgentSpec(a.agent);
  if ('problem' in spec) throw new UsageError(`--agent ${spec.problem.replace('a token file', '--agent-token-file')}`);
  if (spec.kind !== 'url') throw new UsageError(`--agent "${a.agent}" is neither ssh, auto, agentless nor a URL`);
  if (a.agentTokenFile === undefined) throw new UsageError('--agent URL needs --agent-token-file FILE');
  return (await import('./http.js')).httpAgentSource(spec.url, await readToken(a.agentTokenFile), timeoutMs);
}

/** The agentless collector's settings for a host tree and an asterisk CLI (null: find it); the agent's own defaults otherwise. */
export function agentlessDefaults(root: string, asteriskCmd: string[] | null): AgentlessOptions {
  return { root, asteriskCmd, cdrTable: null, timeoutMs: 3000, ports: [], vps: null, paths: {}, thresholds: AGENT_THRESHOLDS };
}

/** What the agentless collector reads and how: the agent's own defaults, a root and an asterisk CLI from the flags. */
function agentlessOptions(a: AgentArgs, rootName = '--agent-root', asteriskName = '--agent-asterisk-cmd'): AgentlessOptions {
  const root = a.agentRoot ?? '/';
  // The path is the host's: it need not exist here, but it must be absolute and one line.
  if (!isAbsolute(root) || /[\0\n]/.test(root)) throw new UsageError(`${rootName} "${root}" must be an absolute path on the host`);
  let asteriskCmd: string[] | null = null;
  if (a.agentAsteriskCmd !== undefined) {
    asteriskCmd = a.agentAsteriskCmd.trim().split(/\s+/).filter(Boolean);
    if (!asteriskCmd.length) throw new UsageError(`${asteriskName} is empty`);
  }
  return agentlessDefaults(root === '/' ? '/' : root.replace(/\/+$/, ''), asteriskCmd);
}
