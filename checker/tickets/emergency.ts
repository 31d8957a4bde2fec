// Whether to suggest an Emergency ticket. Bicom charges for emergencies that are not, so the
// suggestion rests only on evidence the agent measured: EMERGENCY_CRITERIA_MET (system down, or 50%
// or more of calls unable to pass — FAILED/CONGESTION, or a collapsed call volume). It is only ever
// a suggestion: the user applies it. Every answer carries its reason, yes or no.

import { agentOf, allFindings, type TicketReport } from './report.js';

export interface EmergencySuggestion {
  suggested: boolean;
  reason: string;
}

export const EMERGENCY_CODE = 'EMERGENCY_CRITERIA_MET';

export function emergencySuggestion(r: TicketReport): EmergencySuggestion {
  const met = allFindings(r).find((f) => f.code === EMERGENCY_CODE);
  if (met) return { suggested: true, reason: `${EMERGENCY_CODE}: ${met.message}` };
  const agent = agentOf(r);
  if (!agent) {
    return {
      suggested: false,
      reason: 'the report has no agent facts, so whether calls can pass is unknown; an Emergency needs evidence (system down, 50% or more of calls unable to pass, SIPProt down on a weekend)',
    };
  }
  const lastHour = agent.cdr?.lastHour;
  if (!lastHour) {
    return { suggested: false, reason: 'the agent could not read the last hour of CDRs, so the emergency criterion (50% or more of calls unable to pass) is not shown' };
  }
  const pct = lastHour.failedRatio === null ? 'no calls' : `${Math.round(lastHour.failedRatio * 100)}%`;
  return {
    suggested: false,
    reason: `${lastHour.failed} of ${lastHour.calls} calls in the last hour could not pass (${pct}; NO ANSWER and BUSY calls did pass), below the vendor's emergency criterion of 50%; ${agent.asterisk.running ? 'Asterisk runs' : `whether the system is down is not proven (${agent.asterisk.reason ?? 'the Asterisk CLI did not answer'})`}`,
  };
}

/** The vendor's rule: an Emergency is marked by URGENT/EMERGENCY in the subject. */
export function emergencySubject(subject: string): string {
  return /\b(URGENT|EMERGENCY)\b/.test(subject) ? subject : `EMERGENCY: ${subject}`;
}
