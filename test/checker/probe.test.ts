// The probe contract's caller side (checker/probes/probe.ts): one deadline per probe, whose reason
// tells a probe "your time ran out" (with the limit) apart from "the check was stopped".

import { describe, expect, it } from 'vitest';
import { deadline, deadlineMs, DeadlineExceeded, withDeadline } from '../../checker/probes/probe.js';

const aborted = (signal: AbortSignal) => new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));

describe('deadline', () => {
  it('aborts with DeadlineExceeded carrying the limit, which deadlineMs reads back', async () => {
    const d = deadline(50);
    expect(deadlineMs(d.signal)).toBeNull();
    await aborted(d.signal);
    expect(d.signal.reason).toBeInstanceOf(DeadlineExceeded);
    expect(deadlineMs(d.signal)).toBe(50);
  });

  it("a stop of the parent aborts it with the parent's reason: not a deadline", () => {
    const parent = new AbortController();
    const d = deadline(10_000, parent.signal);
    parent.abort(new Error('SIGTERM'));
    expect(d.signal.aborted).toBe(true);
    expect(deadlineMs(d.signal)).toBeNull();
    expect((d.signal.reason as Error).message).toBe('SIGTERM');
    d.clear();
  });

  it('a parent already stopped gives a signal already aborted (a queued probe dials nothing)', () => {
    const d = deadline(10_000, AbortSignal.abort());
    expect(d.signal.aborted).toBe(true);
    expect(deadlineMs(d.signal)).toBeNull();
    d.clear();
  });

  it('an AbortSignal.timeout parent is a stop too: only our own deadline counts as time running out', async () => {
    const d = deadline(10_000, AbortSignal.timeout(20));
    await aborted(d.signal);
    expect(deadlineMs(d.signal)).toBeNull();
    d.clear();
  });
});

describe('withDeadline', () => {
  it('clears its timer when the probe returns: the signal never aborts afterwards', async () => {
    let seen: AbortSignal | undefined;
    const value = await withDeadline(40, undefined, async (signal) => {
      seen = signal;
      return 'facts';
    });
    expect(value).toBe('facts');
    await new Promise((r) => setTimeout(r, 120));
    expect(seen!.aborted).toBe(false);
  });

  it('clears it when the probe throws, and passes the error on', async () => {
    let seen: AbortSignal | undefined;
    await expect(
      withDeadline(40, undefined, async (signal) => {
        seen = signal;
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await new Promise((r) => setTimeout(r, 120));
    expect(seen!.aborted).toBe(false);
  });

  it('unlinks from the parent when done: a later stop does not reach a finished probe', async () => {
    const parent = new AbortController();
    let seen: AbortSignal | undefined;
    await withDeadline(10_000, parent.signal, async (signal) => {
      seen = signal;
    });
    parent.abort();
    expect(seen!.aborted).toBe(false);
  });
});
