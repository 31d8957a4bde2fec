// --agent ssh|auto|agentless: the inside view over the SSH access the check just tested — the same
// user and key/password, the same host-key pinning — on one login, with one time limit.
//   ssh, auto:  run `pbxready-agent report --format json`; when the host has no agent (the shell's
//               127), collect agentless on the same login instead
//   agentless:  collect agentless outright (checker/agentless/: read-only sh, the agent's parsers)
// The report's `collector` says which one made it.

import type { PortResult } from '../../shared/model.js';
import { loadKnownHosts, type KnownHostEntry } from '../probes/known-hosts.js';
import { withDeadline } from '../probes/probe.js';
import type { Logger } from 'pino';
import { collectAgentless, type AgentlessOptions } from '../agentless/collect.js';
import { REMOTE_COMMAND } from '../agentless/script.js';
import { SshExecError, openSshCommandSession, type SshCommandSession, type SshExecTarget } from '../ssh-exec.js';
import { failed, type AgentContext, type AgentFailureKind, type AgentOutcome, type AgentSource } from './source.js';
import { parseAgentReport } from '../../shared/agent-report/validate.js';

/** An agent report is tens of KiB; a megabyte means something else is talking. */
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

/** One phase script's output is a few hundred KiB at most; the caps inside bound each section. */
const MAX_PHASE_BYTES = 32 * 1024 * 1024;

export interface SshAgentDeps {
  open: typeof openSshCommandSession;
  loadKnownHosts: (file: string) => Promise<KnownHostEntry[]>;
}

const DEFAULT_DEPS: SshAgentDeps = { open: openSshCommandSession, loadKnownHosts };

export type SshAgentMode = 'agent-or-agentless' | 'agentless';

export interface SshAgentPlan {
  mode: SshAgentMode;
  agentless: AgentlessOptions;
  log: Logger;
}

/** The SSH port to use: a required one that answered as SSH, preferring one where the login worked. */
export function pickSshPort(ports: readonly PortResult[]): PortResult | null {
  const ssh = ports.filter((p) => p.purpose === 'ssh' && p.state === 'open' && (p.ssh?.banner?.startsWith('SSH-') ?? false));
  const rank = (p: PortResult) => (p.ssh?.auth?.ok ? 0 : p.ssh?.auth ? 2 : 1) + (p.required ? 0 : 3);
  return [...ssh].sort((a, b) => rank(a) - rank(b))[0] ?? null;
}

const EXEC_FAILURE: Record<string, AgentFailureKind> = {
  E_SSH_HOSTKEY_MISMATCH: 'hostkey',
  E_SSH_AUTH: 'auth',
  E_SSH_KEY: 'auth',
  E_SSH_TIMEOUT: 'timeout',
  E_SSH_CONNECT: 'unreachable',
  E_SSH_NOT_SSH: 'unreachable',
};

function firstLine(s: string): string {
  return s.trim().split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 200) ?? '';
}

export function sshAgentSource(command: string, timeoutMs: number, plan: SshAgentPlan, deps: SshAgentDeps = DEFAULT_DEPS): AgentSource {
  return {
    via: 'ssh',
    async fetch(ctx: AgentContext): Promise<AgentOutcome> {
      const { options } = ctx;
      if (!options.ssh) return failed('ssh', 'no-credentials', '--agent ssh needs the SSH login: --ssh-user with --ssh-key or --ssh-password-env');
      const port = pickSshPort(ctx.check.ports);
      if (!port) {
        const tried = ctx.check.ports.filter((p) => p.purpose === 'ssh').map((p) => `${p.port} ${p.state}`);
        return failed('ssh', 'no-ssh-port', `no SSH port answered from here${tried.length ? ` (${tried.join(', ')})` : ''}`);
      }
      const dial = ctx.portMap?.[port.port] ?? port.port;
      const target: SshExecTarget = { address: port.address, port: dial, host: options.host, credentials: options.ssh };
      if (options.knownHostsFile) target.knownHosts = await deps.loadKnownHosts(options.knownHostsFile);
      // Unpinned by the user, the second connection is pinned to the key the probe just saw: the agent's
      // facts must come from the host that was checked, not from whatever answers a moment later.
      const pin = options.sshFingerprint ?? (target.knownHosts ? undefined : port.ssh?.fingerprint ?? undefined);
      if (pin) target.expectedFingerprint = pin;
      const where = `over SSH to ${port.address}:${port.port} as ${options.ssh.user}`;
      try {
        // One time limit for the login and everything run on it, owned here; a stopped check stops it too.
        return await withDeadline(timeoutMs, options.signal, async (signal) => {
          const session = await deps.open(target, { signal });
          try {
            return await collectOn(session, where, command, plan);
          } finally {
            session.close();
          }
        });
      } catch (err) {
        const kind = err instanceof SshExecError ? (EXEC_FAILURE[err.code] ?? 'command-failed') : 'command-failed';
        return failed('ssh', kind, `${where}: ${(err as Error).message}`);
      }
    },
  };
}

async function collectOn(session: SshCommandSession, where: string, command: string, plan: SshAgentPlan): Promise<AgentOutcome> {
  const agentless = async (): Promise<AgentOutcome> => {
    const report = await collectAgentless(
      async (script) => session.run({ command: REMOTE_COMMAND, stdin: script, maxOutputBytes: MAX_PHASE_BYTES }),
      plan.agentless,
      plan.log,
    );
    return { ok: true, via: 'ssh', report };
  };
  if (plan.mode === 'agentless') return agentless();
  const result = await session.run({ command, maxOutputBytes: MAX_OUTPUT_BYTES });
  // 127: the shell did not find the command — the agent is not installed (or not on PATH).
  if (result.exitCode === 127) {
    plan.log.info({ command, stderr: firstLine(result.stderr) }, 'no agent on the host (exit 127): collecting agentless');
    return agentless();
  }
  const parsed = parseAgentReport(result.stdout);
  // The agent exits 0–3 by its verdict, so only the output decides; a failed run explains itself on stderr.
  if ('problem' in parsed) {
    const exit = result.exitCode === null ? 'killed by a signal' : `exit ${result.exitCode}`;
    const stderr = firstLine(result.stderr);
    return failed('ssh', result.exitCode === 0 ? 'invalid-report' : 'command-failed', `${where}: "${command}" (${exit}) gave ${parsed.problem}${stderr ? `; stderr: ${stderr}` : ''}`);
  }
  return { ok: true, via: 'ssh', report: parsed.report };
}
