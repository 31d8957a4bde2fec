// One host of a fleet scan: the same runCheck as `pbxready check`, with the fleet's adaptive
// connect timing (checker/scan/timing.ts) as each connect's window, and filtered ports retried once.

import type { CheckReport, ProductChoice } from '../../shared/model.js';
import type { AgentSource } from '../agent-source/source.js';
import { DEFAULT_DEPS, runCheck, type CheckDeps } from '../check.js';
import { makeCheckOptions, type CheckOptions, type ProbeSet, type SshCredentials } from '../check-options.js';
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

export function checkOptionsFor(target: ScanTarget, ctx: HostCheckContext): CheckOptions {
  const { agent: _inside, ...outside } = target;
  return makeCheckOptions({
    ...outside,
    timeoutMs: ctx.ceilingMs,
    perHostConcurrency: ctx.perHostConcurrency,
    allowPrivate: ctx.allowPrivate,
    probes: ctx.probes,
    retryFiltered: true,
    connectTiming: ctx.timing,
    signal: ctx.signal,
  });
}

export async function checkHost(target: ScanTarget, ctx: HostCheckContext, deps: CheckDeps = DEFAULT_DEPS): Promise<CheckReport> {
  return runCheck(checkOptionsFor(target, ctx), deps);
}
