// Plain text for a terminal or a log: aligned tables, findings with their remedies.

import { oneLine } from '../sanitize.js';
import { sortFindings } from '../verdict.js';
import { VERDICT_LABEL, type ReportDocument, type Table } from './document.js';

const SEVERITY_TAG: Partial<Record<string, string>> = { fail: 'FAIL', warn: 'WARN', info: 'INFO' };

/**
 * A terminal obeys what it is sent: every field loses its controls (ESC sequences retitle or clear
 * it, a CR or LF fabricates a report line) before it is laid out.
 */
const t = (s: string | number): string => oneLine(String(s));

function table(tab: Table): string[] {
  const columns = tab.columns.map(t);
  const rows = tab.rows.map((r) => r.map((c) => t(c.text)));
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function facts(rows: Array<[string, string]>): string[] {
  const w = Math.max(0, ...rows.map(([k]) => t(k).length));
  return rows.map(([k, v]) => `${`${t(k)}:`.padEnd(w + 1)} ${t(v)}`);
}

export function renderText(doc: ReportDocument): string {
  const out: string[] = [];
  out.push(t(doc.title), `Verdict: ${t(VERDICT_LABEL[doc.verdict] ?? doc.verdict)} — ${t(doc.headline)}`, '');
  if (doc.facts.length) out.push(...facts(doc.facts), '');
  for (const s of doc.sections) {
    out.push(t(s.title), '');
    if (s.facts?.length) out.push(...facts(s.facts).map((l) => `  ${l}`));
    if (s.table) out.push(...table(s.table).map((l) => `  ${l}`));
    if (s.lines?.length) out.push(...s.lines.map((l) => `  ${t(l)}`));
    out.push('');
  }
  out.push('Findings', '');
  const findings = sortFindings(doc.findings);
  if (findings.length === 0) out.push('  none');
  for (const f of findings) {
    out.push(`  [${SEVERITY_TAG[f.severity] ?? t(f.severity)}] ${t(f.code)}: ${t(f.message)}`);
    out.push(`         fix: ${t(f.remedy)}`);
  }
  out.push('', t(doc.footer));
  return `${out.join('\n')}\n`;
}
