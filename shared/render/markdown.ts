// GitHub/Freshdesk-flavoured Markdown, meant to be pasted into a ticket as it is.

import { oneLine } from '../sanitize.js';
import { sortFindings } from '../verdict.js';
import { VERDICT_LABEL, type ReportDocument, type Table } from './document.js';

const ICON: Partial<Record<string, string>> = { fail: '❌', warn: '⚠️', info: 'ℹ️' };

/** Every field: controls out and line breaks (lone CR too) flattened, then Markdown's own characters escaped. */
export function mdEscape(s: string): string {
  return oneLine(String(s)).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/([*_`<>[\]])/g, '\\$1');
}

/** A finding code in a code span only when it is one (a backtick inside would end the span). */
function mdCode(code: string): string {
  return /^[A-Z0-9_]{1,64}$/.test(code) ? `\`${code}\`` : mdEscape(code);
}

function table(t: Table): string[] {
  return [
    `| ${t.columns.map(mdEscape).join(' | ')} |`,
    `| ${t.columns.map(() => '---').join(' | ')} |`,
    ...t.rows.map((r) => `| ${r.map((c) => mdEscape(c.text)).join(' | ')} |`),
  ];
}

export function renderMarkdown(doc: ReportDocument): string {
  const out: string[] = [];
  out.push(`## ${mdEscape(doc.title)}`, '', `**Verdict: ${VERDICT_LABEL[doc.verdict]}** — ${mdEscape(doc.headline)}`, '');
  if (doc.facts.length) {
    for (const [k, v] of doc.facts) out.push(`- **${mdEscape(k)}:** ${mdEscape(v)}`);
    out.push('');
  }
  const findings = sortFindings(doc.findings);
  out.push('### Findings', '');
  if (findings.length === 0) out.push('No findings.');
  for (const f of findings) {
    out.push(`- ${ICON[f.severity] ?? ''} **${mdEscape(String(f.severity).toUpperCase())} ${mdCode(f.code)}** — ${mdEscape(f.message)}`);
    out.push(`  - *Remedy:* ${mdEscape(f.remedy)}`);
  }
  out.push('');
  for (const s of doc.sections) {
    out.push(`### ${mdEscape(s.title)}`, '');
    if (s.facts?.length) {
      for (const [k, v] of s.facts) out.push(`- **${mdEscape(k)}:** ${mdEscape(v)}`);
      out.push('');
    }
    if (s.table) out.push(...table(s.table), '');
    if (s.lines?.length) out.push(...s.lines.map((l) => `- ${mdEscape(l)}`), '');
  }
  out.push(`<sub>${mdEscape(doc.footer)}</sub>`);
  return `${out.join('\n')}\n`;
}
