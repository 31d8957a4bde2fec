// The vendor's emergency criteria, judged only on evidence it would accept (domain.md, "Tickets"):
// "system down" and "50% of calls or more unable to pass". Pure: facts and thresholds in, findings out.
//
// Unable to pass = the system could not complete the call: FAILED, CONGESTION, and CHANUNAVAIL (the
// dial status some Asterisk builds and PBX dialplans write as the disposition when no channel was
// available). NO ANSWER and BUSY calls passed: the callee did not pick up or was busy — a call centre
// with queues and ring groups has many of them on a healthy day. A trunk down for inbound leaves no
// CDR row at all, so the last hour is also compared with the same hour of the previous weeks.

import { finding } from '../findings.js';
import type { AgentReport, Finding } from '../model.js';

export const UNABLE_TO_PASS: readonly string[] = Object.freeze(['FAILED', 'CONGESTION', 'CHANUNAVAIL']);

export function isUnableToPass(disposition: string): boolean {
  return UNABLE_TO_PASS.includes(disposition.trim().toUpperCase());
}

export interface EmergencyThresholds {
  /** "50% of calls or more unable to pass": this share of the last hour's calls… */
  emergencyFailedRatio: number;
  /** …of at least this many calls (fewer prove nothing). */
  emergencyMinCalls: number;
  /** CALL_VOLUME_COLLAPSED when the last hour has fewer than this share of the usual calls… */
  volumeCollapseRatio: number;
  /** …and the usual hour (mean of the same hour on the same weekday, previous weeks) has at least this many… */
  volumeMinUsualCalls: number;
  /** …measured over at least this many of the previous four weeks. */
  volumeMinWeeks: number;
}

type Facts = Pick<AgentReport, 'asterisk' | 'cdr'>;

/** The criteria's names (EMERGENCY_CRITERIA_MET's subject); the checker's outside evidence uses the first. */
export const CRITERION_DOWN = 'system down';
const CRITERION_CALLS = '50% of calls or more unable to pass';

/** EMERGENCY_CRITERIA_MET naming the criterion and its evidence. */
export function criterionMet(criterion: string, evidence: string): Finding {
  const f = finding('EMERGENCY_CRITERIA_MET', { criterion, evidence });
  f.subject = criterion;
  return f;
}

/** "FAILED 5, CONGESTION 3, NO ANSWER 9": every disposition, largest first. */
export function dispositionSummary(dispositions: Record<string, number> | undefined): string {
  const entries = Object.entries(dispositions ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return entries.map(([d, n]) => `${d || '(empty)'} ${n}`).join(', ');
}

/** The usual calls in this hour: the mean over the weeks measured, rounded to one decimal. */
export function usualCalls(weeks: readonly number[]): number | null {
  if (!weeks.length) return null;
  return Math.round((weeks.reduce((a, b) => a + b, 0) / weeks.length) * 10) / 10;
}

export function emergencyFindings(r: Facts, t: EmergencyThresholds): Finding[] {
  const out: Finding[] = [];
  if (!r.asterisk.running && r.asterisk.confirmedDown) {
    out.push(criterionMet(CRITERION_DOWN, `Asterisk is not running on the host (${r.asterisk.reason ?? 'the CLI cannot connect to it'})`));
  }
  const cdr = r.cdr;
  if (!cdr || cdr.error) return out;
  const h = cdr.lastHour;
  if (h && h.calls >= t.emergencyMinCalls && h.failed / h.calls >= t.emergencyFailedRatio) {
    const pct = Math.round((h.failed / h.calls) * 100);
    const all = dispositionSummary(h.dispositions);
    out.push(criterionMet(CRITERION_CALLS, `${h.failed} of ${h.calls} calls in the last hour could not pass (${pct}%; FAILED/CONGESTION/CHANUNAVAIL${all ? `; by disposition: ${all}` : ''})`));
  }
  const weeks = cdr.sameHourBefore ?? [];
  const usual = usualCalls(weeks);
  if (h && usual !== null && weeks.length >= t.volumeMinWeeks && usual >= t.volumeMinUsualCalls && h.calls < usual * t.volumeCollapseRatio) {
    const percent = Math.round((h.calls / usual) * 100);
    const f = finding('CALL_VOLUME_COLLAPSED', { calls: h.calls, usual, weeks: weeks.length, perWeek: weeks.join(', '), percent });
    f.subject = cdr.table;
    out.push(f);
    // Calls that never reached the PBX (a trunk down for inbound) leave no row: the missing calls are the evidence.
    if (!out.some((x) => x.subject === CRITERION_CALLS)) {
      out.push(criterionMet(CRITERION_CALLS, `only ${h.calls} call(s) in the last hour against ${usual} usually at this hour (${percent}%): calls that cannot reach the PBX leave no CDR at all`));
    }
  }
  return out;
}
