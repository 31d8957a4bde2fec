// How many hosts a scan may have in flight: enough to keep a 2-core machine busy, never more
// sockets than the process may open (the soft RLIMIT_NOFILE, read from /proc, else `ulimit -n`).

import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/** Descriptors kept back for stdio, the history database, logs, DNS and the webhook. */
export const FD_RESERVE = 64;

/**
 * Default hosts in flight: full checks spend CPU on TLS and SSH. A port-only host costs next to
 * nothing while it waits for silence (a dropped SYN), and a dark host waits out every window — two
 * per port — four ports at a time (the per-host cap): at 128 hosts, 5,000 dark hosts took 2 s each
 * in waves of 128. 256 halves that; the per-host cap, which intrusion protection sees, is unchanged.
 */
export const DEFAULT_HOSTS_IN_FLIGHT = { tcp: 256, full: 64 } as const;

export function parseSoftFdLimit(limitsText: string): number | null {
  const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(limitsText);
  if (!m) return null;
  return m[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(m[1]);
}

export function readFdLimit(): number {
  try {
    const n = parseSoftFdLimit(readFileSync('/proc/self/limits', 'utf8'));
    if (n !== null) return n;
  } catch {
    // not Linux: ask the shell
  }
  try {
    const out = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    return out === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(out) || 1024;
  } catch {
    return 1024;
  }
}

export interface ConcurrencyPlan {
  hostsInFlight: number;
  perHost: number;
  fdLimit: number;
  /** Set when the request was lowered to fit the descriptor limit. */
  clampedFrom?: number;
}

/** Hosts in flight × connections per host must fit in the descriptors left after the reserve. */
export function planConcurrency(requested: number | undefined, perHost: number, probes: 'tcp' | 'full', fdLimit: number): ConcurrencyPlan {
  const want = requested ?? DEFAULT_HOSTS_IN_FLIGHT[probes];
  const fit = Math.max(1, Math.floor((fdLimit - FD_RESERVE) / Math.max(1, perHost)));
  const hostsInFlight = Math.max(1, Math.min(want, fit));
  const plan: ConcurrencyPlan = { hostsInFlight, perHost, fdLimit };
  if (requested !== undefined && hostsInFlight < requested) plan.clampedFrom = requested;
  return plan;
}
