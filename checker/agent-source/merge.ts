// One report with both views: the agent's report goes into `agent`, the joint diagnoses into the
// findings (replacing the outside-only port-state finding they explain), and the verdict is recomputed.
// When the agent could not be had, the check still stands, with AGENT_UNAVAILABLE saying why.

import { finding } from '../../shared/findings.js';
import type { CheckReport, Finding } from '../../shared/model.js';
import { cleanDeep, cleanText } from '../../shared/sanitize.js';
import { jointFindings } from '../../shared/rules/joint.js';
import { sortFindings, verdictOf } from '../../shared/verdict.js';
import type { AgentOutcome } from './source.js';

/** Outside-only findings a joint diagnosis of the same port and address says better. */
const SUPERSEDED = new Set(['PORT_CLOSED', 'PORT_FILTERED']);

export function mergeAgent(check: CheckReport, outcome: AgentOutcome): CheckReport {
  let findings: Finding[];
  const merged: CheckReport = { ...check };
  if (outcome.ok) {
    // The agent's report enters the model here: its strings cleaned and bounded like the host's.
    const agent = cleanDeep(outcome.report, 1024);
    merged.agent = agent;
    const joint = jointFindings(check, agent);
    const explained = new Set(joint.filter((f) => f.port !== undefined).map((f) => `${f.port}/${f.address}`));
    findings = [...check.findings.filter((f) => !(SUPERSEDED.has(f.code) && explained.has(`${f.port}/${f.address}`))), ...joint];
  } else {
    findings = [...check.findings, finding('AGENT_UNAVAILABLE', { reason: cleanText(outcome.failure.reason, 1024) })];
  }
  merged.findings = sortFindings(findings);
  merged.verdict = verdictOf(merged.findings);
  return merged;
}
