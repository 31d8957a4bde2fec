// The fleet dashboard: one self-contained page (no external assets) with what changed since the
// previous run on top, then a grid of hosts × required ports coloured by state, verdict badges,
// and filters by customer, tag and verdict (a small inline script; the page reads fine without it).

import type { DriftSummary, HostSummary } from '../model.js';
import type { PortState, Verdict } from '../model.js';
import { BASE_CSS, htmlEscape } from './html.js';

export interface DashboardRun {
  id: number;
  status: 'running' | 'complete' | 'interrupted' | 'abandoned';
  inventory: string;
  startedAt: string;
  hostsTotal: number | null;
  invalidEntries: number;
}

export interface DashboardModel {
  run: DashboardRun;
  /** Called twice (columns and filters, then rows): a store can stream instead of holding the fleet. */
  hosts: () => Iterable<HostSummary>;
  drift: DriftSummary | null;
  generatedAt: string;
  toolVersion: string;
}

const VERDICTS: Verdict[] = ['not-ready', 'unknown', 'warnings', 'ready'];
const VERDICT_TEXT: Record<Verdict, string> = { ready: 'READY', warnings: 'WARNINGS', 'not-ready': 'NOT READY', unknown: 'UNKNOWN' };
const STATE_CLASS: Record<PortState, string> = { open: 'p-open', closed: 'p-closed', filtered: 'p-filtered' };

const CSS = `
body{max-width:none}
.badge{display:inline-block;padding:2px 8px;border-radius:4px;color:#fff;font-weight:700;font-size:12px;white-space:nowrap}
.v-ready{background:var(--ok)}.v-warnings{background:var(--warn)}.v-not-ready{background:var(--fail)}.v-unknown{background:var(--muted)}
td.p-open{background:#1a7f37;color:#fff;text-align:center}
td.p-closed{background:#cf222e;color:#fff;text-align:center}
td.p-filtered{background:#9a6700;color:#fff;text-align:center}
td.p-na{background:#f6f8fa;color:var(--muted);text-align:center}
.filters{display:flex;gap:16px;flex-wrap:wrap;align-items:center;margin:12px 0}
.filters button{border:1px solid var(--line);background:#fff;border-radius:4px;padding:3px 10px;cursor:pointer}
.filters button[aria-pressed=true]{background:#0969da;color:#fff;border-color:#0969da}
.drift li.worse{color:var(--fail);font-weight:600}
.counts span{margin-right:12px}
tr[hidden]{display:none}
`;

const SCRIPT = `
(function(){
  var state={verdicts:{},customer:'',tag:''};
  var rows=[].slice.call(document.querySelectorAll('#hosts tbody tr'));
  function apply(){
    var any=Object.keys(state.verdicts).some(function(k){return state.verdicts[k];});
    var shown=0;
    rows.forEach(function(r){
      var ok=(!any||state.verdicts[r.dataset.verdict])&&(!state.customer||r.dataset.customer===state.customer)&&(!state.tag||(' '+r.dataset.tags+' ').indexOf(' '+state.tag+' ')>=0);
      r.hidden=!ok; if(ok)shown++;
    });
    document.getElementById('shown').textContent=String(shown);
  }
  [].forEach.call(document.querySelectorAll('button[data-filter-verdict]'),function(b){
    b.addEventListener('click',function(){var v=b.dataset.filterVerdict;state.verdicts[v]=!state.verdicts[v];b.setAttribute('aria-pressed',String(state.verdicts[v]));apply();});
  });
  document.getElementById('f-customer').addEventListener('change',function(e){state.customer=e.target.value;apply();});
  document.getElementById('f-tag').addEventListener('change',function(e){state.tag=e.target.value;apply();});
})();
`;

function options(values: Iterable<string>): string {
  return [...values].sort().map((v) => `<option value="${htmlEscape(v)}">${htmlEscape(v)}</option>`).join('');
}

function driftSection(drift: DriftSummary | null): string {
  if (!drift) return '<section id="drift"><h2>Changes since the previous run</h2><p>No previous run to compare with.</p></section>';
  const head = `<h2>Changes since run ${drift.fromRun}</h2>`;
  if (drift.changes.length === 0) return `<section id="drift">${head}<p>Nothing changed.</p></section>`;
  const limit = 200;
  const items = drift.changes
    .slice(0, limit)
    .map((c) => `<li class="${c.worse ? 'worse' : 'same'}" data-kind="${htmlEscape(c.kind)}">${htmlEscape(c.message)}</li>`)
    .join('');
  const more = drift.changes.length > limit ? `<p>… and ${drift.changes.length - limit} more (pbxready drift lists them all).</p>` : '';
  return `<section id="drift">${head}<ul class="drift">${items}</ul>${more}</section>`;
}

export function renderDashboard(m: DashboardModel): string {
  const ports = new Set<number>();
  const customers = new Set<string>();
  const tags = new Set<string>();
  const counts: Record<Verdict, number> = { 'not-ready': 0, unknown: 0, warnings: 0, ready: 0 };
  for (const h of m.hosts()) {
    for (const p of h.ports) if (p.required) ports.add(p.port);
    if (h.customer) customers.add(h.customer);
    for (const t of h.tags) tags.add(t);
    counts[h.verdict]++;
  }
  const columns = [...ports].sort((a, b) => a - b);
  const total = VERDICTS.reduce((n, v) => n + counts[v], 0);

  const rows: string[] = [];
  for (const h of m.hosts()) {
    const byPort = new Map(h.ports.map((p) => [p.port, p]));
    const cells = columns.map((port) => {
      const p = byPort.get(port);
      if (!p || !p.required) return `<td class="p-na" data-port="${port}" title="not required">·</td>`;
      return `<td class="${STATE_CLASS[p.state] ?? ''}" data-port="${port}" data-state="${htmlEscape(p.state)}">${htmlEscape(p.state)}</td>`;
    });
    rows.push(
      `<tr data-key="${htmlEscape(h.key)}" data-verdict="${htmlEscape(h.verdict)}" data-customer="${htmlEscape(h.customer ?? '')}" data-tags="${htmlEscape(h.tags.join(' '))}">` +
        `<td class="host"><strong>${htmlEscape(h.key)}</strong>${h.key !== h.host ? `<br><small>${htmlEscape(h.host)}</small>` : ''}</td>` +
        `<td>${htmlEscape(h.customer ?? '')}</td><td>${htmlEscape(h.address)}</td><td>${htmlEscape(h.product)}</td>` +
        `<td><span class="badge v-${htmlEscape(h.verdict)}" title="${htmlEscape(h.findings.join(', '))}">${htmlEscape(VERDICT_TEXT[h.verdict] ?? h.verdict)}</span></td>${cells.join('')}</tr>`,
    );
  }

  const run = m.run;
  const status = run.status === 'interrupted' || run.status === 'abandoned' ? ` — <strong class="interrupted">${run.status}</strong>` : '';
  const verdictButtons = VERDICTS.map((v) => `<button type="button" data-filter-verdict="${v}" aria-pressed="false">${VERDICT_TEXT[v]} (${counts[v]})</button>`).join('');
  const body = [
    `<h1>pbxready fleet — run ${run.id}</h1>`,
    `<p>${htmlEscape(run.inventory)}, started ${htmlEscape(run.startedAt)}: ${total}${run.hostsTotal !== null ? ` of ${run.hostsTotal}` : ''} hosts checked${status}${run.invalidEntries ? `, ${run.invalidEntries} inventory entries skipped` : ''}.</p>`,
    `<p class="counts">${VERDICTS.map((v) => `<span><span class="badge v-${v}">${VERDICT_TEXT[v]}</span> ${counts[v]}</span>`).join('')}</p>`,
    driftSection(m.drift),
    '<h2>Hosts</h2>',
    `<div class="filters"><span>Verdict: ${verdictButtons}</span>` +
      `<label>Customer <select id="f-customer"><option value="">all</option>${options(customers)}</select></label>` +
      `<label>Tag <select id="f-tag"><option value="">all</option>${options(tags)}</select></label>` +
      `<span><span id="shown">${total}</span> shown</span></div>`,
    `<table id="hosts"><thead><tr><th>Host</th><th>Customer</th><th>Address</th><th>Product</th><th>Verdict</th>${columns.map((p) => `<th>${p}</th>`).join('')}</tr></thead><tbody>${rows.join('\n')}</tbody></table>`,
    `<footer>pbxready ${htmlEscape(m.toolVersion)} — generated ${htmlEscape(m.generatedAt)}. Cells: green open, red closed (refused), amber filtered (no answer), · not required.</footer>`,
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>pbxready fleet — run ${run.id}</title>
<style>${BASE_CSS}${CSS}</style></head>
<body>
${body.join('\n')}
<script>${SCRIPT}</script>
</body></html>
`;
}
