// The host agent's rules: facts gathered on the PBX → findings. Pure: no I/O, thresholds injected.

import { finding } from '../findings.js';
import { SCHEMA_VERSION, type AgentCollector, type AgentReport, type Finding } from '../model.js';
import { TOOL } from '../tool.js';
import { formatBytes } from '../render/document.js';
import { compareVersions } from '../precheck.js';
import { ISSABEL_SUPPORT } from '../profiles.js';
import { emergencyFindings } from './emergency.js';
import { vendorSourceFindings } from './host-firewall.js';
import { PROFILES, allProfilePorts } from '../profiles.js';

export { AGENT_THRESHOLDS, agentThresholds, type AgentThresholds } from './agent-thresholds.js';
import { AGENT_THRESHOLDS, type AgentThresholds } from './agent-thresholds.js';

export type AgentFacts = Omit<AgentReport, 'findings' | 'verdict'>;

/** What every collector (installed agent, agentless) starts from: nothing measured yet, said as such. */
export function blankAgentFacts(collector: AgentCollector, hostname: string, root: string, generatedAt: Date): AgentFacts {
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'agent',
    tool: TOOL,
    collector,
    generatedAt: generatedAt.toISOString(),
    durationMs: 0,
    host: { hostname, os: 'unknown', kernel: 'unknown', uptimeSeconds: 0 },
    product: { name: 'unknown', version: null },
    asterisk: { version: null, running: false, activeCalls: null, endpoints: null, trunks: [], reason: 'not measured' },
    disks: [],
    database: { reachable: false, version: null, schemas: [], error: 'not measured' },
    cdr: null,
    listening: [],
    unreadable: [],
    root,
  };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** Name what a finding is about, so a snapshot diff recognises it when only its numbers change. */
function about(subject: string, f: Finding): Finding {
  f.subject = subject;
  return f;
}

function diskFindings(r: AgentFacts, t: AgentThresholds): Finding[] {
  const out: Finding[] = [];
  for (const d of r.disks) {
    if (d.usePercent >= t.diskWarnPercent) {
      out.push(
        about(
          d.mount,
          finding(
            'DISK_SPACE_LOW',
            { mount: d.mount, usePercent: round1(d.usePercent), avail: formatBytes(d.availBytes) },
            d.usePercent >= t.diskFailPercent ? { severity: 'fail' } : {},
          ),
        ),
      );
    }
    if (d.inodesUsePercent !== undefined && d.inodesUsePercent !== null && d.inodesUsePercent >= t.inodesWarnPercent) {
      out.push(about(d.mount, finding('INODES_LOW', { mount: d.mount, usePercent: round1(d.inodesUsePercent) })));
    }
  }
  return out;
}

function upgradeSpace(r: AgentFacts, t: AgentThresholds): Finding[] {
  const cdr = r.cdr;
  if (!cdr || cdr.dataBytes === null || cdr.indexBytes === null) return [];
  const disk = r.disks.find((d) => d.holds.includes('database'));
  if (!disk) return [];
  const needed = (cdr.dataBytes + cdr.indexBytes) * t.upgradeSpaceFactor + t.upgradeSpaceMarginBytes;
  if (disk.availBytes >= needed) return [];
  return [about(disk.mount, finding('UPGRADE_SPACE_INSUFFICIENT', { mount: disk.mount, avail: formatBytes(disk.availBytes), needed: formatBytes(needed) }))];
}

function cdrFindings(r: AgentFacts, t: AgentThresholds): Finding[] {
  const cdr = r.cdr;
  if (!cdr) return [];
  if (cdr.error) return [about(cdr.table, finding('CDR_UNREADABLE', { table: cdr.table, reason: cdr.error }))];
  const out: Finding[] = [];
  const bytes = (cdr.dataBytes ?? 0) + (cdr.indexBytes ?? 0);
  if ((cdr.rows ?? 0) > t.cdrRowsWarn || bytes > t.cdrBytesWarn) {
    out.push(
      about(
        cdr.table,
        finding('CDR_TABLE_LARGE', {
          table: cdr.table,
          rows: cdr.rows ?? '?',
          exact: cdr.rowsExact ? '' : ', estimated',
          size: formatBytes(bytes),
        }),
      ),
    );
  }
  return out;
}

function asteriskFindings(r: AgentFacts, t: AgentThresholds): Finding[] {
  const a = r.asterisk;
  // A CLI that could not be asked at all is a SOURCE_UNREADABLE already, not a stopped Asterisk.
  if (a.notMeasured) return [];
  if (!a.running) return [about('asterisk', finding('ASTERISK_NOT_RUNNING', { reason: a.reason ?? 'no answer from the Asterisk CLI' }))];
  const out: Finding[] = [];
  for (const trunk of a.trunks) {
    if (!/^registered$/i.test(trunk.state)) out.push(about(trunk.name, finding('TRUNK_UNREGISTERED', { name: trunk.name, state: trunk.state })));
  }
  const e = a.endpoints;
  if (e && e.total > 0) {
    const unreachable = e.total - e.reachable;
    const percent = (unreachable / e.total) * 100;
    if (percent > t.endpointsUnreachablePercent) {
      out.push(about('endpoints', finding('ENDPOINTS_UNREACHABLE', { unreachable, total: e.total, percent: Math.round(percent) })));
    }
  }
  return out;
}

function customFindings(r: AgentFacts, t: AgentThresholds): Finding[] {
  const c = r.custom;
  if (!c) return [];
  const out: Finding[] = [];
  const what: string[] = [];
  if (c.customConfFiles.length) what.push(`${c.customConfFiles.length} non-empty *_custom.conf (${c.customConfFiles.join(', ')})`);
  if (c.agiScripts.length) what.push(`${c.agiScripts.length} extra AGI script(s) (${c.agiScripts.join(', ')})`);
  if (c.modifiedPackageFiles.length) what.push(`${c.modifiedPackageFiles.length} modified package file(s) (${c.modifiedPackageFiles.slice(0, 5).join(', ')}${c.modifiedPackageFiles.length > 5 ? ', …' : ''})`);
  if (what.length) out.push(about('custom development', finding('CUSTOM_DEVELOPMENT_FOUND', { what: what.join('; ') })));
  if (c.newestBackup) {
    if (c.newestBackup.ageDays > t.backupMaxAgeDays) out.push(about(c.newestBackup.path, finding('BACKUP_OLD', { ageDays: round1(c.newestBackup.ageDays), path: c.newestBackup.path })));
  } else if (c.backupDir) {
    out.push(about(c.backupDir, finding('BACKUP_MISSING', { where: c.backupDir })));
  }
  return out;
}

function sourceFindings(r: AgentFacts): Finding[] {
  const out: Finding[] = [];
  if (r.product.name === 'unknown') out.push(about(r.root ?? '/', finding('PRODUCT_NOT_DETECTED', { root: r.root ?? '/' })));
  // No client to ask with (agentless, no mysql on the host) is a SOURCE_UNREADABLE already.
  if (!r.database.reachable && !r.database.notMeasured) {
    out.push(
      about(
        r.database.where ?? 'the database',
        finding('DB_UNREACHABLE', {
          where: r.database.where ?? 'the database',
          reason: r.database.error ?? 'unknown error',
          source: r.database.credentialsSource ?? 'the product\'s configuration',
        }),
      ),
    );
  }
  for (const p of r.unreadable ?? []) out.push(about(p.source, finding('SOURCE_UNREADABLE', { source: p.source, reason: p.reason })));
  return out;
}

/** Issabel's support depends on the version, and its Call Center module is at end of life. */
function productSupportFindings(r: AgentFacts): Finding[] {
  if (r.product.name !== 'issabel') return [];
  const out: Finding[] = [];
  // An unreadable version says nothing either way (the finding needs evidence, not a guess).
  if (r.product.version && compareVersions(r.product.version, ISSABEL_SUPPORT.fullFrom) === -1) {
    out.push(about('issabel version', finding('ISSABEL_VERSION_LIMITED', { version: r.product.version!, current: ISSABEL_SUPPORT.current })));
  }
  if (r.product.callCenter?.installed) out.push(about('issabel callcenter', finding('ISSABEL_CALLCENTER_EOL', { evidence: r.product.callCenter.evidence })));
  return out;
}

/** VENDOR_SOURCE_* from the agent alone (config "vendorSources"), over its product's support ports. */
function vendorFindings(r: AgentFacts, vendorSources: readonly string[]): Finding[] {
  if (!vendorSources.length) return [];
  const ports = (r.product.name === 'unknown' ? allProfilePorts() : PROFILES[r.product.name].ports).map((p) => p.port);
  return vendorSourceFindings(r.firewall, vendorSources, ports);
}

/** Every finding the agent's facts call for. */
export function agentFindings(facts: AgentFacts, thresholds: AgentThresholds = AGENT_THRESHOLDS, vendorSources: readonly string[] = []): Finding[] {
  return [
    ...vendorFindings(facts, vendorSources),
    ...sourceFindings(facts),
    ...productSupportFindings(facts),
    ...diskFindings(facts, thresholds),
    ...upgradeSpace(facts, thresholds),
    ...cdrFindings(facts, thresholds),
    ...emergencyFindings(facts, thresholds),
    ...asteriskFindings(facts, thresholds),
    ...customFindings(facts, thresholds),
  ];
}
