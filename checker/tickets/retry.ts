// When to try a help-desk request again: 429 and 5xx (and network errors) are retried with
// exponential backoff, and a Retry-After from the desk wins over our own guess.

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  /** Longest wait we accept; a desk asking for more ends the run instead of hanging it. */
  maxDelayMs: number;
  /** Each request's own time limit. */
  timeoutMs: number;
}

export const RETRY_DEFAULTS: Readonly<RetryPolicy> = Object.freeze({ attempts: 4, baseDelayMs: 1000, maxDelayMs: 60_000, timeoutMs: 30_000 });

export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/** Retry-After is delta-seconds or an HTTP date (RFC 9110 §10.2.3); null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

export type RetryDecision = { retry: true; delayMs: number; why: string } | { retry: false; why: string };

/**
 * After failed try number `attempt` (1-based): wait how long, or stop. Jitter (0–25%) keeps many
 * scans from hitting a rate-limited desk in step; it is never added to a desk's own Retry-After.
 */
export function decideRetry(attempt: number, retryAfter: string | null | undefined, policy: RetryPolicy, nowMs: number, random: () => number = Math.random): RetryDecision {
  if (attempt >= policy.attempts) return { retry: false, why: `gave up after ${attempt} attempt(s)` };
  const asked = parseRetryAfter(retryAfter, nowMs);
  if (asked !== null) {
    if (asked > policy.maxDelayMs) return { retry: false, why: `the desk asks to wait ${Math.ceil(asked / 1000)} s, more than the ${Math.round(policy.maxDelayMs / 1000)} s limit` };
    return { retry: true, delayMs: asked, why: `Retry-After ${Math.ceil(asked / 1000)} s` };
  }
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return { retry: true, delayMs: Math.round(backoff * (1 + 0.25 * random())), why: 'backoff' };
}
