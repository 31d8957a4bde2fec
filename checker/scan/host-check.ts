// One host of a fleet scan: the same runCheck as `pbxready check`, with the fleet's adaptive
// connect timing slotted in through its injectable TCP probe, and filtered ports retried once.

import type { CheckReport, PortAttempt, ProductChoice } from '../../shared/model.js';
import { DEFAULT_DEPS, runCheck, type CheckDeps } from '../check.js';
import type { CheckOptions, ProbeSet, SshCredentials } from '../check-options.js';
import type { HostTiming } from './timing.js';

/** What to check on one host: the inventory entry merged with the scan's flags. */
export interface ScanTarget {
  host: string;
  product: ProductChoice;
  ports?: number[];
  ssh?: SshCredentials;
  sshFingerprint?: string;
  knownHostsFile?: string;
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
 * The connect probe with the host's adaptive timeout instead of the fixed one: the first attempt
 * at a port gets the current estimate, the retry of a filtered port a longer one. Every answer
 * (open or refused) is an RTT sample for this host and the fleet.
 *
 * The time limit is kept here, not in the probe, for one reason: with thousands of sockets in
 * flight the event loop runs late, and a timer that fires in the same loop turn as the connect
 * would otherwise win before the connect is even read. The verdict "no answer" is deferred by one
 * setImmediate, i.e. until after the loop has polled for I/O once more.
 */
export function adaptiveTcp(timing: HostTiming, tcp: TcpProbe): TcpProbe {
  const firstTimeouts = new Map<string, number>();
  return async (address: string, port: number, _fixedTimeoutMs: number, signal?: AbortSignal): Promise<PortAttempt> => {
    const key = `${address}:${port}`;
    const first = firstTimeouts.get(key);
    const timeoutMs = first === undefined ? timing.firstTimeout() : timing.retryTimeout(first);
    if (first === undefined) firstTimeouts.set(key, timeoutMs);
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => setImmediate(() => ((timedOut = true), stop.abort())), timeoutMs);
    try {
      // The probe's own limit is only a backstop; ours fires first.
      const attempt = await tcp(address, port, timeoutMs * 2 + 1000, stop.signal);
      if (timedOut && attempt.state === 'filtered' && attempt.latencyMs === null) return { state: 'filtered', reason: `no answer within ${timeoutMs} ms`, latencyMs: null };
      if (attempt.state !== 'filtered' && attempt.latencyMs !== null) timing.sample(attempt.latencyMs);
      return attempt;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  };
}

export function checkOptionsFor(target: ScanTarget, ctx: HostCheckContext): CheckOptions {
  return {
    host: target.host,
    product: target.product,
    ...(target.ports ? { ports: target.ports } : {}),
    timeoutMs: ctx.ceilingMs,
    perHostConcurrency: ctx.perHostConcurrency,
    allowPrivate: ctx.allowPrivate,
    probes: ctx.probes,
    retryFiltered: true,
    ...(target.ssh ? { ssh: target.ssh } : {}),
    ...(target.sshFingerprint ? { sshFingerprint: target.sshFingerprint } : {}),
    ...(target.knownHostsFile ? { knownHostsFile: target.knownHostsFile } : {}),
    signal: ctx.signal,
  };
}

export async function checkHost(target: ScanTarget, ctx: HostCheckContext, deps: CheckDeps = DEFAULT_DEPS): Promise<CheckReport> {
  return runCheck(checkOptionsFor(target, ctx), { ...deps, tcp: adaptiveTcp(ctx.timing, deps.tcp) });
}
