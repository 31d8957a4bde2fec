// The agent's report as Prometheus metrics (GET /metrics of `pbxready-agent serve`). Pure: one
// report in, metric families out; shared/render/prometheus.ts writes and escapes them.
// Conventions: base units in the name (bytes, seconds, ratios 0–1), `_total` only on counters,
// `_info` series carry text as labels with the value 1. A fact the agent could not measure is left
// out (no series), never reported as 0: "Asterisk down" must mean the CLI said so.

import type { AgentReport, Severity } from '../shared/model.js';
import type { MetricFamily, Sample } from '../shared/render/prometheus.js';
import { EXIT_CODE } from '../shared/verdict.js';

const SEVERITIES: readonly Severity[] = ['fail', 'warn', 'info'];
const bit = (b: boolean) => (b ? 1 : 0);
const ratio = (percent: number) => Math.round(percent * 100) / 10_000;

function family(name: string, help: string, samples: Sample[], type: MetricFamily['type'] = 'gauge'): MetricFamily {
  return { name, help, type, samples };
}

/** Each fact source named in the report: its collection time and the problems it met. */
function sources(r: AgentReport): MetricFamily[] {
  const names = [...new Set([...Object.keys(r.timings ?? {}), ...(r.unreadable ?? []).map((p) => p.from ?? 'other')])].sort();
  return [
    family('pbxready_agent_collection_duration_seconds', 'How long the whole report took to collect.', [{ value: r.durationMs / 1000 }]),
    // A scrape may be answered from a recent collection (serve --metrics-max-age-s): when it was made.
    family('pbxready_agent_collection_timestamp_seconds', 'When the collection these metrics come from was made (Unix time).', Number.isFinite(Date.parse(r.generatedAt)) ? [{ value: Date.parse(r.generatedAt) / 1000 }] : []),
    family(
      'pbxready_agent_source_duration_seconds',
      'How long each fact source took in this collection.',
      Object.entries(r.timings ?? {}).map(([source, ms]) => ({ labels: { source }, value: Math.round(ms * 10) / 10_000 })),
    ),
    family(
      'pbxready_agent_source_errors',
      'Problems each fact source met in this collection (each is a SOURCE_UNREADABLE finding).',
      names.map((source) => ({ labels: { source }, value: (r.unreadable ?? []).filter((p) => (p.from ?? 'other') === source).length })),
    ),
  ];
}

function disks(r: AgentReport): MetricFamily[] {
  const per = (f: (d: AgentReport['disks'][number]) => number | null | undefined) =>
    r.disks.flatMap((d) => {
      const v = f(d);
      return v === null || v === undefined || !Number.isFinite(v) ? [] : [{ labels: { mount: d.mount }, value: v }];
    });
  return [
    family('pbxready_agent_filesystem_info', 'Each filesystem the product uses: type and what it holds (database, recordings, backups).', r.disks.map((d) => ({ labels: { mount: d.mount, fs: d.fs ?? '', holds: d.holds.join(',') }, value: 1 }))),
    family('pbxready_agent_filesystem_size_bytes', 'Filesystem size.', per((d) => d.sizeBytes)),
    family('pbxready_agent_filesystem_used_bytes', 'Filesystem space used.', per((d) => d.usedBytes)),
    family('pbxready_agent_filesystem_avail_bytes', 'Filesystem space free for unprivileged users (df Avail).', per((d) => d.availBytes)),
    family('pbxready_agent_filesystem_used_ratio', 'Filesystem use as df reports it, 0–1 (used / (used + avail)).', per((d) => ratio(d.usePercent))),
    family('pbxready_agent_filesystem_files_free', 'Free inodes.', per((d) => d.inodesFree)),
    family('pbxready_agent_filesystem_files_used_ratio', 'Inode use, 0–1.', per((d) => (d.inodesUsePercent === null || d.inodesUsePercent === undefined ? null : ratio(d.inodesUsePercent)))),
  ];
}

function asterisk(r: AgentReport): MetricFamily[] {
  const a = r.asterisk;
  if (a.notMeasured) return [];
  const one = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? [] : [{ value: v }]);
  return [
    family('pbxready_agent_asterisk_up', 'Whether Asterisk answers its CLI (0: not running; absent when the CLI could not be asked).', [{ value: bit(a.running) }]),
    family('pbxready_agent_asterisk_uptime_seconds', 'Asterisk uptime.', one(a.uptimeSeconds)),
    family('pbxready_agent_asterisk_active_calls', 'Calls in progress.', one(a.activeCalls)),
    family('pbxready_agent_asterisk_active_channels', 'Channels in use.', one(a.activeChannels)),
    family('pbxready_agent_endpoints', 'Endpoints (extensions) configured.', a.endpoints ? [{ value: a.endpoints.total }] : []),
    family('pbxready_agent_endpoints_reachable', 'Endpoints reachable (registered, qualified).', a.endpoints ? [{ value: a.endpoints.reachable }] : []),
    family('pbxready_agent_trunk_registered', 'Whether each trunk registration is Registered.', a.trunks.map((t) => ({ labels: { trunk: t.name }, value: bit(/^registered$/i.test(t.state)) }))),
    family('pbxready_agent_trunk_info', 'Each trunk registration and its state in the Asterisk CLI\'s words.', a.trunks.map((t) => ({ labels: { trunk: t.name, state: t.state }, value: 1 }))),
  ];
}

function cdr(r: AgentReport): MetricFamily[] {
  const c = r.cdr;
  if (!c) return [];
  const table = { table: c.table };
  const one = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? [] : [{ labels: table, value: v }]);
  const h = c.lastHour;
  return [
    family('pbxready_agent_cdr_rows', 'CDR table rows (information_schema: exact for MyISAM, an estimate for InnoDB).', one(c.rows)),
    family('pbxready_agent_cdr_data_bytes', 'CDR table data size.', one(c.dataBytes)),
    family('pbxready_agent_cdr_index_bytes', 'CDR table index size.', one(c.indexBytes)),
    family('pbxready_agent_cdr_last_hour_calls', 'Calls in the last hour (CDR rows).', one(h?.calls)),
    family('pbxready_agent_cdr_last_hour_calls_unable_to_pass', 'Calls unable to pass in the last hour (FAILED, CONGESTION, CHANUNAVAIL; not NO ANSWER or BUSY).', one(h?.failed)),
    family('pbxready_agent_cdr_last_hour_unable_to_pass_ratio', 'Share of the last hour\'s calls unable to pass, 0–1.', one(h?.failedRatio)),
    family(
      'pbxready_agent_cdr_same_hour_calls',
      'Calls in the same hour on the same weekday N weeks ago: the usual volume.',
      (c.sameHourBefore ?? []).map((calls, i) => ({ labels: { ...table, weeks_ago: i + 1 }, value: calls })),
    ),
  ];
}

export function agentFamilies(r: AgentReport): MetricFamily[] {
  const db = r.database;
  const backup = r.custom?.newestBackup;
  return [
    family('pbxready_agent_build_info', 'The agent that made the report (value always 1).', [{ labels: { version: r.tool.version, collector: r.collector ?? 'agent' }, value: 1 }]),
    family(
      'pbxready_agent_pbx_info',
      'Product, Asterisk, database and OS versions of the host (value always 1; a changed version is a new series).',
      [
        {
          labels: {
            hostname: r.host.hostname,
            product: r.product.name,
            product_version: r.product.version ?? '',
            edition: r.product.edition ?? '',
            asterisk_version: r.asterisk.version ?? '',
            database_version: db.version ?? '',
            os: r.host.os,
            kernel: r.host.kernel,
          },
          value: 1,
        },
      ],
    ),
    family('pbxready_agent_verdict', 'Verdict of the agent report: 0 ready, 1 warnings, 2 not-ready, 3 unknown (the exit code).', [{ labels: { verdict: r.verdict }, value: EXIT_CODE[r.verdict] }]),
    family('pbxready_agent_findings', 'Findings of the agent report by severity.', SEVERITIES.map((severity) => ({ labels: { severity }, value: r.findings.filter((f) => f.severity === severity).length }))),
    family('pbxready_agent_emergency_criteria_met', 'Whether the vendor\'s emergency criteria are met (system down, or 50% of calls or more unable to pass): EMERGENCY_CRITERIA_MET.', [{ value: bit(r.findings.some((f) => f.code === 'EMERGENCY_CRITERIA_MET')) }]),
    ...sources(r),
    ...disks(r),
    ...asterisk(r),
    family('pbxready_agent_database_up', 'Whether the database answered (absent when it could not be asked).', db.notMeasured ? [] : [{ value: bit(db.reachable) }]),
    ...cdr(r),
    family('pbxready_agent_backup_found', 'Whether a backup was found where the product keeps them.', r.custom ? [{ value: bit(!!backup) }] : []),
    family('pbxready_agent_backup_age_seconds', 'Age of the newest backup.', backup && Number.isFinite(backup.ageDays) ? [{ value: Math.round(backup.ageDays * 86_400) }] : []),
  ];
}
