// What changed on a host between two fleet runs. A run keeps one small summary per host (not the
// whole report); drift compares two summaries of the same host (pure), and picks and compares two
// recorded runs host by host, streamed from the store. The summary and change types are in
// shared/model.ts, because the dashboard renders them.

import { UsageError } from '../../shared/errors.js';
import type { AgentReport, CheckReport, DiskSummary, DriftChange, DriftKind, DriftSummary, HostMeta, HostSummary, InsideSummary, PortState } from '../../shared/model.js';
import { verdictRank } from '../../shared/verdict.js';
import type { HistoryStore, RunRecord } from './store.js';

/** What drift judges by numbers of its own (the bands come from the agent's findings). */
export interface DriftThresholds {
  /** cdr_growth when the CDR table's rows or bytes grew by more than this factor between two runs. */
  cdrGrowthFactor: number;
}

export const DRIFT_THRESHOLDS: Readonly<DriftThresholds> = Object.freeze({ cdrGrowthFactor: 1.5 });

/** Caps: a summary is one small row per host, whatever the host says. */
const MAX_TRUNKS = 50;
const MAX_DISKS = 20;
const MAX_TEXT = 120;

const short = (s: string | null | undefined): string | null => (s === null || s === undefined ? null : s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s);

/**
 * The inside facts a run keeps, from the agent's report as merged into the check (already cleaned
 * there). Bands and states come from the agent's own findings, so the history says what the report
 * said, under the thresholds the host's agent was configured with.
 */
export function insideSummary(agent: AgentReport | undefined, via: string, failure?: string): InsideSummary {
  if (!agent) return { via, unavailable: short(failure ?? 'no report') ?? 'no report' };
  const bySubject = (code: string) => new Map(agent.findings.filter((f) => f.code === code).map((f) => [f.subject ?? '', f]));
  const diskLow = bySubject('DISK_SPACE_LOW');
  const disks: DiskSummary[] = agent.disks.slice(0, MAX_DISKS).map((d) => {
    const f = diskLow.get(d.mount);
    return { mount: short(d.mount)!, usePercent: Math.round(d.usePercent * 10) / 10, band: f ? (f.severity === 'fail' ? 'fail' : 'warn') : 'ok' };
  });
  const a = agent.asterisk;
  const codes = new Set(agent.findings.map((f) => f.code));
  const custom = agent.custom;
  const backup: InsideSummary['backup'] = codes.has('BACKUP_OLD') ? 'old' : codes.has('BACKUP_MISSING') ? 'missing' : custom?.newestBackup ? 'ok' : null;
  const cdr = agent.cdr && !agent.cdr.error ? { table: short(agent.cdr.table)!, rows: agent.cdr.rows, bytes: agent.cdr.dataBytes === null && agent.cdr.indexBytes === null ? null : (agent.cdr.dataBytes ?? 0) + (agent.cdr.indexBytes ?? 0) } : null;
  return {
    via,
    productVersion: short(agent.product.version),
    asteriskVersion: short(a.version),
    databaseVersion: short(agent.database.version),
    asterisk: a.notMeasured ? null : a.running ? 'up' : 'down',
    trunks: a.trunks.slice(0, MAX_TRUNKS).map((t) => ({ name: short(t.name)!, state: short(t.state)!, registered: /^registered$/i.test(t.state) })),
    disks,
    cdr,
    backup,
    backupAgeDays: custom?.newestBackup ? Math.round(custom.newestBackup.ageDays * 10) / 10 : null,
    emergency: [...new Set(agent.findings.filter((f) => f.code === 'EMERGENCY_CRITERIA_MET').map((f) => short(f.subject ?? f.message)!))].sort(),
  };
}

/** How the scan reached the host's inside view, and why it failed when it did. */
export interface InsideAsked {
  via: string;
  failure?: string;
}

export function summarize(report: CheckReport, meta: HostMeta, inside?: InsideAsked): HostSummary {
  const primary = report.target.addresses[0];
  const onPrimary = report.ports.filter((p) => p.address === primary);
  const s: HostSummary = {
    ...meta,
    host: report.target.host,
    address: [...report.target.addresses].sort().join(', '),
    product: report.target.product,
    verdict: report.verdict,
    checkedAt: report.generatedAt,
    durationMs: report.durationMs,
    ports: onPrimary.map((p) => ({ port: p.port, state: p.state, required: p.required })).sort((a, b) => a.port - b.port),
    certs: onPrimary
      .filter((p) => p.tls && !p.tls.error)
      .map((p) => ({ port: p.port, notAfter: p.tls!.validTo, fingerprint: p.tls!.fingerprint256 })),
    hostKeys: onPrimary.filter((p) => p.ssh?.fingerprint).map((p) => ({ port: p.port, fingerprint: p.ssh!.fingerprint! })),
    findings: [...new Set(report.findings.map((f) => f.code))],
  };
  if (inside) s.inside = insideSummary(report.agent, inside.via, inside.failure);
  return s;
}

const DAY_MS = 86_400_000;

/** The warning band a certificate is in at a moment: expired, ≤7 days, ≤14 days, or none. */
export function certBand(notAfter: string | null, at: string): 'expired' | '7d' | '14d' | null {
  if (!notAfter) return null;
  const days = (Date.parse(notAfter) - Date.parse(at)) / DAY_MS;
  if (!Number.isFinite(days)) return null;
  if (days < 0) return 'expired';
  if (days <= 7) return '7d';
  if (days <= 14) return '14d';
  return null;
}

const BAND_RANK = { null: 0, '14d': 1, '7d': 2, expired: 3 } as const;
const BAND_WORDS = { '14d': 'entered the 14-day band', '7d': 'entered the 7-day band', expired: 'expired' } as const;
const STATE_RANK: Record<PortState, number> = { open: 0, closed: 1, filtered: 1 };

/** Changes of one host between two runs (either side missing = added/removed). */
export function hostDrift(before: HostSummary | undefined, after: HostSummary | undefined, thresholds: DriftThresholds = DRIFT_THRESHOLDS): DriftChange[] {
  const base = (s: HostSummary) => ({ key: s.key, ...(s.customer ? { customer: s.customer } : {}) });
  if (!before && !after) return [];
  if (!before) return [{ ...base(after!), kind: 'host_added', before: null, after: after!.verdict, message: `${after!.key}: new in the inventory (${after!.verdict})`, worse: false }];
  if (!after) return [{ ...base(before), kind: 'host_removed', before: before.verdict, after: null, message: `${before.key}: no longer in the inventory`, worse: false }];
  const out: DriftChange[] = [];
  const add: DriftAdd = (kind: DriftKind, b: string | null, a: string | null, message: string, worse: boolean, port?: number, extra: { recovery?: boolean; subject?: string } = {}) =>
    out.push({
      ...base(after),
      kind,
      ...(port !== undefined ? { port } : {}),
      ...(extra.subject !== undefined ? { subject: extra.subject } : {}),
      before: b,
      after: a,
      message: `${after.key}: ${message}`,
      worse,
      ...(extra.recovery ? { recovery: true } : {}),
    });

  if (before.verdict !== after.verdict) {
    // Back to ready is the problem cleared; better but still not ready is only a change.
    add('verdict', before.verdict, after.verdict, `verdict ${before.verdict} → ${after.verdict}`, verdictRank(after.verdict) > verdictRank(before.verdict), undefined, { recovery: after.verdict === 'ready' });
  }
  if (before.address !== after.address) add('address', before.address || null, after.address || null, `address ${before.address || '(none)'} → ${after.address || '(none)'}`, false);
  if (before.product !== after.product) add('product', before.product, after.product, `detected as ${after.product}, was ${before.product}`, false);

  const oldPorts = new Map(before.ports.map((p) => [p.port, p]));
  for (const p of after.ports) {
    const o = oldPorts.get(p.port);
    if (o && o.state !== p.state) {
      add('port_state', o.state, p.state, `port ${p.port} ${o.state} → ${p.state}`, STATE_RANK[p.state] > STATE_RANK[o.state] && p.required, p.port, { recovery: p.required && p.state === 'open' });
    }
  }

  const oldCerts = new Map(before.certs.map((c) => [c.port, c]));
  for (const c of after.certs) {
    const o = oldCerts.get(c.port);
    if (o && (o.fingerprint !== c.fingerprint || o.notAfter !== c.notAfter)) {
      const later = Date.parse(c.notAfter ?? '') > Date.parse(o.notAfter ?? '');
      add(later ? 'cert_renewed' : 'cert_changed', o.notAfter, c.notAfter, `certificate on ${c.port} ${later ? 'renewed' : 'replaced'}, valid to ${c.notAfter ?? '?'} (was ${o.notAfter ?? '?'})`, !later, c.port);
      continue;
    }
    const was = certBand(c.notAfter, before.checkedAt);
    const now = certBand(c.notAfter, after.checkedAt);
    if (now !== null && BAND_RANK[now] > BAND_RANK[`${was}` as keyof typeof BAND_RANK]) {
      add('cert_expiring', was, now, `certificate on ${c.port} ${BAND_WORDS[now]} (valid to ${c.notAfter})`, true, c.port);
    }
  }

  const oldKeys = new Map(before.hostKeys.map((k) => [k.port, k]));
  for (const k of after.hostKeys) {
    const o = oldKeys.get(k.port);
    if (o && o.fingerprint !== k.fingerprint) add('ssh_hostkey', o.fingerprint, k.fingerprint, `SSH host key on ${k.port} changed ${o.fingerprint} → ${k.fingerprint}`, true, k.port);
  }
  insideDrift(before.inside, after.inside, add, thresholds);
  return out;
}

/** Worse first, then by host, so the top of the list is what needs a person. */
export function sortDrift(changes: DriftChange[]): DriftChange[] {
  return [...changes].sort(
    (a, b) => Number(b.worse) - Number(a.worse) || a.key.localeCompare(b.key) || a.kind.localeCompare(b.kind) || (a.port ?? 0) - (b.port ?? 0) || (a.subject ?? '').localeCompare(b.subject ?? ''),
  );
}

/** Slack-compatible `text` (mrkdwn), bounded so a big drift stays one readable message. */
export function driftText(d: DriftSummary, limit = 40): string {
  const head = `pbxready: ${d.changes.length} change(s) between run ${d.fromRun} and run ${d.toRun}`;
  const lines = d.changes.slice(0, limit).map((c) => `${c.worse ? '• :red_circle: ' : '• '}${c.message}`);
  if (d.changes.length > limit) lines.push(`… and ${d.changes.length - limit} more`);
  return [head, ...lines].join('\n');
}

/**
 * Which two runs to compare: `to` defaults to the newest complete run, `from` to the complete run
 * of the same inventory before it (interrupted runs and other inventories are never a baseline
 * unless named with --since).
 */
export function pickRuns(store: HistoryStore, since?: number, to?: number): { from: RunRecord; to: RunRecord } | null {
  const target = to !== undefined ? store.getRun(to) : store.latestRun();
  if (to !== undefined && !target) throw new UsageError(`run ${to} is not in the history`);
  if (!target) return null;
  // A run whose process died (or is still going) proves nothing about the hosts it did not reach.
  const unfinished = (r: RunRecord) => {
    if (r.status === 'abandoned' || r.status === 'running') throw new UsageError(`run ${r.id} is ${r.status}: drift compares finished runs only`);
  };
  unfinished(target);
  const from = since !== undefined ? store.getRun(since) : store.previousRun(target.id);
  if (since !== undefined && !from) throw new UsageError(`run ${since} is not in the history`);
  if (!from || from.id === target.id) return null;
  unfinished(from);
  return { from, to: target };
}

export function computeDrift(store: HistoryStore, from: RunRecord, to: RunRecord, thresholds: DriftThresholds = DRIFT_THRESHOLDS): DriftSummary {
  const changes = [];
  for (const after of store.hosts(to.id)) changes.push(...hostDrift(store.host(from.id, after.key), after, thresholds));
  // Hosts gone from a complete run were removed from the inventory; an interrupted run proves nothing.
  if (to.status === 'complete') {
    for (const before of store.hosts(from.id)) if (!store.host(to.id, before.key)) changes.push(...hostDrift(before, undefined));
  }
  return { fromRun: from.id, toRun: to.id, changes: sortDrift(changes) };
}

// ---- the inside view: disk bands, CDR growth, trunks, Asterisk, backups, versions, emergency ----

type DriftAdd = (kind: DriftKind, before: string | null, after: string | null, message: string, worse: boolean, port?: number, extra?: { recovery?: boolean; subject?: string }) => void;

const BAND_OF_DISK = { ok: 0, warn: 1, fail: 2 } as const;
const fmtRows = (n: number) => n.toLocaleString('en-US');
const fmtBytes = (n: number) => (n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GiB` : n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(1)} MiB` : `${Math.round(n / 1024)} KiB`);

/** Grown by more than `factor` (a table that was empty has no factor: not judged). */
function grew(before: number | null | undefined, after: number | null | undefined, factor: number): boolean {
  return typeof before === 'number' && typeof after === 'number' && before > 0 && after > before * factor;
}

/**
 * Changes of the inside view. Facts are compared only when both runs had the inside view: a run
 * whose agent could not be reached says "inside view lost", never that every trunk went away.
 */
export function insideDrift(before: InsideSummary | undefined, after: InsideSummary | undefined, add: DriftAdd, t: DriftThresholds = DRIFT_THRESHOLDS): void {
  if (!before || !after) return;
  if (before.unavailable === undefined && after.unavailable !== undefined) {
    add('inside_view', 'available', 'unavailable', `inside view lost (${after.via}): ${after.unavailable}`, true);
    return;
  }
  if (before.unavailable !== undefined && after.unavailable === undefined) add('inside_view', 'unavailable', 'available', `inside view back (${after.via})`, false, undefined, { recovery: true });
  if (before.unavailable !== undefined || after.unavailable !== undefined) return;

  if (before.asterisk && after.asterisk && before.asterisk !== after.asterisk) {
    const down = after.asterisk === 'down';
    add('asterisk', before.asterisk, after.asterisk, down ? 'Asterisk went down' : 'Asterisk is running again', down, undefined, { recovery: !down, subject: 'asterisk' });
  }

  const oldTrunks = new Map((before.trunks ?? []).map((x) => [x.name, x]));
  for (const tr of after.trunks ?? []) {
    const o = oldTrunks.get(tr.name);
    if (!o || o.registered === tr.registered) continue;
    if (tr.registered) add('trunk', o.state, tr.state, `trunk ${tr.name} registered again`, false, undefined, { recovery: true, subject: tr.name });
    else add('trunk', o.state, tr.state, `trunk ${tr.name} went down (${tr.state})`, true, undefined, { subject: tr.name });
  }

  const oldDisks = new Map((before.disks ?? []).map((d) => [d.mount, d]));
  for (const d of after.disks ?? []) {
    const o = oldDisks.get(d.mount);
    if (!o || o.band === d.band) continue;
    const up = BAND_OF_DISK[d.band] > BAND_OF_DISK[o.band];
    const words = d.band === 'ok' ? 'back below the warning band' : `in the ${d.band} band`;
    add('disk_band', o.band, d.band, `disk ${d.mount} ${words} (${o.usePercent}% → ${d.usePercent}% used)`, up, undefined, { recovery: d.band === 'ok', subject: d.mount });
  }

  const bc = before.cdr;
  const ac = after.cdr;
  if (bc && ac && bc.table === ac.table) {
    const rows = grew(bc.rows, ac.rows, t.cdrGrowthFactor);
    const bytes = grew(bc.bytes, ac.bytes, t.cdrGrowthFactor);
    if (rows || bytes) {
      const parts: string[] = [];
      if (rows) parts.push(`rows ${fmtRows(bc.rows!)} → ${fmtRows(ac.rows!)}`);
      if (bytes) parts.push(`size ${fmtBytes(bc.bytes!)} → ${fmtBytes(ac.bytes!)}`);
      const b = rows ? String(bc.rows) : String(bc.bytes);
      const a = rows ? String(ac.rows) : String(ac.bytes);
      add('cdr_growth', b, a, `CDR table ${ac.table} grew more than ${t.cdrGrowthFactor}× (${parts.join(', ')})`, true, undefined, { subject: ac.table });
    }
  }

  if (before.backup && after.backup && before.backup !== after.backup) {
    const age = after.backupAgeDays !== null && after.backupAgeDays !== undefined ? ` (newest ${after.backupAgeDays} days old)` : '';
    if (after.backup === 'ok') add('backup', before.backup, after.backup, `backup fresh again${age}`, false, undefined, { recovery: true, subject: 'backup' });
    else add('backup', before.backup, after.backup, after.backup === 'old' ? `backup older than its limit${age}` : 'no backup found any more', true, undefined, { subject: 'backup' });
  }

  const versions: Array<[string, string | null | undefined, string | null | undefined]> = [
    ['product', before.productVersion, after.productVersion],
    ['Asterisk', before.asteriskVersion, after.asteriskVersion],
    ['database', before.databaseVersion, after.databaseVersion],
  ];
  for (const [what, b, a] of versions) {
    if (b && a && b !== a) add('version', b, a, `${what} version ${b} → ${a}`, false, undefined, { subject: what });
  }

  const was = new Set(before.emergency ?? []);
  const now = new Set(after.emergency ?? []);
  for (const c of now) if (!was.has(c)) add('emergency', null, c, `emergency criterion met: ${c}`, true, undefined, { subject: c });
  for (const c of was) if (!now.has(c)) add('emergency', c, null, `emergency criterion no longer met: ${c}`, false, undefined, { recovery: true, subject: c });
}
