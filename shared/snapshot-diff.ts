// What changed between two agent reports (before/after an upgrade): versions, endpoints
// registered, trunks, calls, disks, and findings. Pure.

import { SCHEMA_VERSION, type AgentReport, type Finding, type Severity, type Verdict } from './model.js';

export type DiffArea = 'verdict' | 'version' | 'asterisk' | 'endpoints' | 'trunk' | 'calls' | 'disk' | 'database' | 'cdr' | 'finding';

export interface DiffChange {
  area: DiffArea;
  item: string;
  before: string | null;
  after: string | null;
  /** True when the change is for the worse (shown highlighted). */
  worse?: boolean;
}

export interface AgentDiff {
  schemaVersion: typeof SCHEMA_VERSION;
  kind: 'agent-diff';
  host: string;
  from: { generatedAt: string; verdict: Verdict };
  to: { generatedAt: string; verdict: Verdict };
  changes: DiffChange[];
  newFindings: Finding[];
  resolvedFindings: Finding[];
  /** Findings in both reports (as they are after), though their figures may have moved. */
  stillPresent: Finding[];
}

/** Disk use changes smaller than this (percentage points) are noise. */
const DISK_NOISE_POINTS = 1;

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function push(out: DiffChange[], area: DiffArea, item: string, before: unknown, after: unknown, worse?: boolean): void {
  const b = str(before);
  const a = str(after);
  if (b === a) return;
  const change: DiffChange = { area, item, before: b, after: a };
  if (worse) change.worse = true;
  out.push(change);
}

/** A message with its figures masked: "8.1 days" and "9.1 days" read the same. */
const withoutFigures = (message: string) => message.replace(/\d+(?:[.,]\d+)*/g, '#');

/**
 * What makes two findings the same finding: code, port, address and subject (the mount, trunk,
 * table, path…), never the numbers in the message. Reports from before `subject` existed are
 * matched on the message with its figures masked, on both sides alike.
 */
function findingKeyer(before: AgentReport, after: AgentReport): (f: Finding) => string {
  const subjects = [...before.findings, ...after.findings].every((f) => f.subject !== undefined);
  return (f) => `${f.code}|${f.port ?? ''}|${f.address ?? ''}|${subjects ? f.subject : withoutFigures(f.message)}`;
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warn: 1, fail: 2 };

export function diffAgentReports(before: AgentReport, after: AgentReport): AgentDiff {
  const changes: DiffChange[] = [];
  const rank: Record<Verdict, number> = { ready: 0, warnings: 1, unknown: 2, 'not-ready': 3 };
  push(changes, 'verdict', 'verdict', before.verdict, after.verdict, rank[after.verdict] > rank[before.verdict]);

  push(changes, 'version', 'product', `${before.product.name} ${before.product.version ?? '?'}`, `${after.product.name} ${after.product.version ?? '?'}`);
  push(changes, 'version', 'asterisk', before.asterisk.version, after.asterisk.version);
  push(changes, 'version', 'database', before.database.version, after.database.version);
  push(changes, 'version', 'kernel', before.host.kernel, after.host.kernel);

  push(changes, 'asterisk', 'running', before.asterisk.running, after.asterisk.running, before.asterisk.running && !after.asterisk.running);
  const eb = before.asterisk.endpoints;
  const ea = after.asterisk.endpoints;
  push(changes, 'endpoints', 'total', eb?.total, ea?.total);
  push(changes, 'endpoints', 'reachable', eb?.reachable, ea?.reachable, (ea?.reachable ?? 0) < (eb?.reachable ?? 0));

  const tb = new Map(before.asterisk.trunks.map((t) => [t.name, t.state]));
  const ta = new Map(after.asterisk.trunks.map((t) => [t.name, t.state]));
  for (const name of [...new Set([...tb.keys(), ...ta.keys()])].sort()) {
    const a = ta.get(name) ?? 'absent';
    push(changes, 'trunk', name, tb.get(name) ?? 'absent', a, !/^registered$/i.test(a) && /^registered$/i.test(tb.get(name) ?? ''));
  }

  push(changes, 'calls', 'active calls', before.asterisk.activeCalls, after.asterisk.activeCalls);
  const hb = before.cdr?.lastHour;
  const ha = after.cdr?.lastHour;
  push(changes, 'calls', 'calls in the last hour', hb?.calls, ha?.calls);
  push(changes, 'calls', 'unable to pass in the last hour', hb?.failed, ha?.failed, (ha?.failedRatio ?? 0) > (hb?.failedRatio ?? 0));

  const db = new Map(before.disks.map((d) => [d.mount, d]));
  const da = new Map(after.disks.map((d) => [d.mount, d]));
  for (const mount of [...new Set([...db.keys(), ...da.keys()])].sort()) {
    const b = db.get(mount);
    const a = da.get(mount);
    if (!b || !a) {
      push(changes, 'disk', mount, b ? `${b.usePercent}% used` : 'absent', a ? `${a.usePercent}% used` : 'absent');
      continue;
    }
    if (Math.abs(a.usePercent - b.usePercent) >= DISK_NOISE_POINTS) push(changes, 'disk', mount, `${b.usePercent}% used`, `${a.usePercent}% used`, a.usePercent > b.usePercent);
  }

  push(changes, 'database', 'reachable', before.database.reachable, after.database.reachable, before.database.reachable && !after.database.reachable);
  push(changes, 'cdr', 'rows', before.cdr?.rows, after.cdr?.rows);

  const findingKey = findingKeyer(before, after);
  const fb = new Map(before.findings.map((f) => [findingKey(f), f]));
  const ka = new Set(after.findings.map(findingKey));
  const stillPresent = after.findings.filter((f) => fb.has(findingKey(f)));
  for (const f of stillPresent) {
    const was = fb.get(findingKey(f))!;
    const item = f.subject ? `${f.code} ${f.subject}` : f.code;
    if (was.message !== f.message || was.severity !== f.severity) {
      push(changes, 'finding', item, `${was.severity}: ${was.message}`, `${f.severity}: ${f.message}`, SEVERITY_RANK[f.severity] > SEVERITY_RANK[was.severity]);
    }
  }
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'agent-diff',
    host: after.host.hostname,
    from: { generatedAt: before.generatedAt, verdict: before.verdict },
    to: { generatedAt: after.generatedAt, verdict: after.verdict },
    changes,
    newFindings: after.findings.filter((f) => !fb.has(findingKey(f))),
    resolvedFindings: before.findings.filter((f) => !ka.has(findingKey(f))),
    stillPresent,
  };
}
