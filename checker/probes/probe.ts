// The one probe contract: `(target, { signal }) => Promise<Facts>`. A probe does I/O and reports
// facts; it owns no timer. The caller owns the deadline (as blackbox_exporter's handler wraps each
// prober in one context.WithTimeout): it hands the probe one AbortSignal, which aborts either
// because the time ran out (reason DeadlineExceeded, carrying the limit for the facts' wording)
// or because the whole check was stopped (SIGTERM, a scraper that hung up: any other reason).

export interface ProbeContext {
  signal: AbortSignal;
  /** The clock, injectable (certificate days left). */
  now?: () => Date;
}

export type Probe<Target, Facts> = (target: Target, context: ProbeContext) => Promise<Facts>;

/** How a probe words a stop that was not its deadline (SIGTERM on a scan, a scraper that hung up). */
export const STOPPED_REASON = 'stopped before an answer (the check was aborted)';

/** The reason a probe's signal carries when its time ran out. */
export class DeadlineExceeded extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'DeadlineExceeded';
  }
}

/** The limit that ran out, when the signal aborted for that reason; null for a stop or no abort. */
export function deadlineMs(signal: AbortSignal): number | null {
  return signal.aborted && signal.reason instanceof DeadlineExceeded ? signal.reason.ms : null;
}

export interface Deadline {
  signal: AbortSignal;
  /** Stops the timer (the probe returned) and unlinks it from the parent signal. */
  clear(): void;
}

/** Caller side: one timer of `ms`, also aborted (with the parent's reason) when `parent` aborts. */
export function deadline(ms: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  const onParent = () => controller.abort(parent?.reason);
  const timer = setTimeout(() => controller.abort(new DeadlineExceeded(ms)), ms);
  if (parent?.aborted) onParent();
  else parent?.addEventListener('abort', onParent, { once: true });
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}

/**
 * A stop of one's own that follows `parent` (no timer): one check's probes hang their deadlines
 * on it instead of on the scan's signal. An EventTarget walks its whole listener list on every
 * add and remove, so thousands of probe deadlines on one scan-wide signal cost a list walk each;
 * one link per host keeps each list a few entries long.
 */
export function linked(parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  if (!parent) return { signal: controller.signal, clear: () => {} };
  const onParent = () => controller.abort(parent.reason);
  if (parent.aborted) onParent();
  else parent.addEventListener('abort', onParent, { once: true });
  return { signal: controller.signal, clear: () => parent.removeEventListener('abort', onParent) };
}

// ---- adaptive windows: judged against the window as it is now, not as it was at the dial ----
// A fleet scan's first connects go out before any host has answered, under the blind initial
// window; a moment later the fleet's RTT estimate says 100 ms. nmap judges each outstanding probe
// against the host's *current* timeout (timing.cc), so those first probes are given up on as soon as
// the estimate knows better, instead of waiting out a window chosen in ignorance. One sweep timer
// serves every adaptive window of the process: it asks each window again, aborts the ones that
// ran out and re-arms for the nearest expiry (at most SWEEP_MAX_MS ahead, since estimates move).

interface Adaptive {
  started: number;
  window: () => number;
  controller: AbortController;
}

/** How far ahead the sweep may sleep: an estimate that drops meanwhile is noticed this late at most. */
export const SWEEP_MAX_MS = 10;
const adaptive = new Set<Adaptive>();
let sweepTimer: NodeJS.Timeout | null = null;

function sweep(): void {
  sweepTimer = null;
  const now = performance.now();
  let next = Infinity;
  for (const a of adaptive) {
    const w = a.window();
    const left = a.started + w - now;
    if (left <= 0) {
      adaptive.delete(a);
      a.controller.abort(new DeadlineExceeded(Math.round(w)));
    } else if (left < next) next = left;
  }
  if (adaptive.size > 0) armSweep(next);
}

function armSweep(inMs: number): void {
  if (sweepTimer) return;
  sweepTimer = setTimeout(sweep, Math.max(1, Math.min(SWEEP_MAX_MS, Math.ceil(inMs))));
}

/**
 * Caller side, like `deadline`, but the window is a function asked again while the probe waits
 * (from the dial on): it aborts with DeadlineExceeded(the window at that moment) once the time
 * waited reaches the window as it stands then — shorter or longer than when it started.
 */
export function adaptiveDeadline(window: () => number, parent?: AbortSignal): Deadline {
  const entry: Adaptive = { started: performance.now(), window, controller: new AbortController() };
  const onParent = () => {
    adaptive.delete(entry);
    entry.controller.abort(parent?.reason);
  };
  if (parent?.aborted) onParent();
  else {
    parent?.addEventListener('abort', onParent, { once: true });
    adaptive.add(entry);
    armSweep(window());
  }
  return {
    signal: entry.controller.signal,
    clear: () => {
      adaptive.delete(entry);
      parent?.removeEventListener('abort', onParent);
    },
  };
}

/** Caller side: run one probe under one deadline, and always clear the timer afterwards. */
export async function withDeadline<T>(ms: number | (() => number), parent: AbortSignal | undefined, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const d = typeof ms === 'number' ? deadline(ms, parent) : adaptiveDeadline(ms, parent);
  try {
    return await run(d.signal);
  } finally {
    d.clear();
  }
}

/** Call `fn` once when `signal` aborts; returns the unsubscribe. Probes test `signal.aborted`
 * themselves before dialling (a probe queued behind the per-host cap may start already stopped). */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  signal.addEventListener('abort', fn, { once: true });
  return () => signal.removeEventListener('abort', fn);
}
