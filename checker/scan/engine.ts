// The fleet scan: inventory entries stream in, at most N hosts are checked at once, each report
// is handed on the moment its host finishes and then dropped (memory stays flat with fleet size).
// An abort (SIGINT/SIGTERM) stops new hosts, abandons the ones in flight, keeps the finished ones.

import type { InventoryEntry, InventoryError, InventoryItem } from './inventory.js';
import type { CheckReport, ProductChoice, Verdict } from '../../shared/model.js';
import { worstVerdict } from '../../shared/verdict.js';
import type { ProbeSet } from '../check-options.js';
import { DEFAULT_DEPS, type CheckDeps } from '../check.js';
import { checkHost, type ScanTarget } from './host-check.js';
import { HostTiming, RttEstimator, type TimingBounds } from './timing.js';

export interface ScanOptions {
  product: ProductChoice;
  ports?: number[];
  probes: ProbeSet;
  timing: TimingBounds;
  allowPrivate: boolean;
  hostsInFlight: number;
  perHostConcurrency: number;
  signal: AbortSignal;
}

export interface ScanEvents {
  /** A host finished; awaited, so a slow consumer (stdout, DB) slows the scan instead of queueing reports. */
  onReport(report: CheckReport, entry: InventoryEntry): void | Promise<void>;
  onInvalid(error: InventoryError): void;
  /** A host whose check threw (a bug, not a host problem): named, never silently lost. */
  onHostError(entry: InventoryEntry, err: unknown): void;
}

export interface ScanOutcome {
  done: number;
  invalid: number;
  interrupted: boolean;
  worst: Verdict | null;
}

/** Builds what to check from an entry; may reject the entry (e.g. unreadable SSH key file). */
export type TargetBuilder = (entry: InventoryEntry) => Promise<ScanTarget | { invalid: string }>;

export async function runScan(items: AsyncIterable<InventoryItem>, opts: ScanOptions, events: ScanEvents, buildTarget: TargetBuilder, deps: CheckDeps = DEFAULT_DEPS): Promise<ScanOutcome> {
  const fleet = new RttEstimator();
  const outcome: ScanOutcome = { done: 0, invalid: 0, interrupted: false, worst: null };
  const running = new Set<Promise<void>>();
  let freed: (() => void) | null = null;

  const scanOne = async (entry: InventoryEntry) => {
    const target = await buildTarget(entry);
    if ('invalid' in target) {
      outcome.invalid++;
      events.onInvalid({ line: entry.line, reason: target.invalid });
      return;
    }
    const ctx = {
      probes: opts.probes,
      timing: new HostTiming(fleet, opts.timing),
      perHostConcurrency: opts.perHostConcurrency,
      ceilingMs: opts.timing.ceilingMs,
      allowPrivate: opts.allowPrivate,
      signal: opts.signal,
    };
    let report: CheckReport;
    try {
      report = await checkHost(target, ctx, deps);
    } catch (err) {
      if (!opts.signal.aborted) events.onHostError(entry, err);
      return;
    }
    // A host cut short by the abort has half-made evidence: it is not a finished host.
    if (opts.signal.aborted) return;
    outcome.done++;
    outcome.worst = outcome.worst === null ? report.verdict : worstVerdict(outcome.worst, report.verdict);
    try {
      await events.onReport(report, entry);
    } catch (err) {
      // Recording failed (e.g. the history refused a row): named, and the other hosts go on.
      events.onHostError(entry, err);
    }
  };

  for await (const item of items) {
    if (opts.signal.aborted) break;
    if ('error' in item) {
      outcome.invalid++;
      events.onInvalid(item.error);
      continue;
    }
    while (running.size >= opts.hostsInFlight) await new Promise<void>((r) => (freed = r));
    if (opts.signal.aborted) break;
    const task: Promise<void> = scanOne(item.entry).finally(() => {
      running.delete(task);
      const wake = freed;
      freed = null;
      wake?.();
    });
    running.add(task);
  }
  await Promise.all(running);
  outcome.interrupted = opts.signal.aborted;
  return outcome;
}
