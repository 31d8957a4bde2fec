// The agent flags shared by `check` and `precheck`: --agent ssh | URL, --agent-token-file,
// --agent-report, --agent-command, --agent-timeout-ms → one AgentSource, validated before any probe.
// A source's module is loaded only when it is asked for.

import { UsageError } from '../../shared/errors.js';
import { readNamedFile } from '../../shared/cli/cli.js';
import { parsePositiveInt, type FlagGroup } from '../../shared/cli/flags.js';
import { secrets } from '../../shared/redact.js';
import type { AgentSource } from './source.js';

/** What --agent ssh runs on the host unless --agent-command says otherwise. */
export const DEFAULT_AGENT_COMMAND = 'pbxready-agent report --format json';

export interface AgentArgs {
  agent?: string | undefined;
  agentTokenFile?: string | undefined;
  agentReport?: string | undefined;
  agentCommand?: string | undefined;
  agentTimeoutMs?: string | undefined;
}

export const AGENT_TIMEOUT_MS = 30_000;

export const AGENT_FLAGS = {
  agent: { type: 'string', describe: 'Merge the host agent\'s facts: "ssh" (run it over the SSH login being checked) or the URL of `pbxready-agent serve`' },
  'agent-token-file': { type: 'string', describe: 'FILE holding the bearer token for --agent URL' },
  'agent-report': { type: 'string', describe: 'Merge an agent report FILE made on the host (pbxready-agent report --format json)' },
  'agent-command': { type: 'string', describe: `The agent command run by --agent ssh (default "${DEFAULT_AGENT_COMMAND}")` },
  'agent-timeout-ms': { type: 'string', default: String(AGENT_TIMEOUT_MS), describe: 'Time limit of the agent run or fetch' },
} satisfies FlagGroup;

async function readToken(file: string): Promise<string> {
  const token = (await readNamedFile(file, '--agent-token-file')).toString('utf8').trim();
  if (token === '') throw new UsageError(`--agent-token-file: ${file} is empty`);
  secrets.add(token);
  return token;
}

/** The source the flags ask for, or null when none is asked for. Bad combinations are usage errors. */
export async function agentSourceFromArgs(a: AgentArgs & { sshUser?: string | undefined }): Promise<AgentSource | null> {
  const timeoutMs = parsePositiveInt(a.agentTimeoutMs ?? String(AGENT_TIMEOUT_MS), '--agent-timeout-ms', { max: 600_000 });
  if (a.agent !== undefined && a.agentReport !== undefined) throw new UsageError('give --agent or --agent-report, not both');
  if (a.agentCommand !== undefined && a.agent !== 'ssh') throw new UsageError('--agent-command needs --agent ssh');
  if (a.agentTokenFile !== undefined && (a.agent === undefined || a.agent === 'ssh')) throw new UsageError('--agent-token-file needs --agent URL');
  if (a.agentReport !== undefined) return (await import('./file.js')).fileAgentSource(a.agentReport);
  if (a.agent === undefined) return null;
  if (a.agent === 'ssh') {
    if (a.sshUser === undefined) throw new UsageError('--agent ssh runs the agent over the SSH login: give --ssh-user with --ssh-key or --ssh-password-env');
    const command = (a.agentCommand ?? DEFAULT_AGENT_COMMAND).trim();
    if (command === '') throw new UsageError('--agent-command is empty');
    return (await import('./ssh.js')).sshAgentSource(command, timeoutMs);
  }
  let url: URL;
  try {
    url = new URL(a.agent);
  } catch {
    throw new UsageError(`--agent "${a.agent}" is neither "ssh" nor a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--agent URL must be http:// or https:// (got ${url.protocol})`);
  if (url.username || url.password) throw new UsageError('--agent URL must not carry credentials: use --agent-token-file');
  if (a.agentTokenFile === undefined) throw new UsageError('--agent URL needs --agent-token-file FILE');
  return (await import('./http.js')).httpAgentSource(url.toString(), await readToken(a.agentTokenFile), timeoutMs);
}
