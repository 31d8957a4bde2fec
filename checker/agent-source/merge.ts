// One report with both views: the agent's report goes into `agent`, the joint diagnoses into the
// findings (replacing the outside-only port-state finding they explain), and the verdict is recomputed.
// What the agent adds can change the outside judgement itself: its product settles (or questions)
// `--product auto`, and the address its SSH session came from can show the check ran from inside
// (hairpin NAT). Then the outside view is judged again with the same pure rules.
// When the agent could not be had, the check still stands, with AGENT_UNAVAILABLE saying why.

import { finding } from '../../shared/findings.js';
import type { AgentReport, CheckReport, Finding } from '../../shared/model.js';
import { cleanDeep, cleanText } from '../../shared/sanitize.js';
import { jointFindings, type JointOptions } from '../../shared/rules/joint.js';
import { outsideFindings, productFor, productTarget, withRequired, type OutsideContext } from '../../shared/rules/outside.js';
import { withSshSession } from '../../shared/rules/vantage.js';
import { sortFindings, verdictOf } from '../../shared/verdict.js';
import type { AgentOutcome, AgentVia } from './source.js';
import { pickSshPort } from './ssh.js';

/** Outside-only findings a joint diagnosis of the same port and address says better. */
const SUPERSEDED = new Set(['PORT_CLOSED', 'PORT_FILTERED']);

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * The outside view judged again with the agent's facts, or the check unchanged when they change
 * nothing. The SSH session counts only when the agent ran over the check's own SSH login (`via` ssh):
 * a report made by hand carries the partner's session, not the check's.
 */
export function reassess(check: CheckReport, agent: AgentReport, via: AgentVia, ctx: OutsideContext): CheckReport {
  if (check.target.addresses.length === 0) return check;
  const decision = productFor(ctx.product, check.ports, agent.product.name);
  let vantage = check.vantage;
  const port = via === 'ssh' && agent.sshSession ? pickSshPort(check.ports) : null;
  if (vantage && port && agent.sshSession) vantage = withSshSession(vantage, port.address, agent.sshSession);
  const before = check.target.productCandidates ?? [check.target.product];
  const productChanged = decision.product !== check.target.product || !sameSet(decision.candidates, before);
  if (!productChanged && vantage === check.vantage) return check;
  const ports = withRequired(check.ports, decision, ctx.ports);
  const { host, addresses } = check.target;
  const judged: CheckReport = {
    ...check,
    target: { host, addresses, ...productTarget(decision, ctx) },
    ports,
    findings: outsideFindings({ addresses, ports, icmp: check.icmp, vantage }, decision, ctx),
  };
  if (vantage) judged.vantage = vantage;
  return judged;
}

export function mergeAgent(check: CheckReport, outcome: AgentOutcome, ctx?: OutsideContext & JointOptions): CheckReport {
  if (!outcome.ok) {
    const unavailable = [finding('AGENT_UNAVAILABLE', { reason: cleanText(outcome.failure.reason, 1024) })];
    // The vendor's sources can only be judged from the host's own firewall: say it was not.
    if (ctx?.vendorSources?.length) unavailable.push(finding('VENDOR_SOURCES_UNVERIFIED', { sources: ctx.vendorSources.join(', '), reason: 'the host agent could not be used' }));
    const findings = sortFindings([...check.findings, ...unavailable]);
    return { ...check, findings, verdict: verdictOf(findings) };
  }
  // The agent's report enters the model here: its strings cleaned and bounded like the host's.
  const agent = cleanDeep(outcome.report, 1024);
  const base = ctx ? reassess(check, agent, outcome.via, ctx) : check;
  const joint = jointFindings(base, agent, ctx?.vendorSources ? { vendorSources: ctx.vendorSources } : {});
  const explained = new Set(joint.filter((f) => f.port !== undefined).map((f) => `${f.port}/${f.address}`));
  const findings: Finding[] = sortFindings([...base.findings.filter((f) => !(SUPERSEDED.has(f.code) && explained.has(`${f.port}/${f.address}`))), ...joint]);
  return { ...base, agent, findings, verdict: verdictOf(findings) };
}
