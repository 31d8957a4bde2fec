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

/** Caller side: run one probe under one deadline, and always clear the timer afterwards. */
export async function withDeadline<T>(ms: number, parent: AbortSignal | undefined, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const d = deadline(ms, parent);
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
