// The retry policy, pure: what every desk does with 429, 5xx, an unreachable or silent desk is in
// desk-contract.test.ts.

import { describe, expect, it } from 'vitest';
import { decideRetry, parseRetryAfter, RETRY_DEFAULTS } from '../../checker/tickets/retry.js';

describe('retry decisions', () => {
  const policy = { ...RETRY_DEFAULTS, baseDelayMs: 1000, attempts: 4, maxDelayMs: 60_000 };
  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('7', 0)).toBe(7000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('soon', 0)).toBeNull();
    expect(parseRetryAfter(undefined, 0)).toBeNull();
  });
  it('backs off exponentially with bounded jitter, honours Retry-After, and stops', () => {
    expect(decideRetry(1, null, policy, 0, () => 0)).toEqual({ retry: true, delayMs: 1000, why: 'backoff' });
    expect(decideRetry(3, null, policy, 0, () => 1)).toEqual({ retry: true, delayMs: 5000, why: 'backoff' });
    expect(decideRetry(2, '3', policy, 0, () => 1)).toEqual({ retry: true, delayMs: 3000, why: 'Retry-After 3 s' });
    expect(decideRetry(4, '1', policy, 0)).toEqual({ retry: false, why: 'gave up after 4 attempt(s)' });
    expect(decideRetry(1, '3600', policy, 0)).toEqual({ retry: false, why: 'the desk asks to wait 3600 s, more than the 60 s limit' });
  });
});
