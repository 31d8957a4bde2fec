// One self-contained HTML page for a person: status at a glance, tables, findings with remedies.
// No external assets, no scripts: it must open from a ticket attachment on any machine.

import { oneLine } from '../sanitize.js';
import { sortFindings } from '../verdict.js';
import { VERDICT_LABEL, VERDICT_TONE, type ReportDocument, type Table, type Tone } from './document.js';

/** Every field, whoever wrote it: controls out, then the five characters HTML gives meaning to. */
export function htmlEscape(s: string): string {
  return oneLine(String(s)).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const SEVERITY_TONE: Partial<Record<string, Tone>> = { fail: 'fail', warn: 'warn', info: 'info' };

export const BASE_CSS = `
:root{--ok:#1a7f37;--warn:#9a6700;--fail:#cf222e;--info:#0969da;--muted:#57606a;--bg:#fff;--fg:#1f2328;--line:#d0d7de}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0;padding:24px;max-width:1100px}
h1{font-size:20px;margin:0 0 12px}h2{font-size:16px;margin:24px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.verdict{display:inline-block;padding:6px 14px;border-radius:6px;color:#fff;font-weight:700;letter-spacing:.03em}
.verdict.ok{background:var(--ok)}.verdict.warn{background:var(--warn)}.verdict.fail{background:var(--fail)}.verdict.muted{background:var(--muted)}
.headline{margin:8px 0 16px}
table{border-collapse:collapse;width:100%;margin:4px 0 8px}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#f6f8fa;font-weight:600}
td.ok{color:var(--ok);font-weight:600}td.warn{color:var(--warn);font-weight:600}td.fail{color:var(--fail);font-weight:600}td.info{color:var(--info)}td.muted{color:var(--muted)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0}dt{color:var(--muted)}dd{margin:0}
.finding{border-left:4px solid var(--line);padding:6px 10px;margin:6px 0;background:#f6f8fa}
.finding.fail{border-color:var(--fail)}.finding.warn{border-color:var(--warn)}.finding.info{border-color:var(--info)}
.finding .code{font-family:ui-monospace,monospace;font-weight:700}.finding .remedy{color:var(--muted)}
footer{margin-top:24px;color:var(--muted);font-size:12px}
`;

function facts(rows: Array<[string, string]>): string {
  return `<dl>${rows.map(([k, v]) => `<dt>${htmlEscape(k)}</dt><dd>${htmlEscape(v)}</dd>`).join('')}</dl>`;
}

function table(t: Table): string {
  const head = `<tr>${t.columns.map((c) => `<th>${htmlEscape(c)}</th>`).join('')}</tr>`;
  const body = t.rows
    .map((r) => `<tr>${r.map((c) => `<td${c.tone ? ` class="${htmlEscape(c.tone)}"` : ''}>${htmlEscape(c.text)}</td>`).join('')}</tr>`)
    .join('');
  return `<table><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

export function renderHtml(doc: ReportDocument): string {
  const findings = sortFindings(doc.findings);
  const parts: string[] = [];
  parts.push(`<h1>${htmlEscape(doc.title)}</h1>`);
  parts.push(`<div class="verdict ${VERDICT_TONE[doc.verdict]}" data-verdict="${htmlEscape(doc.verdict)}">${htmlEscape(VERDICT_LABEL[doc.verdict])}</div>`);
  parts.push(`<p class="headline">${htmlEscape(doc.headline)}</p>`);
  if (doc.facts.length) parts.push(facts(doc.facts));
  parts.push(`<h2>Findings</h2>`);
  if (findings.length === 0) parts.push('<p>No findings.</p>');
  for (const f of findings) {
    parts.push(
      `<div class="finding ${SEVERITY_TONE[f.severity] ?? 'info'}" data-code="${htmlEscape(f.code)}"><div><span class="sev">${htmlEscape(String(f.severity).toUpperCase())}</span> <span class="code">${htmlEscape(f.code)}</span> — ${htmlEscape(f.message)}</div><div class="remedy">Remedy: ${htmlEscape(f.remedy)}</div></div>`,
    );
  }
  for (const s of doc.sections) {
    parts.push(`<h2>${htmlEscape(s.title)}</h2>`);
    if (s.facts?.length) parts.push(facts(s.facts));
    if (s.table) parts.push(table(s.table));
    if (s.lines?.length) parts.push(`<ul>${s.lines.map((l) => `<li>${htmlEscape(l)}</li>`).join('')}</ul>`);
  }
  parts.push(`<footer>${htmlEscape(doc.footer)}</footer>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${htmlEscape(`${doc.title} — ${VERDICT_LABEL[doc.verdict]}`)}</title>
<style>${BASE_CSS}</style></head>
<body>
${parts.join('\n')}
</body></html>
`;
}
