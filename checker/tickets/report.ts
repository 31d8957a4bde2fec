// The reports a ticket can carry: a check (maybe with the agent's view), an agent report, or any
// later kind (precheck, …) that keeps the common contract: kind, verdict, findings.

import { agentReportProblem, isAgentReport } from '../../shared/agent-report/validate.js';
import { UsageError } from '../../shared/errors.js';
import { findingsProblem } from '../../shared/findings.js';
import { cleanDeep } from '../../shared/sanitize.js';
import type { AgentReport, CheckReport, Finding, Product, Verdict } from '../../shared/model.js';
import { PROFILES } from '../../shared/profiles.js';
import { isRecord } from '../../shared/json.js';

/** Any report kind: the fields every kind shares, the rest left open. */
export interface GenericReport {
  kind: string;
  verdict: Verdict;
  findings: Finding[];
  generatedAt?: string;
  [field: string]: unknown;
}

export type TicketReport = CheckReport | AgentReport | GenericReport;

const VERDICTS: readonly string[] = ['ready', 'warnings', 'not-ready', 'unknown'];


/** Validate the shape we rely on; `where` names the file in the one-line error. */
export function parseTicketReport(text: string, where: string): TicketReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${where} is not JSON (${(err as Error).message.split('\n')[0]}); pass a report made with --format json`);
  }
  if (!isRecord(value)) throw new UsageError(`${where} is not a pbxready report (expected a JSON object)`);
  if (typeof value.kind !== 'string') throw new UsageError(`${where} is not a pbxready report (no "kind")`);
  if (typeof value.verdict !== 'string' || !VERDICTS.includes(value.verdict)) throw new UsageError(`${where} is not a pbxready report (no valid "verdict")`);
  const findings = findingsProblem(value.findings);
  if (findings) throw new UsageError(`${where} is not a pbxready report: ${findings}`);
  // The agent's view a check or a pre-check carries is rendered too: the one validator, in depth.
  const inner = [['agent', value.agent], ['check.agent', isRecord(value.check) ? value.check.agent : undefined]] as const;
  for (const [name, agent] of inner) {
    const problem = agent === undefined ? null : agentReportProblem(agent);
    if (problem) throw new UsageError(`${where} is not a pbxready report: ${name}: ${problem}`);
  }
  if (value.kind === 'check' && !(isRecord(value.target) && typeof value.target.host === 'string' && Array.isArray(value.ports))) {
    throw new UsageError(`${where}: a check report needs "target" and "ports"`);
  }
  if (value.kind === 'agent') {
    const problem = agentReportProblem(value);
    if (problem) throw new UsageError(`${where} is not a usable agent report (${problem})`);
  }
  // Its strings go into help-desk bodies: controls out, lengths bounded (shared/sanitize.ts).
  return cleanDeep(value, 8192, 100_000) as unknown as TicketReport;
}

/** The agent's view inside the report, when there is one (check --agent, an agent report, a precheck carrying one). */
export function agentOf(r: TicketReport): AgentReport | undefined {
  if (isAgentReport(r)) return r;
  const inner = (r as { agent?: unknown }).agent;
  if (isAgentReport(inner)) return inner;
  // A precheck carries the joint check, which carries the agent's view.
  const check = (r as { check?: unknown }).check;
  return isRecord(check) && isAgentReport(check.agent) ? check.agent : undefined;
}

/** The name a person knows the PBX by. */
export function reportHost(r: TicketReport): string {
  const target = (r as { target?: unknown }).target;
  if (isRecord(target) && typeof target.host === 'string' && target.host) return target.host;
  const agent = agentOf(r);
  if (agent?.host.hostname) return agent.host.hostname;
  const host = (r as { host?: unknown }).host;
  if (typeof host === 'string' && host) return host;
  return 'unknown host';
}

/** What Bicom's form asks about the product, filled only from what the report knows. */
export interface ProductFields {
  product: string | null;
  version: string | null;
  edition: string | null;
  licence: string | null;
}

/** The product the report is about: the agent's word first, then the check's profile; null when neither knows. */
export function reportProduct(r: TicketReport): Product | null {
  const agent = agentOf(r);
  if (agent && agent.product.name !== 'unknown' && agent.product.name in PROFILES) return agent.product.name as Product;
  const target = (r as { target?: unknown }).target;
  return isRecord(target) && typeof target.product === 'string' && target.product in PROFILES ? (target.product as Product) : null;
}

export function productFields(r: TicketReport): ProductFields {
  const agent = agentOf(r);
  const fromAgent = agent && agent.product.name !== 'unknown' ? agent.product : undefined;
  const name = reportProduct(r);
  return {
    product: name ? PROFILES[name].title : null,
    version: fromAgent?.version ?? null,
    edition: fromAgent?.edition ?? null,
    licence: fromAgent?.licence ?? null,
  };
}

/** Findings of the report and of the agent's view inside it, each once. */
export function allFindings(r: TicketReport): Finding[] {
  const agent = agentOf(r);
  const own = r.findings;
  if (!agent || agent === r) return [...own];
  const seen = new Set(own.map((f) => `${f.code}|${f.message}`));
  return [...own, ...agent.findings.filter((f) => !seen.has(`${f.code}|${f.message}`))];
}
