// The vendor's upgrade pre-check (PBXware upgrade process) as pure rules over both views:
// the outside check (reachability) and the host agent's facts (configuration, custom development,
// space vs CDR size, backup, calls, version). Each item is pass/warn/fail/unknown with its evidence;
// the decision is go / go with warnings / no-go, or unknown when facts are missing — never "go" blind.

import { coerce, compare, type SemVer } from 'semver';
import type {
  AgentReport,
  CheckReport,
  DiskFacts,
  DowntimeEstimate,
  Finding,
  PortResult,
  PrecheckDecision,
  PrecheckItem,
  PrecheckReport,
  PrecheckStatus,
  Verdict,
} from './model.js';
import { SCHEMA_VERSION } from './model.js';
import { TOOL } from './tool.js';
import { guiMatches, PROFILES } from './profiles.js';
import { formatBytes } from './render/document.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** The vendor quotes 15–30 minutes of downtime "depending on size". */
export const VENDOR_DOWNTIME_MINUTES = { min: 15, max: 30 } as const;
/**
 * Table-rebuild throughput bounds used to stretch the vendor's window for large CDR tables: a copying
 * ALTER on PBX-class hardware (one disk, shared with Asterisk) moves roughly 10–50 MiB/s of data+index.
 */
const REBUILD_BYTES_PER_SECOND = { fast: 50 * MiB, slow: 10 * MiB } as const;
/** Above these a CDR table lengthens the upgrade noticeably (the agent's CDR_TABLE_LARGE also counts). */
export const LARGE_CDR = { bytes: 5 * GiB, rows: 10_000_000 } as const;
/** A backup older than this is not "the backup before the upgrade". */
export const FRESH_BACKUP_DAYS = 1;

/** Free space a table rebuild needs on the database's filesystem (same rule as UPGRADE_SPACE_INSUFFICIENT). */
export function upgradeSpaceNeeded(cdrBytes: number): number {
  return Math.ceil(cdrBytes * 1.2 + 2 * GiB);
}

/** The vendor's window already covers a CDR table of ordinary size; only the excess stretches it. */
const ORDINARY_CDR_BYTES = 1 * GiB;

export function downtimeEstimate(cdrBytes: number | null): DowntimeEstimate | null {
  if (cdrBytes === null) return null;
  const excess = Math.max(0, cdrBytes - ORDINARY_CDR_BYTES);
  const extraMin = excess / REBUILD_BYTES_PER_SECOND.fast / 60;
  const extraMax = excess / REBUILD_BYTES_PER_SECOND.slow / 60;
  return {
    minMinutes: VENDOR_DOWNTIME_MINUTES.min + Math.floor(extraMin / 5) * 5,
    maxMinutes: VENDOR_DOWNTIME_MINUTES.max + Math.ceil(extraMax / 5) * 5,
    basis:
      excess === 0
        ? `the vendor's ${VENDOR_DOWNTIME_MINUTES.min}–${VENDOR_DOWNTIME_MINUTES.max} minutes; the CDR table (${formatBytes(cdrBytes)}) is of ordinary size`
        : `the vendor's ${VENDOR_DOWNTIME_MINUTES.min}–${VENDOR_DOWNTIME_MINUTES.max} minutes plus rebuilding ${formatBytes(excess)} of CDR data+index beyond ${formatBytes(ORDINARY_CDR_BYTES)} at 10–50 MiB/s`,
  };
}

/**
 * The release a version text names ("7.2.1 (build 44)" → 7.2.1, "7.2" → 7.2.0), by semver's
 * coerce: the first dotted number, missing parts 0; null when the text has none.
 */
export function versionOf(v: string): SemVer | null {
  return coerce(v);
}

/** -1, 0, 1 like a comparator; null when either side has no version number. */
export function compareVersions(a: string, b: string): -1 | 0 | 1 | null {
  const x = versionOf(a);
  const y = versionOf(b);
  return x && y ? compare(x, y) : null;
}

export interface PrecheckInput {
  /** The outside check, with the agent's report merged when it could be had. */
  check: CheckReport;
  /** Why the agent's facts are missing (check.agent absent). */
  agentProblem?: string;
  /** How the agent's facts were obtained ("ssh", "http", "file"): an SSH agent run proves the login. */
  agentVia?: 'ssh' | 'http' | 'file';
  targetVersion: string | null;
}

export interface PrecheckResult {
  items: PrecheckItem[];
  decision: PrecheckDecision;
  verdict: Verdict;
  summary: string;
  actions: string[];
  downtime: DowntimeEstimate | null;
  currentVersion: string | null;
}

type Item = PrecheckItem;

function item(id: string, title: string, status: PrecheckStatus, evidence: string, action?: string): Item {
  const it: Item = { id, title, status, evidence };
  if (action && (status === 'fail' || status === 'warn')) it.action = action;
  return it;
}

function portWords(p: PortResult, findings: readonly Finding[]): string {
  const diag = findings.filter((f) => f.port === p.port && (f.address === undefined || f.address === p.address) && f.severity !== 'info');
  const codes = diag.length ? ` [${[...new Set(diag.map((f) => f.code))].join(', ')}]` : '';
  return `${p.port} ${p.state}${codes}`;
}

/** The first remedy the check gives for a port that is not usable, so the action is specific. */
function remedyFor(ports: readonly PortResult[], findings: readonly Finding[]): string | undefined {
  for (const p of ports) {
    const f = findings.find((x) => x.port === p.port && x.severity === 'fail') ?? findings.find((x) => x.port === p.port && x.severity === 'warn');
    if (f) return f.remedy;
  }
  return undefined;
}

function reachGui(check: CheckReport): Item {
  const title = 'Reachability: web GUI';
  const gui = check.ports.filter((p) => p.required && p.purpose === 'gui');
  if (gui.length === 0) return item('reach-gui', title, 'unknown', 'no web GUI port was checked (see --ports)');
  const open = gui.filter((p) => p.state === 'open');
  const notPbx = open.filter((p) => p.http && !guiMatches(check.target.product, p.http.recognized));
  const evidence = gui.map((p) => portWords(p, check.findings)).join(', ');
  const notOpen = gui.filter((p) => p.state !== 'open');
  const guiAction = 'Open/forward the web GUI ports to the PBX for the vendor\'s support addresses.';
  if (open.length === 0) return item('reach-gui', title, 'fail', `no GUI port answers: ${evidence}`, remedyFor(gui, check.findings) ?? guiAction);
  if (notOpen.length || notPbx.length) {
    return item('reach-gui', title, 'warn', `${evidence}${notPbx.length ? `; ${notPbx.map((p) => p.port).join(', ')} does not look like the ${PROFILES[check.target.product].title} GUI` : ''}`, remedyFor([...notOpen, ...notPbx], check.findings) ?? guiAction);
  }
  return item('reach-gui', title, 'pass', evidence);
}

function reachSsh(check: CheckReport, agentVia: PrecheckInput['agentVia']): Item {
  const title = 'Reachability: SSH';
  const ssh = check.ports.filter((p) => p.required && p.purpose === 'ssh');
  if (ssh.length === 0) return item('reach-ssh', title, 'unknown', 'no SSH port was checked (see --ports)');
  const evidence = ssh.map((p) => portWords(p, check.findings)).join(', ');
  const open = ssh.filter((p) => p.state === 'open');
  const sshAction = (ports: PortResult[]) =>
    remedyFor(ports, check.findings) ?? `Make SSH on ${ports.map((p) => p.port).join(', ')} reach the PBX's sshd and give the vendor a working root login.`;
  if (open.length === 0) return item('reach-ssh', title, 'fail', `the upgrade is done over SSH and no SSH port answers: ${evidence}`, sshAction(ssh));
  const mismatch = open.find((p) => p.ssh?.hostKey === 'mismatch');
  if (mismatch) return item('reach-ssh', title, 'fail', `host key on ${mismatch.port} is ${mismatch.ssh?.fingerprint ?? '?'}, not the pinned one`, sshAction([mismatch]));
  const failed = open.find((p) => p.ssh?.auth && !p.ssh.auth.ok);
  if (failed) return item('reach-ssh', title, 'fail', `${evidence}; login as ${failed.ssh!.auth!.user} failed: ${failed.ssh!.auth!.error ?? 'rejected'}`, sshAction([failed]));
  const notSsh = open.find((p) => p.ssh && !p.ssh.banner);
  if (notSsh) return item('reach-ssh', title, 'fail', `${evidence}; port ${notSsh.port} does not answer as SSH`, sshAction([notSsh]));
  const notOpen = ssh.filter((p) => p.state !== 'open');
  if (notOpen.length) return item('reach-ssh', title, 'warn', evidence, sshAction(notOpen));
  const ok = open.find((p) => p.ssh?.auth?.ok);
  if (ok) return item('reach-ssh', title, 'pass', `${evidence}; login as ${ok.ssh!.auth!.user} works (${ok.ssh!.auth!.method})`);
  if (agentVia === 'ssh') return item('reach-ssh', title, 'pass', `${evidence}; the agent ran over this SSH login`);
  return item('reach-ssh', title, 'warn', `${evidence}; login not tested`, 'Give the vendor a working root SSH login (or install its SSH certificate) and re-run with --ssh-user.');
}

function needsAgent(id: string, title: string, problem: string): Item {
  return item(id, title, 'unknown', `needs the agent (--agent ssh, --agent URL or --agent-report FILE): ${problem}`);
}

function configuration(check: CheckReport, agent: AgentReport): Item {
  const title = 'Configuration: product, version, edition';
  const p = agent.product;
  const bits = [
    p.name === 'unknown' ? 'product not detected' : `${PROFILES[p.name].title} ${p.version ?? '(version unknown)'}`,
    p.edition ? `edition ${p.edition}` : null,
    p.licence ? 'licence number known' : null,
    `Asterisk ${agent.asterisk.version ?? 'version unknown'}${agent.asterisk.running ? ', running' : ', not running'}`,
    agent.database.reachable ? `database ${agent.database.version ?? 'reachable'}` : `database not reachable${agent.database.error ? ` (${agent.database.error})` : ''}`,
  ].filter((b): b is string => b !== null);
  const evidence = bits.join('; ');
  if (p.name === 'unknown') return item('configuration', title, 'fail', evidence, 'Run the agent on the PBX host itself (or pass --root): the upgrade cannot be planned without the product and version.');
  if (!guiMatches(check.target.product, p.name) && p.name !== check.target.product) {
    return item('configuration', title, 'warn', `${evidence}; the outside check assumed ${PROFILES[check.target.product].title}`, `Re-run with --product ${p.name}.`);
  }
  if (!p.version) return item('configuration', title, 'warn', evidence, 'Find the installed version (PBXware: the GUI\'s About page) and give it to the upgrade engineer.');
  if (!agent.database.reachable) return item('configuration', title, 'warn', evidence, 'Make the database queryable by the agent so the CDR size and free space can be checked.');
  return item('configuration', title, 'pass', evidence);
}

function customDevelopment(agent: AgentReport): Item {
  const title = 'Custom development';
  const c = agent.custom;
  if (!c) return item('custom-development', title, 'unknown', 'the agent did not report custom development');
  const parts: string[] = [];
  const list = (label: string, xs: string[]) => {
    if (xs.length) parts.push(`${xs.length} ${label} (${xs.slice(0, 3).join(', ')}${xs.length > 3 ? ', …' : ''})`);
  };
  list('custom configuration file(s)', c.customConfFiles);
  list('AGI script(s)', c.agiScripts);
  list('modified package file(s)', c.modifiedPackageFiles);
  const pkg = c.packageCheck && !c.packageCheck.measured ? `; package files not verified: ${c.packageCheck.reason}` : '';
  if (parts.length) return item('custom-development', title, 'warn', `${parts.join('; ')}${pkg}`, 'Tell the upgrade engineer about the custom development listed here: it must be reviewed before the upgrade.');
  return item('custom-development', title, 'pass', `none found${pkg}`);
}

/** The filesystem the database lives on: tagged by the agent, else the longest mount holding dataDir, else /. */
export function databaseDisk(agent: AgentReport): DiskFacts | null {
  const tagged = agent.disks.find((d) => d.holds.includes('database'));
  if (tagged) return tagged;
  const dir = agent.database.dataDir;
  if (dir) {
    const holding = agent.disks
      .filter((d) => dir === d.mount || dir.startsWith(d.mount.endsWith('/') ? d.mount : `${d.mount}/`))
      .sort((a, b) => b.mount.length - a.mount.length);
    if (holding[0]) return holding[0];
  }
  return agent.disks.find((d) => d.mount === '/') ?? null;
}

function cdrBytes(agent: AgentReport): number | null {
  const c = agent.cdr;
  if (!c || c.dataBytes === null) return null;
  return c.dataBytes + (c.indexBytes ?? 0);
}

function diskSpace(agent: AgentReport): Item {
  const title = 'Free space for the upgrade vs CDR size';
  const disk = databaseDisk(agent);
  if (!disk) return item('disk-space', title, 'unknown', 'the agent reported no filesystem for the database');
  const bytes = cdrBytes(agent);
  const avail = `${disk.mount} has ${formatBytes(disk.availBytes)} free (${disk.usePercent}% used)`;
  const action = `Free space on ${disk.mount} or archive old CDRs before scheduling the upgrade.`;
  if (bytes === null) {
    const floor = upgradeSpaceNeeded(0);
    if (disk.availBytes < floor) return item('disk-space', title, 'fail', `${avail}; below even the ${formatBytes(floor)} floor, and the CDR size is unknown`, action);
    return item('disk-space', title, 'warn', `${avail}; the CDR size is unknown, so the need cannot be compared`, 'Let the agent read the CDR table size (database credentials) so free space can be compared.');
  }
  const needed = upgradeSpaceNeeded(bytes);
  const evidence = `${avail}; needs about ${formatBytes(needed)} (CDR ${formatBytes(bytes)} × 1.2 + 2 GiB)`;
  if (disk.availBytes < needed) return item('disk-space', title, 'fail', evidence, action);
  if (disk.availBytes < needed * 1.5 || agent.findings.some((f) => f.code === 'DISK_SPACE_LOW' && f.message.includes(disk.mount))) {
    return item('disk-space', title, 'warn', `${evidence}; little margin`, action);
  }
  return item('disk-space', title, 'pass', evidence);
}

function cdrSize(agent: AgentReport): Item {
  const title = 'CDR table size';
  const c = agent.cdr;
  if (!c) return item('cdr-size', title, 'unknown', 'the agent found no CDR table');
  if (c.error) return item('cdr-size', title, 'unknown', `${c.table}: ${c.error}`);
  const bytes = cdrBytes(agent);
  const rows = c.rows === null ? 'rows unknown' : `${c.rows.toLocaleString('en-US')} rows${c.rowsExact ? '' : ' (estimate)'}`;
  const evidence = `${c.table}${c.engine ? ` (${c.engine})` : ''}: ${rows}, ${formatBytes(bytes)} data+index${c.oldest ? `, since ${c.oldest}` : ''}`;
  if (bytes === null && c.rows === null) return item('cdr-size', title, 'unknown', evidence);
  const large =
    (bytes !== null && bytes >= LARGE_CDR.bytes) || (c.rows !== null && c.rows >= LARGE_CDR.rows) || agent.findings.some((f) => f.code === 'CDR_TABLE_LARGE');
  if (large) return item('cdr-size', title, 'warn', evidence, 'Archive old CDRs before the upgrade, or agree a longer downtime window.');
  return item('cdr-size', title, 'pass', evidence);
}

function backup(agent: AgentReport, product: string): Item {
  const title = 'Recent backup / snapshot';
  const c = agent.custom;
  const action = product === 'serverware' ? 'Take a system clone right before the upgrade.' : 'Take a backup or snapshot right before the upgrade.';
  if (!c) return item('backup', title, 'unknown', 'the agent did not look for backups');
  const b = c.newestBackup;
  if (!b) return item('backup', title, 'warn', `no backup found${c.backupDir ? ` under ${c.backupDir}` : ''}`, action);
  const evidence = `newest backup ${b.path}, ${b.ageDays} day(s) old`;
  if (b.ageDays > FRESH_BACKUP_DAYS) return item('backup', title, 'warn', evidence, action);
  return item('backup', title, 'pass', evidence);
}

function activeCalls(agent: AgentReport): Item {
  const title = 'Active calls right now';
  const a = agent.asterisk;
  if (!a.running) return item('active-calls', title, 'warn', `Asterisk is not running${a.reason ? ` (${a.reason})` : ''}: no calls, but the system is not healthy before the upgrade`, 'Find out why Asterisk is not running before the upgrade (its logs).');
  if (a.activeCalls === null) return item('active-calls', title, 'unknown', 'Asterisk did not report its call count');
  if (a.activeCalls > 0) return item('active-calls', title, 'warn', `${a.activeCalls} call(s) in progress now; the upgrade interrupts them`, 'Schedule the upgrade off-hours, when no calls are in progress.');
  return item('active-calls', title, 'pass', 'no calls in progress');
}

function version(current: string | null, target: string | null): Item {
  const title = 'Current version vs target';
  if (!target) return item('version', title, 'warn', `installed ${current ?? 'unknown'}; no target version given`, 'Name the target version (--to VERSION): the installed version is compared with it.');
  if (!current) return item('version', title, 'unknown', `target ${target}; the installed version is unknown`);
  const cmp = compareVersions(current, target);
  if (cmp === null) return item('version', title, 'unknown', `installed ${current}, target ${target}: not comparable`);
  if (cmp === 0) return item('version', title, 'fail', `already on ${current}: there is nothing to upgrade to ${target}`, 'Choose a target version newer than the installed one.');
  if (cmp > 0) return item('version', title, 'fail', `installed ${current} is newer than the target ${target}: a downgrade is refused`, 'Choose a target version newer than the installed one.');
  // The vendor's version-specific pre-checks are not published, so this item promises none: the
  // upgrade engineer makes them (README "The upgrade pre-check" says so).
  return item('version', title, 'pass', `${current} → ${target}: an upgrade`);
}

function downtime(estimate: DowntimeEstimate | null): Item {
  const title = 'Downtime estimate';
  const vendor = `${VENDOR_DOWNTIME_MINUTES.min}–${VENDOR_DOWNTIME_MINUTES.max} minutes`;
  if (!estimate) return item('downtime', title, 'unknown', `the vendor quotes ${vendor}; the CDR size is unknown, so it cannot be refined`);
  const evidence = `${estimate.minMinutes}–${estimate.maxMinutes} minutes (${estimate.basis})`;
  if (estimate.maxMinutes > VENDOR_DOWNTIME_MINUTES.max) {
    return item('downtime', title, 'warn', evidence, `Agree an off-hours window of at least ${estimate.maxMinutes} minutes with the vendor.`);
  }
  return item('downtime', title, 'pass', evidence);
}

const DECISION_VERDICT: Record<PrecheckDecision, Verdict> = {
  go: 'ready',
  'go-with-warnings': 'warnings',
  'no-go': 'not-ready',
  unknown: 'unknown',
};

export function decide(items: readonly PrecheckItem[]): PrecheckDecision {
  if (items.some((i) => i.status === 'fail')) return 'no-go';
  if (items.some((i) => i.status === 'unknown')) return 'unknown';
  if (items.some((i) => i.status === 'warn')) return 'go-with-warnings';
  return 'go';
}

function summarize(decision: PrecheckDecision, items: readonly PrecheckItem[], agentProblem: string | undefined): string {
  const titles = (s: PrecheckStatus) => items.filter((i) => i.status === s).map((i) => i.title.toLowerCase());
  switch (decision) {
    case 'no-go':
      return `No-go: ${titles('fail').join('; ')} must be fixed first.`;
    case 'unknown':
      return agentProblem
        ? `Cannot be go without the host agent's facts (${agentProblem}): ${titles('unknown').length} item(s) unknown.`
        : `Cannot be go: ${titles('unknown').join('; ')} could not be checked.`;
    case 'go-with-warnings':
      return `Go with warnings: ${titles('warn').join('; ')}.`;
    case 'go':
      return 'Go: every pre-check item passes.';
  }
}

export function precheck(input: PrecheckInput): PrecheckResult {
  const { check, targetVersion } = input;
  const agent = check.agent;
  const outside = [reachGui(check), reachSsh(check, agent ? input.agentVia : undefined)];
  let inside: Item[];
  let estimate: DowntimeEstimate | null = null;
  let currentVersion: string | null = null;
  if (!agent) {
    const why = input.agentProblem ?? 'no agent was asked for';
    inside = [
      ['configuration', 'Configuration: product, version, edition'],
      ['custom-development', 'Custom development'],
      ['disk-space', 'Free space for the upgrade vs CDR size'],
      ['cdr-size', 'CDR table size'],
      ['backup', 'Recent backup / snapshot'],
      ['active-calls', 'Active calls right now'],
      ['version', 'Current version vs target'],
      ['downtime', 'Downtime estimate'],
    ].map(([id, title]) => needsAgent(id!, title!, why));
  } else {
    currentVersion = agent.product.version;
    estimate = downtimeEstimate(cdrBytes(agent));
    inside = [
      configuration(check, agent),
      customDevelopment(agent),
      diskSpace(agent),
      cdrSize(agent),
      backup(agent, agent.product.name === 'unknown' ? check.target.product : agent.product.name),
      activeCalls(agent),
      version(currentVersion, targetVersion),
      downtime(estimate),
    ];
  }
  const items = [...outside, ...inside];
  const decision = decide(items);
  const actions = [...new Set(items.flatMap((i) => (i.action ? [i.action] : [])))];
  return {
    items,
    decision,
    verdict: DECISION_VERDICT[decision],
    summary: summarize(decision, items, agent ? undefined : (input.agentProblem ?? 'no agent was asked for')),
    actions,
    downtime: estimate,
    currentVersion,
  };
}

/** The whole pre-check report from both views: the decision plus the evidence it was made on. */
export function precheckReport(input: PrecheckInput, durationMs: number): PrecheckReport {
  const { check } = input;
  const result = precheck(input);
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'precheck',
    tool: TOOL,
    generatedAt: check.generatedAt,
    durationMs,
    target: check.target,
    targetVersion: input.targetVersion,
    currentVersion: result.currentVersion,
    decision: result.decision,
    verdict: result.verdict,
    summary: result.summary,
    items: result.items,
    actions: result.actions,
    downtime: result.downtime,
    check,
    findings: check.findings,
  };
}
