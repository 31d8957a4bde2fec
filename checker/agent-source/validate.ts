// Is this text an agent report? The checker trusts none of it until the shape the rules read is there:
// a report from an old agent, a truncated stream or an HTML error page must become a clear reason.

import type { AgentReport } from '../../shared/model.js';
import { SCHEMA_VERSION } from '../../shared/model.js';

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The first shape problem, in words, or null when the report is usable. */
export function agentReportProblem(value: unknown): string | null {
  if (!isObj(value)) return 'not a JSON object';
  if (value.kind !== 'agent') return `kind is ${JSON.stringify(value.kind ?? null)}, not "agent"`;
  if (value.schemaVersion !== SCHEMA_VERSION) return `schemaVersion ${JSON.stringify(value.schemaVersion ?? null)} is not ${SCHEMA_VERSION}`;
  if (typeof value.generatedAt !== 'string') return 'generatedAt is missing';
  for (const key of ['host', 'product', 'asterisk', 'database'] as const) if (!isObj(value[key])) return `${key} is missing`;
  if (!Array.isArray(value.disks)) return 'disks is not a list';
  if (!Array.isArray(value.findings)) return 'findings is not a list';
  if (!Array.isArray(value.listening)) return 'listening is not a list';
  for (const [i, s] of value.listening.entries()) {
    if (!isObj(s) || typeof s.port !== 'number' || !Number.isInteger(s.port) || typeof s.address !== 'string') return `listening[${i}] is not {port, address}`;
  }
  const product = value.product as Json;
  if (typeof product.name !== 'string') return 'product.name is missing';
  if (value.publicAddresses !== undefined && !(Array.isArray(value.publicAddresses) && value.publicAddresses.every((a) => typeof a === 'string'))) {
    return 'publicAddresses is not a list of addresses';
  }
  return null;
}

export function parseAgentReport(text: string): { report: AgentReport } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const head = text.trim().slice(0, 60).replace(/\s+/g, ' ');
    return { problem: `not JSON (${(err as Error).message}${head ? `; it starts with "${head}"` : '; it is empty'})` };
  }
  const problem = agentReportProblem(value);
  return problem ? { problem: `not an agent report: ${problem}` } : { report: value as AgentReport };
}
