// Plain text for a terminal or a log: aligned tables, findings with their remedies.

import { sortFindings } from '../verdict.js';
import { VERDICT_LABEL, type ReportDocument, type Table } from './document.js';

const SEVERITY_TAG = { fail: 'FAIL', warn: 'WARN', info: 'INFO' } as const;

function table(t: Table): string[] {
  const widths = t.columns.map((c, i) => Math.max(c.length, ...t.rows.map((r) => r[i]?.text.length ?? 0)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(t.columns), line(widths.map((w) => '-'.repeat(w))), ...t.rows.map((r) => line(r.map((c) => c.text)))];
}

function facts(rows: Array<[string, string]>): string[] {
  const w = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${`${k}:`.padEnd(w + 1)} ${v}`);
}

export function renderText(doc: ReportDocument): string {
  const out: string[] = [];
  out.push(`${doc.title}`, `Verdict: ${VERDICT_LABEL[doc.verdict]} — ${doc.headline}`, '');
  if (doc.facts.length) out.push(...facts(doc.facts), '');
  for (const s of doc.sections) {
    out.push(s.title, '');
    if (s.facts?.length) out.push(...facts(s.facts).map((l) => `  ${l}`));
    if (s.table) out.push(...table(s.table).map((l) => `  ${l}`));
    if (s.lines?.length) out.push(...s.lines.map((l) => `  ${l}`));
    out.push('');
  }
  out.push('Findings', '');
  const findings = sortFindings(doc.findings);
  if (findings.length === 0) out.push('  none');
  for (const f of findings) {
    out.push(`  [${SEVERITY_TAG[f.severity]}] ${f.code}: ${f.message}`);
    out.push(`         fix: ${f.remedy}`);
  }
  out.push('', doc.footer);
  return `${out.join('\n')}\n`;
}
