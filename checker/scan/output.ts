// What a scan prints while it runs and when it ends: ndjson lines (one report per host, as hosts
// finish, honouring stdout's backpressure), a progress bar on a TTY only, and a bounded summary.

import type { Writable } from 'node:stream';
import type { CheckReport, Verdict } from '../../shared/model.js';
import { secrets } from '../../shared/redact.js';
import { verdictRank } from '../../shared/verdict.js';

/** One redacted report per line; waits for 'drain' so a slow reader slows the scan, not memory. */
export async function writeNdjson(out: Writable, report: CheckReport): Promise<void> {
  const line = `${JSON.stringify(secrets.redact(report))}\n`;
  if (out.destroyed) return;
  if (!out.write(line)) await new Promise<void>((resolve) => {
    out.once('drain', resolve);
    out.once('close', resolve);
  });
}

/** A live bar only for a person at a terminal: not when piped, not under CI. */
export function wantsProgress(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && !env.CI;
}

export const VERDICTS_WORST_FIRST: Verdict[] = ['not-ready', 'unknown', 'warnings', 'ready'];

export interface WorstHost {
  key: string;
  host: string;
  verdict: Verdict;
  codes: string[];
}

/** Counts per verdict and the N worst hosts (bounded: a fleet of any size keeps N entries). */
export class ScanTally {
  readonly counts: Record<Verdict, number> = { 'not-ready': 0, unknown: 0, warnings: 0, ready: 0 };
  readonly worst: WorstHost[] = [];
  done = 0;
  constructor(private readonly keep = 20) {}

  add(report: CheckReport, key: string): void {
    this.done++;
    this.counts[report.verdict]++;
    if (report.verdict === 'ready') return;
    const w: WorstHost = { key, host: report.target.host, verdict: report.verdict, codes: [...new Set(report.findings.filter((f) => f.severity !== 'info').map((f) => f.code))] };
    const rank = (x: WorstHost) => -verdictRank(x.verdict);
    const at = this.worst.findIndex((x) => rank(w) < rank(x) || (rank(w) === rank(x) && w.key < x.key));
    this.worst.splice(at === -1 ? this.worst.length : at, 0, w);
    if (this.worst.length > this.keep) this.worst.pop();
  }
}

/** One line redrawn in place (`\r`); any other stderr line must call interrupt() first. */
export class ProgressBar {
  private last = 0;
  private drawn = false;
  constructor(
    private readonly out: Writable & { columns?: number },
    private readonly total: number,
  ) {}

  update(tally: ScanTally, force = false): void {
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    const width = 30;
    const filled = this.total ? Math.round((tally.done / this.total) * width) : width;
    const c = tally.counts;
    this.drawn = true;
    this.out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${tally.done}/${this.total} hosts  not-ready ${c['not-ready']} · unknown ${c.unknown} · warnings ${c.warnings} · ready ${c.ready}\x1b[K`);
  }

  clear(): void {
    this.out.write('\r\x1b[K');
    this.drawn = false;
  }

  /** Before another line goes to the terminal: erase the bar so the line does not land on it; the next update redraws it. */
  interrupt(): void {
    if (!this.drawn) return;
    this.clear();
    this.last = 0;
  }
}

export interface SummaryFacts {
  runId: number;
  inventory: string;
  total: number;
  invalid: number;
  interrupted: boolean;
  seconds: number;
  driftLines: string[];
}

export function renderSummary(t: ScanTally, f: SummaryFacts): string {
  const lines: string[] = [];
  lines.push(`pbxready scan: ${t.done} of ${f.total} hosts in ${f.seconds.toFixed(1)} s (run ${f.runId}, ${f.inventory})${f.interrupted ? ' — INTERRUPTED' : ''}`);
  for (const v of VERDICTS_WORST_FIRST) lines.push(`  ${v.padEnd(10)} ${String(t.counts[v]).padStart(6)}`);
  if (f.invalid) lines.push(`  ${f.invalid} inventory entr${f.invalid === 1 ? 'y' : 'ies'} skipped (INVENTORY_ENTRY_INVALID on stderr)`);
  if (t.worst.length) {
    lines.push('', 'Worst hosts:');
    for (const w of t.worst) lines.push(`  ${w.verdict.toUpperCase().padEnd(10)} ${w.key}${w.key !== w.host ? ` (${w.host})` : ''}  ${w.codes.join(', ')}`);
  }
  if (f.driftLines.length) lines.push('', ...f.driftLines);
  return `${lines.join('\n')}\n`;
}
