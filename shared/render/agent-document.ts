// The host agent's report as a document (host, product, Asterisk, disks, database, CDR,
// listening sockets, custom development), and a snapshot diff as a document.

import { dispositionSummary, usualCalls } from '../rules/emergency.js';
import type { AgentReport } from '../model.js';
import type { AgentDiff } from '../snapshot-diff.js';
import { cell, formatBytes, formatDuration, type ReportDocument, type Section, type Tone } from './document.js';

const PRODUCT_TITLE: Record<string, string> = { pbxware: 'PBXware', serverware: 'SERVERware', issabel: 'Issabel', unknown: 'not detected' };

function percentTone(p: number | null | undefined, warn = 80, fail = 90): Tone | undefined {
  if (p === null || p === undefined) return undefined;
  return p >= fail ? 'fail' : p >= warn ? 'warn' : 'ok';
}

function headline(r: AgentReport): string {
  const fails = r.findings.filter((f) => f.severity === 'fail').length;
  const warns = r.findings.filter((f) => f.severity === 'warn').length;
  const product = r.product.name === 'unknown' ? 'no product detected' : `${PRODUCT_TITLE[r.product.name]} ${r.product.version ?? ''}`.trim();
  return `${product}; Asterisk ${r.asterisk.running ? 'running' : 'not running'}; database ${r.database.reachable ? 'reachable' : 'unreachable'}; ${fails} failure(s), ${warns} warning(s).`;
}

function asteriskSection(r: AgentReport): Section {
  const a = r.asterisk;
  const facts: Array<[string, string]> = [
    ['Version', a.version ?? '—'],
    ['Running', a.running ? 'yes' : `no (${a.reason ?? 'no answer'})`],
  ];
  if (a.running) {
    facts.push(['Uptime', formatDuration(a.uptimeSeconds ?? null)]);
    facts.push(['Active calls / channels', `${a.activeCalls ?? '—'} / ${a.activeChannels ?? '—'}`]);
    facts.push(['Endpoints reachable', a.endpoints ? `${a.endpoints.reachable} of ${a.endpoints.total}` : '—']);
    facts.push(['CDR backends', a.cdrBackends?.length ? a.cdrBackends.join(', ') : '—']);
  }
  const section: Section = { title: 'Asterisk', facts };
  if (a.trunks.length) {
    section.table = {
      columns: ['Trunk', 'State'],
      rows: a.trunks.map((t) => [cell(t.name), cell(t.state, /^registered$/i.test(t.state) ? 'ok' : 'warn')]),
    };
  }
  return section;
}

function disksSection(r: AgentReport): Section {
  return {
    title: 'Disks',
    table: {
      columns: ['Mount', 'FS', 'Size', 'Used', 'Free', 'Use %', 'Inodes used %', 'Holds'],
      rows: r.disks.map((d) => [
        cell(d.mount),
        cell(d.fs),
        cell(formatBytes(d.sizeBytes)),
        cell(formatBytes(d.usedBytes)),
        cell(formatBytes(d.availBytes)),
        cell(`${d.usePercent}%`, percentTone(d.usePercent)),
        cell(d.inodesUsePercent === null || d.inodesUsePercent === undefined ? null : `${d.inodesUsePercent}%`, percentTone(d.inodesUsePercent, 90, 101)),
        cell(d.holds.join(', ')),
      ]),
    },
  };
}

function databaseSection(r: AgentReport): Section {
  const db = r.database;
  const section: Section = {
    title: 'Database',
    facts: [
      ['Reachable', db.reachable ? `yes (${db.where ?? ''})` : `no: ${db.error ?? 'unknown'}`],
      ['Version', db.version ?? '—'],
      ['Uptime', formatDuration(db.uptimeSeconds ?? null)],
      ['Data directory', db.dataDir ?? '—'],
      ['Credentials from', db.credentialsSource ?? '—'],
    ],
  };
  if (db.schemas.length) section.table = { columns: ['Schema', 'Size'], rows: db.schemas.map((s) => [cell(s.name), cell(formatBytes(s.bytes))]) };
  return section;
}

function cdrSection(r: AgentReport): Section {
  const c = r.cdr;
  if (!c) return { title: 'CDR table', lines: ['not measured'] };
  const h = c.lastHour;
  const facts: Array<[string, string]> = [
    ['Table', c.table],
    ['Engine', c.engine ?? '—'],
    ['Rows', c.rows === null ? '—' : `${c.rows}${c.rowsExact ? ' (exact)' : ' (estimate)'}`],
    ['Data / index / free', `${formatBytes(c.dataBytes)} / ${formatBytes(c.indexBytes)} / ${formatBytes(c.freeBytes ?? null)}`],
    ['Oldest call', c.oldest ?? '—'],
    ['Newest call', c.newest ?? '—'],
    ['Last hour', h ? `${h.calls} call(s), ${h.failed} unable to pass${h.failedRatio === null ? '' : ` (${Math.round(h.failedRatio * 100)}%)`}` : '—'],
  ];
  if (h?.dispositions && Object.keys(h.dispositions).length) facts.push(['Last hour by disposition', dispositionSummary(h.dispositions)]);
  if (c.sameHourBefore) {
    const usual = usualCalls(c.sameHourBefore);
    facts.push(['Usual at this hour', usual === null ? 'no earlier weeks in the table' : `${usual} call(s) (same hour, same weekday, last ${c.sameHourBefore.length} week(s): ${c.sameHourBefore.join(', ')})`]);
  }
  if (c.error) facts.push(['Error', c.error]);
  if (c.notMeasured) facts.push(['Not measured', c.notMeasured]);
  return { title: 'CDR table', facts };
}

function listeningSection(r: AgentReport): Section {
  if (!r.listening.length) return { title: 'Listening sockets', lines: ['none of the support ports (or 3306/5038) listens on this host'] };
  return {
    title: 'Listening sockets',
    table: {
      columns: ['Port', 'Address', 'Process', 'PID'],
      rows: r.listening.map((l) => [cell(l.port), cell(l.address), cell(l.process), cell(l.pid ?? null)]),
    },
  };
}

function customSection(r: AgentReport): Section | null {
  const c = r.custom;
  if (!c) return null;
  return {
    title: 'Custom development',
    facts: [
      ['*_custom.conf with content', c.customConfFiles.join(', ') || 'none'],
      ['Extra AGI scripts', c.agiScripts.join(', ') || 'none'],
      ['Modified package files', c.packageCheck && !c.packageCheck.measured ? c.packageCheck.reason : c.modifiedPackageFiles.join(', ') || 'none'],
      ['Newest backup', c.newestBackup ? `${c.newestBackup.path} (${c.newestBackup.ageDays} day(s) old)` : `none under ${c.backupDir ?? '—'}`],
    ],
  };
}

/** At most this many bans are listed in the document (the JSON has them all, up to the report's cap). */
const MAX_BANS_SHOWN = 20;

function firewallSection(r: AgentReport): Section | null {
  const fw = r.firewall;
  if (!fw && !r.publicAddresses?.length) return null;
  const facts: Array<[string, string]> = [];
  for (const reader of fw?.readers ?? []) facts.push([reader.command, reader.reason ? `${reader.status}: ${reader.reason}` : reader.status]);
  if (fw) {
    const rules = fw.tables.reduce((n, t) => n + t.chains.reduce((m, c) => m + c.rules.length, 0), 0);
    facts.push(['Rules read', `${rules} in ${fw.tables.length} table(s)${fw.uplink ? `; uplink ${fw.uplink}` : ''}`]);
    const shown = fw.bans.slice(0, MAX_BANS_SHOWN).map((b) => `${b.address} (${b.by} ${b.jail})`);
    facts.push(['Bans', fw.bans.length ? `${shown.join(', ')}${fw.bans.length > shown.length || fw.bansTruncated ? ', …' : ''}` : 'none']);
  }
  for (const p of r.publicAddressSources ?? []) facts.push(['Public address', `${p.address} (${p.source})`]);
  return { title: 'Host firewall and public address', facts };
}

export function agentDocument(r: AgentReport): ReportDocument {
  const h = r.host;
  const sections: Section[] = [
    {
      title: 'Host',
      facts: [
        ['OS', h.os],
        ['Kernel', h.kernel],
        ['Uptime', formatDuration(h.uptimeSeconds)],
        ['CPU', h.cpu ? `${h.cpu.model} (${h.cpu.cores} cores)` : '—'],
        ['Memory', h.memory ? `${formatBytes(h.memory.availableBytes)} free of ${formatBytes(h.memory.totalBytes)}` : '—'],
        ['Load', h.load?.join(' ') ?? '—'],
      ],
    },
    asteriskSection(r),
    disksSection(r),
    databaseSection(r),
    cdrSection(r),
    listeningSection(r),
    firewallSection(r),
    customSection(r),
  ].filter((s): s is Section => s !== null);
  const product: Array<[string, string]> = [['Product', `${PRODUCT_TITLE[r.product.name] ?? r.product.name}${r.product.version ? ` ${r.product.version}` : ''}`]];
  if (r.product.edition) product.push(['Edition', r.product.edition]);
  if (r.product.licence) product.push(['Licence', r.product.licence]);
  if (r.product.evidence) product.push(['Detected by', r.product.evidence]);
  return {
    title: `pbxready-agent report — ${h.hostname}`,
    verdict: r.verdict,
    headline: headline(r),
    facts: [
      ['Host', h.hostname],
      ...product,
      ['Collected by', r.collector ?? 'agent'],
      // Where sshd saw the session come from: the checker's vantage point, seen from the host.
      ...(r.sshSession ? [['SSH session', `from ${r.sshSession.clientAddress}:${r.sshSession.clientPort} to ${r.sshSession.serverAddress}:${r.sshSession.serverPort}`] as [string, string]] : []),
      ['Generated at', r.generatedAt],
      ['Duration', `${(r.durationMs / 1000).toFixed(2)} s`],
    ],
    sections,
    findings: r.findings,
    footer: `${r.tool.name} ${r.tool.version} · schema ${r.schemaVersion} · ${r.generatedAt}`,
  };
}

export function diffDocument(d: AgentDiff): ReportDocument {
  return {
    title: `pbxready-agent diff — ${d.host}`,
    verdict: d.to.verdict,
    headline: d.changes.length ? `${d.changes.length} change(s) between ${d.from.generatedAt} and ${d.to.generatedAt}.` : `No change between ${d.from.generatedAt} and ${d.to.generatedAt}.`,
    facts: [
      ['Before', `${d.from.generatedAt} (${d.from.verdict})`],
      ['After', `${d.to.generatedAt} (${d.to.verdict})`],
    ],
    sections: [
      {
        title: 'Changes',
        ...(d.changes.length
          ? {
              table: {
                columns: ['Area', 'What', 'Before', 'After'],
                rows: d.changes.map((c) => [cell(c.area), cell(c.item), cell(c.before), cell(c.after, c.worse ? 'warn' : undefined)]),
              },
            }
          : { lines: ['nothing changed in versions, endpoints, trunks, calls, disks or findings'] }),
      },
      ...(d.resolvedFindings.length ? [{ title: 'Resolved findings', lines: d.resolvedFindings.map((f) => `${f.code}: ${f.message}`) }] : []),
    ],
    // The findings shown are the ones that appeared; resolved ones have their own section.
    findings: d.newFindings,
    footer: `pbxready-agent diff · schema ${d.schemaVersion} · ${d.resolvedFindings.length} finding(s) resolved, ${d.newFindings.length} new, ${d.stillPresent.length} still present`,
  };
}
