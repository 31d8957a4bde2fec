// The public entry of the agent sources: flags → source, and the step after runCheck that adds the inside view.

import type { CheckReport } from '../../shared/model.js';
import type { CheckOptions } from '../check-options.js';
import { mergeAgent } from './merge.js';
import type { AgentOutcome, AgentSource } from './source.js';

export type { AgentOutcome, AgentSource, AgentVia } from './source.js';

/** Ask the source for the agent's report and merge it (or AGENT_UNAVAILABLE) into the check. */
export async function fetchAndMerge(
  check: CheckReport,
  source: AgentSource,
  options: CheckOptions,
  portMap?: Readonly<Record<number, number>>,
): Promise<{ report: CheckReport; outcome: AgentOutcome }> {
  let outcome: AgentOutcome;
  try {
    outcome = await source.fetch({ check, options, ...(portMap ? { portMap } : {}) });
  } catch (err) {
    // A source must not sink the check: anything unforeseen becomes the reason in AGENT_UNAVAILABLE.
    outcome = { ok: false, via: source.via, failure: { kind: 'command-failed', reason: (err as Error).message.split('\n')[0] ?? String(err) } };
  }
  return { report: mergeAgent(check, outcome, options), outcome };
}

/** `check --agent …`: the check as it was when no agent is asked for, else both views in one report. */
export async function withAgent(check: CheckReport, source: AgentSource | null, options: CheckOptions): Promise<CheckReport> {
  return source ? (await fetchAndMerge(check, source, options)).report : check;
}
