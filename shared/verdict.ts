// Verdict and exit code from findings: the monitoring-plugin convention (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).

import { isInconclusive } from './findings.js';
import type { Finding, Severity, Verdict } from './model.js';

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warn: 1, fail: 2 };

export function verdictOf(findings: readonly Finding[]): Verdict {
  if (findings.some((f) => f.severity === 'fail' && !isInconclusive(f.code))) return 'not-ready';
  if (findings.some((f) => isInconclusive(f.code))) return 'unknown';
  if (findings.some((f) => f.severity === 'warn')) return 'warnings';
  return 'ready';
}

export const EXIT_CODE: Record<Verdict, 0 | 1 | 2 | 3> = {
  ready: 0,
  warnings: 1,
  'not-ready': 2,
  unknown: 3,
};

const VERDICT_RANK: Record<Verdict, number> = { ready: 0, warnings: 1, unknown: 2, 'not-ready': 3 };

/** The worse of two verdicts (fleet scans exit with the worst). */
export function worstVerdict(a: Verdict, b: Verdict): Verdict {
  return VERDICT_RANK[a] >= VERDICT_RANK[b] ? a : b;
}

/** Worst first, then by code, so reports read the same every run. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (x, y) =>
      SEVERITY_RANK[y.severity] - SEVERITY_RANK[x.severity] ||
      x.code.localeCompare(y.code) ||
      (x.port ?? 0) - (y.port ?? 0) ||
      (x.address ?? '').localeCompare(y.address ?? ''),
  );
}

export function verdictRank(v: Verdict): number {
  return VERDICT_RANK[v];
}
