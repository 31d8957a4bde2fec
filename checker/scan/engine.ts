// The fleet scan: inventory entries stream in, at most N hosts are checked at once, each report
// is handed on the moment its host finishes and then dropped (memory stays flat with fleet size).
// An abort (SIGINT/SIGTERM) stops new hosts, abandons the ones in flight, keeps the finished ones.

import type { InventoryEntry, InventoryError, InventoryItem } from './inventory.js';
import type { CheckReport, ProductChoice, Verdict } from '../../shared/model.js';
import { worstVerdict } from '../../shared/verdict.js';
import type { ProbeSet } from '../check-options.js';
import { DEFAULT_DEPS, type CheckDeps } from '../check.js';
import { createLimit } from '../limiter.js';
import { checkHost, checkOptionsFor, type HostCheckContext, type ScanTarget } from './host-check.js';
import type { InsideOutcome } from './inside.js';
import { createDialPacer } from './dial-pacer.js';
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
  /**
   * Inside views (entries with `agent:`): fetched after the host's outside check, outside its slot,
   * at most `hostsAtOnce` at once, each within `timeoutMs` — a slow agent holds one inside slot for
   * at most its limit, never an outside slot, so the rest of the fleet goes on being checked.
   */
  inside: { hostsAtOnce: number; timeoutMs: number };
}

export interface ScanEvents {
  /** A host finished; awaited, so a slow consumer (stdout, DB) slows the scan instead of queueing reports. */
  onReport(report: CheckReport, entry: InventoryEntry, inside?: InsideOutcome): void | Promise<void>;
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

// The inside-view machinery (agent sources, SSH, the agentless collector, ssh2) is loaded with the
// first entry that has an `agent:`: a port-only fleet never loads it.
let insideModule: Promise<typeof import('./inside.js')> | undefined;
const loadInside = () => (insideModule ??= import('./inside.js'));

export async function runScan(items: AsyncIterable<InventoryItem>, opts: ScanOptions, events: ScanEvents, buildTarget: TargetBuilder, deps: CheckDeps = DEFAULT_DEPS): Promise<ScanOutcome> {
  const fleet = new RttEstimator();
  const pacer = createDialPacer();
  const outcome: ScanOutcome = { done: 0, invalid: 0, interrupted: false, worst: null };
  const running = new Set<Promise<void>>();
  // Hosts whose outside check is done and whose inside view is pending: bounded, so a fleet of slow
  // agents holds a few reports in memory, not the fleet's.
  const waitingInside = new Set<Promise<void>>();
  const insideQueueCap = opts.hostsInFlight + opts.inside.hostsAtOnce;
  const insideLimit = createLimit(Math.max(1, opts.inside.hostsAtOnce));
  let freed: (() => void) | null = null;
  const wake = () => {
    const w = freed;
    freed = null;
    w?.();
  };

  const finish = async (report: CheckReport, entry: InventoryEntry, inside?: InsideOutcome) => {
    // A host cut short by the abort has half-made evidence: it is not a finished host.
    if (opts.signal.aborted) return;
    outcome.done++;
    outcome.worst = outcome.worst === null ? report.verdict : worstVerdict(outcome.worst, report.verdict);
    try {
      await events.onReport(report, entry, inside);
    } catch (err) {
      // Recording failed (e.g. the history refused a row): named, and the other hosts go on.
      events.onHostError(entry, err);
    }
  };

  const scanOne = async (entry: InventoryEntry) => {
    const target = await buildTarget(entry);
    if ('invalid' in target) {
      outcome.invalid++;
      events.onInvalid({ line: entry.line, reason: target.invalid });
      return;
    }
    const ctx: HostCheckContext = {
      probes: opts.probes,
      timing: new HostTiming(fleet, opts.timing, pacer),
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
    if (opts.signal.aborted) return;
    const source = target.agent;
    if (!source) return finish(report, entry);
    // The outside slot is released here; the inside view waits for one of its own.
    const task: Promise<void> = insideLimit(async () => {
      if (opts.signal.aborted) return;
      const { insideView } = await loadInside();
      const got = await insideView(report, source, checkOptionsFor(target, ctx), opts.inside.timeoutMs, deps.portMap);
      await finish(got.report, entry, got.inside);
    })
      .catch((err: unknown) => {
        if (!opts.signal.aborted) events.onHostError(entry, err);
      })
      .finally(() => {
        waitingInside.delete(task);
        wake();
      });
    waitingInside.add(task);
  };

  for await (const item of items) {
    if (opts.signal.aborted) break;
    if ('error' in item) {
      outcome.invalid++;
      events.onInvalid(item.error);
      continue;
    }
    while (running.size >= opts.hostsInFlight || waitingInside.size >= insideQueueCap) await new Promise<void>((r) => (freed = r));
    if (opts.signal.aborted) break;
    const task: Promise<void> = scanOne(item.entry).finally(() => {
      running.delete(task);
      wake();
    });
    running.add(task);
  }
  await Promise.all(running);
  while (waitingInside.size > 0) await Promise.all([...waitingInside]);
  outcome.interrupted = opts.signal.aborted;
  return outcome;
}
