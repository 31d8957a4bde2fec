// The agent flags shared by `check` and `precheck`: --agent ssh | auto | agentless | URL,
// --agent-token-file, --agent-report, --agent-command, --agent-timeout-ms, --agent-root,
// --agent-asterisk-cmd → one AgentSource, validated before any probe.
// A source's module is loaded only when it is asked for.

import { UsageError } from '../../shared/errors.js';
import { readNamedFile } from '../../shared/cli/cli.js';
import { parsePositiveInt, type FlagGroup } from '../../shared/cli/flags.js';
import { secrets } from '../../shared/redact.js';
import { parseVendorSources } from '../../shared/vendor-sources.js';
import type { AgentSource } from './source.js';
import { isAbsolute } from 'node:path';
import { parseLogLevel } from '../../shared/cli/flags.js';
import { AGENT_THRESHOLDS } from '../../shared/rules/agent.js';
import type { AgentlessOptions } from '../agentless/collect.js';

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
  'agent-timeout-ms': { type: 'string', default: String(AGENT_TIMEOUT_MS), describe: 'Time limit of the agent run or fetch' },
  'vendor-sources': { type: 'string', describe: 'The vendor\'s support source ranges, CIDR[,CIDR…]: does the host\'s own firewall admit them on every required port, is any banned (judged from the agent\'s view)' },
} satisfies FlagGroup;

/** --vendor-sources: validated ranges; it is judged against the host's own firewall, so it needs an agent view. */
export function parseVendorSourcesFlag(a: AgentArgs): { vendorSources?: string[] } {
  if (a.vendorSources === undefined) return {};
  if (a.agent === undefined && a.agentReport === undefined) throw new UsageError('--vendor-sources is judged against the host\'s own firewall: give --agent or --agent-report too');
  return { vendorSources: parseVendorSources(a.vendorSources, '--vendor-sources') };
}

async function readToken(file: string): Promise<string> {
  const token = (await readNamedFile(file, '--agent-token-file')).toString('utf8').trim();
  if (token === '') throw new UsageError(`--agent-token-file: ${file} is empty`);
  secrets.add(token);
  return token;
}

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
  let url: URL;
  try {
    url = new URL(a.agent);
  } catch {
    throw new UsageError(`--agent "${a.agent}" is neither ssh, auto, agentless nor a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--agent URL must be http:// or https:// (got ${url.protocol})`);
  if (url.username || url.password) throw new UsageError('--agent URL must not carry credentials: use --agent-token-file');
  if (a.agentTokenFile === undefined) throw new UsageError('--agent URL needs --agent-token-file FILE');
  return (await import('./http.js')).httpAgentSource(url.toString(), await readToken(a.agentTokenFile), timeoutMs);
}

/** What the agentless collector reads and how: the agent's own defaults, a root and an asterisk CLI from the flags. */
function agentlessOptions(a: AgentArgs): AgentlessOptions {
  const root = a.agentRoot ?? '/';
  // The path is the host's: it need not exist here, but it must be absolute and one line.
  if (!isAbsolute(root) || /[\0\n]/.test(root)) throw new UsageError(`--agent-root "${root}" must be an absolute path on the host`);
  let asteriskCmd: string[] | null = null;
  if (a.agentAsteriskCmd !== undefined) {
    asteriskCmd = a.agentAsteriskCmd.trim().split(/\s+/).filter(Boolean);
    if (!asteriskCmd.length) throw new UsageError('--agent-asterisk-cmd is empty');
  }
  return { root: root === '/' ? '/' : root.replace(/\/+$/, ''), asteriskCmd, cdrTable: null, timeoutMs: 3000, ports: [], vps: null, paths: {}, thresholds: AGENT_THRESHOLDS };
}
