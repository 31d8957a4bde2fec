// Is this value an agent report? The one check every reader of an agent report uses — the checker's
// agent sources (file, HTTP, SSH), the agent's own snapshots (`diff`), and reports put on tickets.
// None of them trusts the JSON until the shape the rules and renderers read is there: a report from
// an old agent, a truncated stream or an HTML error page must become a clear reason, never a crash.
// Pure. To check one more thing, add a rule to RULES: each returns the first problem, in words.

import { isRecord } from '../json.js';
import { SCHEMA_VERSION, type AgentReport } from '../model.js';

type Json = Record<string, unknown>;
/** One shape rule: the problem in words, or null. Runs only after the rules before it passed. */
type Rule = (r: Json) => string | null;

const RULES: readonly Rule[] = [
  (r) => (r.kind === 'agent' ? null : `kind is ${JSON.stringify(r.kind ?? null)}, not "agent"`),
  (r) => (r.schemaVersion === SCHEMA_VERSION ? null : `schemaVersion ${JSON.stringify(r.schemaVersion ?? null)} is not ${SCHEMA_VERSION}`),
  (r) => (typeof r.generatedAt === 'string' ? null : 'generatedAt is missing'),
  (r) => (['host', 'product', 'asterisk', 'database'] as const).map((key) => (isRecord(r[key]) ? null : `${key} is missing`)).find((p) => p) ?? null,
  (r) => (Array.isArray(r.disks) ? null : 'disks is not a list'),
  (r) => (Array.isArray(r.findings) ? null : 'findings is not a list'),
  (r) => (Array.isArray(r.listening) ? null : 'listening is not a list'),
  (r) => {
    for (const [i, s] of (r.listening as unknown[]).entries()) {
      if (!isRecord(s) || typeof s.port !== 'number' || !Number.isInteger(s.port) || typeof s.address !== 'string') return `listening[${i}] is not {port, address}`;
    }
    return null;
  },
  (r) => (typeof (r.product as Json).name === 'string' ? null : 'product.name is missing'),
  (r) =>
    r.publicAddresses === undefined || (Array.isArray(r.publicAddresses) && r.publicAddresses.every((a) => typeof a === 'string'))
      ? null
      : 'publicAddresses is not a list of addresses',
];

/** The first shape problem, in words, or null when the report is usable. */
export function agentReportProblem(value: unknown): string | null {
  if (!isRecord(value)) return 'not a JSON object';
  for (const rule of RULES) {
    const problem = rule(value);
    if (problem) return problem;
  }
  return null;
}

export function isAgentReport(value: unknown): value is AgentReport {
  return agentReportProblem(value) === null;
}

/** The report, or its first shape problem. */
export function validateAgentReport(value: unknown): { report: AgentReport } | { problem: string } {
  const problem = agentReportProblem(value);
  // The one place the narrowing is asserted: every rule above has passed.
  return problem === null ? { report: value as AgentReport } : { problem };
}

/** Parse text that should be an agent report: the report, or one line saying what it is instead. */
export function parseAgentReport(text: string): { report: AgentReport } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const head = text.trim().slice(0, 60).replace(/\s+/g, ' ');
    return { problem: `not JSON (${(err as Error).message}${head ? `; it starts with "${head}"` : '; it is empty'})` };
  }
  const checked = validateAgentReport(value);
  return 'problem' in checked ? { problem: `not an agent report: ${checked.problem}` } : checked;
}
