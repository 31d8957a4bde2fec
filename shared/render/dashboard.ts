// The fleet dashboard: one self-contained page (no external assets) with what changed since the
// previous run on top, then a grid of hosts × required ports coloured by state, verdict badges,
// and filters by customer, tag and verdict (a small inline script; the page reads fine without it).

import type { DriftSummary, HostSummary, InsideSummary } from '../model.js';
import type { PortState, Verdict } from '../model.js';
import { formatBytes } from './document.js';
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
td.i-ok{background:#dafbe1}
td.i-warn{background:#fff8c5}
td.i-fail{background:#ffebe9;color:var(--fail);font-weight:600}
td.i-na{color:var(--muted);text-align:center}
td.i-unavailable{background:#f6f8fa;color:var(--muted);font-style:italic}
td.changed{outline:2px solid #0969da;outline-offset:-2px}
.badge.emergency{background:var(--fail);margin-left:4px}
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

// ---- the inside view's columns: disk, CDR, trunks (and Asterisk), backup ----

const INSIDE_COLUMNS = ['disk', 'cdr', 'trunks', 'backup'] as const;
type InsideColumn = (typeof INSIDE_COLUMNS)[number];
const INSIDE_TITLE: Record<InsideColumn, string> = { disk: 'Disk', cdr: 'CDR', trunks: 'Trunks', backup: 'Backup' };
/** Which drift kinds a column shows, so a cell that changed since the previous run is outlined. */
const COLUMN_KINDS: Record<InsideColumn, readonly string[]> = { disk: ['disk_band'], cdr: ['cdr_growth'], trunks: ['trunk', 'asterisk'], backup: ['backup'] };

interface Cell {
  level: 'ok' | 'warn' | 'fail' | 'na';
  text: string;
  title?: string;
}

const rows = (n: number) => (n >= 1_000_000 ? `${(n / 1_000_000).toFixed(1)} M` : n >= 10_000 ? `${Math.round(n / 1000)} k` : String(n));

function insideCell(i: InsideSummary, column: InsideColumn): Cell {
  switch (column) {
    case 'disk': {
      const disks = i.disks ?? [];
      if (!disks.length) return { level: 'na', text: '—' };
      const rank = { ok: 0, warn: 1, fail: 2 } as const;
      const worst = [...disks].sort((a, b) => rank[b.band] - rank[a.band] || b.usePercent - a.usePercent)[0]!;
      return { level: worst.band, text: `${worst.usePercent}% ${worst.mount}`, title: disks.map((d) => `${d.mount} ${d.usePercent}% (${d.band})`).join(', ') };
    }
    case 'cdr': {
      const c = i.cdr;
      if (!c) return { level: 'na', text: '—' };
      const parts = [c.rows !== null ? `${rows(c.rows)} rows` : null, c.bytes !== null ? formatBytes(c.bytes) : null].filter(Boolean);
      return { level: 'ok', text: parts.join(' · ') || '?', title: c.table };
    }
    case 'trunks': {
      if (i.asterisk === 'down') return { level: 'fail', text: 'Asterisk down' };
      const trunks = i.trunks ?? [];
      if (i.asterisk === null && !trunks.length) return { level: 'na', text: '—' };
      if (!trunks.length) return { level: 'ok', text: 'none' };
      const up = trunks.filter((t) => t.registered).length;
      return { level: up === trunks.length ? 'ok' : 'fail', text: `${up}/${trunks.length} registered`, title: trunks.map((t) => `${t.name}: ${t.state}`).join(', ') };
    }
    case 'backup': {
      const age = i.backupAgeDays !== null && i.backupAgeDays !== undefined ? ` (${i.backupAgeDays} d)` : '';
      if (i.backup === 'ok') return { level: 'ok', text: `ok${age}` };
      if (i.backup === 'old') return { level: 'warn', text: `old${age}` };
      if (i.backup === 'missing') return { level: 'fail', text: 'missing' };
      return { level: 'na', text: '—' };
    }
  }
}

function insideCells(h: HostSummary, changed: ReadonlySet<string> | undefined): string {
  const i = h.inside;
  if (!i) return INSIDE_COLUMNS.map((c) => `<td class="i-na" data-inside="${c}" title="no inside view in the inventory">·</td>`).join('');
  if (i.unavailable !== undefined) {
    return `<td class="i-unavailable" colspan="${INSIDE_COLUMNS.length}" data-inside="unavailable" title="${htmlEscape(i.unavailable)}">inside view unavailable (${htmlEscape(i.via)}): ${htmlEscape(i.unavailable)}</td>`;
  }
  return INSIDE_COLUMNS.map((c) => {
    const cell = insideCell(i, c);
    const moved = COLUMN_KINDS[c].some((k) => changed?.has(k)) ? ' changed' : '';
    return `<td class="i-${cell.level}${moved}" data-inside="${c}" data-level="${cell.level}"${cell.title ? ` title="${htmlEscape(cell.title)}"` : ''}>${htmlEscape(cell.text)}</td>`;
  }).join('');
}

export function renderDashboard(m: DashboardModel): string {
  const ports = new Set<number>();
  const customers = new Set<string>();
  const tags = new Set<string>();
  const counts: Record<Verdict, number> = { 'not-ready': 0, unknown: 0, warnings: 0, ready: 0 };
  let anyInside = false;
  for (const h of m.hosts()) {
    if (h.inside) anyInside = true;
    for (const p of h.ports) if (p.required) ports.add(p.port);
    if (h.customer) customers.add(h.customer);
    for (const t of h.tags) tags.add(t);
    counts[h.verdict]++;
  }
  const columns = [...ports].sort((a, b) => a - b);
  const total = VERDICTS.reduce((n, v) => n + counts[v], 0);

  // Drift kinds per host, from the drift shown on top (bounded by it), to outline the cells that moved.
  const changedKinds = new Map<string, Set<string>>();
  for (const c of m.drift?.changes ?? []) {
    let set = changedKinds.get(c.key);
    if (!set) changedKinds.set(c.key, (set = new Set()));
    set.add(c.kind);
  }
  const rows: string[] = [];
  for (const h of m.hosts()) {
    const emergency = h.inside?.emergency?.length ? `<span class="badge emergency" title="${htmlEscape(h.inside.emergency.join('; '))}">EMERGENCY</span>` : '';
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
        `<td><span class="badge v-${htmlEscape(h.verdict)}" title="${htmlEscape(h.findings.join(', '))}">${htmlEscape(VERDICT_TEXT[h.verdict] ?? h.verdict)}</span>${emergency}</td>` +
        `${anyInside ? insideCells(h, changedKinds.get(h.key)) : ''}${cells.join('')}</tr>`,
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
    `<table id="hosts"><thead><tr><th>Host</th><th>Customer</th><th>Address</th><th>Product</th><th>Verdict</th>${anyInside ? INSIDE_COLUMNS.map((c) => `<th>${INSIDE_TITLE[c]}</th>`).join('') : ''}${columns.map((p) => `<th>${p}</th>`).join('')}</tr></thead><tbody>${rows.join('\n')}</tbody></table>`,
    `<footer>pbxready ${htmlEscape(m.toolVersion)} — generated ${htmlEscape(m.generatedAt)}. Cells: green open, red closed (refused), amber filtered (no answer), · not required.${anyInside ? ' Inside view (the agent): worst disk by the agent\'s warn/fail bands, CDR table size, trunks registered (or Asterisk down), newest backup; outlined when it changed since the previous run.' : ''}</footer>`,
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
