// One host's inside view in a fleet scan: the agent's report fetched by the entry's source (the same
// sources and merge as `check --agent`), within the scan's time limit whatever the source does — a
// source that ignores its own limit is cut off here and the host is reported with AGENT_UNAVAILABLE.

import type { CheckReport } from '../../shared/model.js';
import { fetchAndMerge } from '../agent-source/index.js';
import { mergeAgent } from '../agent-source/merge.js';
import { failed, type AgentOutcome, type AgentSource } from '../agent-source/source.js';
import type { CheckOptions } from '../check-options.js';
import { deadline } from '../probes/probe.js';

/** What the history keeps of how the inside view went (summarize's InsideAsked). */
export interface InsideOutcome {
  via: string;
  failure?: string;
}

/** Beyond the source's own limit, the scan waits this much longer for it to say so itself. */
const GRACE_MS = 1000;

export async function insideView(
  check: CheckReport,
  source: AgentSource,
  options: CheckOptions,
  timeoutMs: number,
  portMap?: Readonly<Record<number, number>>,
): Promise<{ report: CheckReport; inside: InsideOutcome }> {
  // The source gets the scan's stop signal (SIGTERM stops an agent run too) and its own time limit.
  const guard = deadline(timeoutMs + GRACE_MS, options.signal);
  let outcome: AgentOutcome;
  let report: CheckReport;
  try {
    const cutOff = new Promise<never>((_, reject) => guard.signal.addEventListener('abort', () => reject(guard.signal.reason), { once: true }));
    ({ report, outcome } = await Promise.race([fetchAndMerge(check, source, { ...options, signal: guard.signal }, portMap), cutOff]));
  } catch {
    outcome = failed(source.via, 'timeout', `no answer within the scan's limit of ${timeoutMs} ms`);
    report = mergeAgent(check, outcome);
  } finally {
    guard.clear();
  }
  return { report, inside: { via: outcome.ok ? (outcome.report.collector === 'agentless' ? 'agentless' : outcome.via) : outcome.via, ...(outcome.ok ? {} : { failure: outcome.failure.reason }) } };
}
