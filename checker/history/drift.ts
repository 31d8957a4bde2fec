// What changed on a host between two fleet runs. A run keeps one small summary per host (not the
// whole report); drift compares two summaries of the same host (pure), and picks and compares two
// recorded runs host by host, streamed from the store. The summary and change types are in
// shared/model.ts, because the dashboard renders them.

import { UsageError } from '../../shared/errors.js';
import type { CheckReport, DriftChange, DriftKind, DriftSummary, HostMeta, HostSummary, PortState } from '../../shared/model.js';
import { verdictRank } from '../../shared/verdict.js';
import type { HistoryStore, RunRecord } from './store.js';

export function summarize(report: CheckReport, meta: HostMeta): HostSummary {
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
export function hostDrift(before: HostSummary | undefined, after: HostSummary | undefined): DriftChange[] {
  const base = (s: HostSummary) => ({ key: s.key, ...(s.customer ? { customer: s.customer } : {}) });
  if (!before && !after) return [];
  if (!before) return [{ ...base(after!), kind: 'host_added', before: null, after: after!.verdict, message: `${after!.key}: new in the inventory (${after!.verdict})`, worse: false }];
  if (!after) return [{ ...base(before), kind: 'host_removed', before: before.verdict, after: null, message: `${before.key}: no longer in the inventory`, worse: false }];
  const out: DriftChange[] = [];
  const add = (kind: DriftKind, b: string | null, a: string | null, message: string, worse: boolean, port?: number) =>
    out.push({ ...base(after), kind, ...(port !== undefined ? { port } : {}), before: b, after: a, message: `${after.key}: ${message}`, worse });

  if (before.verdict !== after.verdict) {
    add('verdict', before.verdict, after.verdict, `verdict ${before.verdict} → ${after.verdict}`, verdictRank(after.verdict) > verdictRank(before.verdict));
  }
  if (before.address !== after.address) add('address', before.address || null, after.address || null, `address ${before.address || '(none)'} → ${after.address || '(none)'}`, false);
  if (before.product !== after.product) add('product', before.product, after.product, `detected as ${after.product}, was ${before.product}`, false);

  const oldPorts = new Map(before.ports.map((p) => [p.port, p]));
  for (const p of after.ports) {
    const o = oldPorts.get(p.port);
    if (o && o.state !== p.state) add('port_state', o.state, p.state, `port ${p.port} ${o.state} → ${p.state}`, STATE_RANK[p.state] > STATE_RANK[o.state] && p.required, p.port);
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
  return out;
}

/** Worse first, then by host, so the top of the list is what needs a person. */
export function sortDrift(changes: DriftChange[]): DriftChange[] {
  return [...changes].sort((a, b) => Number(b.worse) - Number(a.worse) || a.key.localeCompare(b.key) || a.kind.localeCompare(b.kind) || (a.port ?? 0) - (b.port ?? 0));
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

export function computeDrift(store: HistoryStore, from: RunRecord, to: RunRecord): DriftSummary {
  const changes = [];
  for (const after of store.hosts(to.id)) changes.push(...hostDrift(store.host(from.id, after.key), after));
  // Hosts gone from a complete run were removed from the inventory; an interrupted run proves nothing.
  if (to.status === 'complete') {
    for (const before of store.hosts(from.id)) if (!store.host(to.id, before.key)) changes.push(...hostDrift(before, undefined));
  }
  return { fromRun: from.id, toRun: to.id, changes: sortDrift(changes) };
}
