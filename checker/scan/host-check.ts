// One host of a fleet scan: the same runCheck as `pbxready check`, with the fleet's adaptive
// connect timing slotted in through its injectable TCP probe, and filtered ports retried once.

import type { CheckReport, PortAttempt, ProductChoice } from '../../shared/model.js';
import type { AgentSource } from '../agent-source/source.js';
import { DEFAULT_DEPS, runCheck, type CheckDeps } from '../check.js';
import { makeCheckOptions, type CheckOptions, type ProbeSet, type SshCredentials } from '../check-options.js';
import { withDeadline } from '../probes/probe.js';
import type { HostTiming } from './timing.js';

/** What to check on one host: the inventory entry merged with the scan's flags. */
export interface ScanTarget {
  host: string;
  product: ProductChoice;
  ports?: number[];
  ssh?: SshCredentials;
  sshFingerprint?: string;
  knownHostsFile?: string;
  /** The entry's inside view (`agent:`), merged after the outside check. */
  agent?: AgentSource;
}

export interface HostCheckContext {
  probes: ProbeSet;
  timing: HostTiming;
  perHostConcurrency: number;
  /** --timeout-ms: the longest any one probe may wait (TLS, HTTP and SSH use it as is). */
  ceilingMs: number;
  allowPrivate: boolean;
  signal: AbortSignal;
}

type TcpProbe = CheckDeps['tcp'];

/**
 * The connect probe with the host's adaptive timeout inside the fixed one: the first attempt
 * at a port gets the current estimate, the retry of a filtered port a longer one. Every answer
 * (open or refused) is an RTT sample for this host and the fleet.
 */
export function adaptiveTcp(timing: HostTiming, tcp: TcpProbe): TcpProbe {
  const firstTimeouts = new Map<string, number>();
  return async (target, { signal }): Promise<PortAttempt> => {
    const key = `${target.address}:${target.port}`;
    const first = firstTimeouts.get(key);
    const timeoutMs = first === undefined ? timing.firstTimeout() : timing.retryTimeout(first);
    if (first === undefined) firstTimeouts.set(key, timeoutMs);
    // A deadline of the scan's own inside the check's (--timeout-ms, and the scan's stop signal).
    const attempt = await withDeadline(timeoutMs, signal, (inner) => tcp(target, { signal: inner }));
    if (attempt.state !== 'filtered' && attempt.latencyMs !== null) timing.sample(attempt.latencyMs);
    return attempt;
  };
}

export function checkOptionsFor(target: ScanTarget, ctx: HostCheckContext): CheckOptions {
  const { agent: _inside, ...outside } = target;
  return makeCheckOptions({
    ...outside,
    timeoutMs: ctx.ceilingMs,
    perHostConcurrency: ctx.perHostConcurrency,
    allowPrivate: ctx.allowPrivate,
    probes: ctx.probes,
    retryFiltered: true,
    signal: ctx.signal,
  });
}

export async function checkHost(target: ScanTarget, ctx: HostCheckContext, deps: CheckDeps = DEFAULT_DEPS): Promise<CheckReport> {
  return runCheck(checkOptionsFor(target, ctx), { ...deps, tcp: adaptiveTcp(ctx.timing, deps.tcp) });
}
