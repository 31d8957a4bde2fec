// The probe contract's caller side (checker/probes/probe.ts): one deadline per probe, whose reason
// tells a probe "your time ran out" (with the limit) apart from "the check was stopped".

import { describe, expect, it } from 'vitest';
import { adaptiveDeadline, deadline, deadlineMs, DeadlineExceeded, withDeadline } from '../../checker/probes/probe.js';

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

describe('adaptiveDeadline (a connect window asked again while it waits, as nmap judges its probes)', () => {
  it('a window that shrinks meanwhile ends the wait early, with the window as it stands then', async () => {
    let windowMs = 10_000; // the blind first window: nothing measured yet
    const started = performance.now();
    const d = adaptiveDeadline(() => windowMs);
    setTimeout(() => (windowMs = 60), 20); // then the fleet's estimate says 60 ms
    await aborted(d.signal);
    const waited = performance.now() - started;
    expect(deadlineMs(d.signal)).toBe(60);
    expect(waited).toBeGreaterThanOrEqual(59);
    expect(waited).toBeLessThan(2000); // far below the blind 10 s window (the sweep asks again at least every 10 ms)
    d.clear();
  });

  it('a window that grows meanwhile keeps the wait going', async () => {
    let windowMs = 30;
    const started = performance.now();
    const d = adaptiveDeadline(() => windowMs);
    setTimeout(() => (windowMs = 120), 10);
    await aborted(d.signal);
    expect(deadlineMs(d.signal)).toBe(120);
    expect(performance.now() - started).toBeGreaterThanOrEqual(119);
    d.clear();
  });

  it('cleared before its window: never aborts, and is asked no more', async () => {
    let asked = 0;
    const d = adaptiveDeadline(() => (asked++, 40));
    d.clear();
    const before = asked;
    await new Promise((r) => setTimeout(r, 100));
    expect(d.signal.aborted).toBe(false);
    expect(asked).toBe(before);
  });

  it("a stop of the parent aborts it with the parent's reason: not a deadline", () => {
    const parent = new AbortController();
    const d = adaptiveDeadline(() => 10_000, parent.signal);
    parent.abort(new Error('SIGTERM'));
    expect(d.signal.aborted).toBe(true);
    expect(deadlineMs(d.signal)).toBeNull();
    d.clear();
    expect(adaptiveDeadline(() => 10_000, AbortSignal.abort()).signal.aborted).toBe(true);
  });

  it('withDeadline takes a window function for an adaptive deadline', async () => {
    const seen = await withDeadline(() => 30, undefined, (signal) => aborted(signal).then(() => deadlineMs(signal)));
    expect(seen).toBe(30);
  });
});
