// Is this value an agent report? The one check every reader of an agent report uses — the checker's
// agent sources (file, HTTP, SSH), the agent's own snapshots (`diff`), and reports put on tickets.
// None of them trusts the JSON until the shape the rules and renderers read is there: a report from
// an old agent, a truncated stream or an HTML error page must become a clear reason, never a crash.
// Pure. To check one more thing, add a rule to RULES: each returns the first problem, in words.

import { isIP } from 'node:net';
import { findingsProblem } from '../findings.js';
import { isRecord } from '../json.js';
import { SCHEMA_VERSION, type AgentReport } from '../model.js';

type Json = Record<string, unknown>;

const isPort = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535;
/** SSH_CONNECTION as the agent reports it: the checker compares the client address with what it checked. */
function isSshSession(v: unknown): boolean {
  return isRecord(v) && typeof v.clientAddress === 'string' && isIP(v.clientAddress) !== 0 && typeof v.serverAddress === 'string' && isIP(v.serverAddress) !== 0 && isPort(v.clientPort) && isPort(v.serverPort);
}
/** One shape rule: the problem in words, or null. Runs only after the rules before it passed. */
type Rule = (r: Json) => string | null;

const RULES: readonly Rule[] = [
  (r) => (r.kind === 'agent' ? null : `kind is ${JSON.stringify(r.kind ?? null)}, not "agent"`),
  (r) => (r.schemaVersion === SCHEMA_VERSION ? null : `schemaVersion ${JSON.stringify(r.schemaVersion ?? null)} is not ${SCHEMA_VERSION}`),
  (r) => (typeof r.generatedAt === 'string' ? null : 'generatedAt is missing'),
  (r) => (['host', 'product', 'asterisk', 'database'] as const).map((key) => (isRecord(r[key]) ? null : `${key} is missing`)).find((p) => p) ?? null,
  (r) => (Array.isArray(r.disks) ? null : 'disks is not a list'),
  (r) => (Array.isArray(r.findings) ? null : 'findings is not a list'),
  (r) => (Array.isArray(r.listening) ? null : 'listening is not a list'),
  (r) => {
    for (const [i, s] of (r.listening as unknown[]).entries()) {
      if (!isRecord(s) || typeof s.port !== 'number' || !Number.isInteger(s.port) || typeof s.address !== 'string') return `listening[${i}] is not {port, address}`;
    }
    return null;
  },
  (r) => (typeof (r.product as Json).name === 'string' ? null : 'product.name is missing'),
  (r) =>
    r.publicAddresses === undefined || (Array.isArray(r.publicAddresses) && r.publicAddresses.every((a) => typeof a === 'string'))
      ? null
      : 'publicAddresses is not a list of addresses',
  (r) => DEEP_SHAPE(r, ''),
  (r) => findingsProblem(r.findings),
  (r) => (r.sshSession === undefined || isSshSession(r.sshSession) ? null : 'sshSession is not {clientAddress, clientPort, serverAddress, serverPort}'),
];

// ---- the deep shape: every list item and field the rules and renderers read ----
// A report comes from a customer's host: `disks: [null]` or `findings: [{}]` crashed the renderers
// and the pre-check, a severity outside the closed set reached HTML raw, 1e999 parses to Infinity.
// Optional fields may be absent or null; present ones must be what they say.

/** The problem at `at`, or null. */
type Check = (v: unknown, at: string) => string | null;

const text: Check = (v, at) => (typeof v === 'string' ? null : `${at} is not text`);
const number: Check = (v, at) => (typeof v === 'number' && Number.isFinite(v) ? null : `${at} is not a finite number`);
const flag: Check = (v, at) => (typeof v === 'boolean' ? null : `${at} is not true or false`);
const optional =
  (check: Check): Check =>
  (v, at) =>
    v === undefined || v === null ? null : check(v, at);
const listOf =
  (item: Check): Check =>
  (v, at) => {
    if (!Array.isArray(v)) return `${at} is not a list`;
    for (const [i, x] of v.entries()) {
      const problem = item(x, `${at}[${i}]`);
      if (problem) return problem;
    }
    return null;
  };
const shape =
  (fields: Record<string, Check>): Check =>
  (v, at) => {
    if (!isRecord(v)) return `${at} is not an object`;
    for (const [key, check] of Object.entries(fields)) {
      const problem = check(v[key], at ? `${at}.${key}` : key);
      if (problem) return problem;
    }
    return null;
  };
const oneOf =
  (values: readonly string[]): Check =>
  (v, at) =>
    typeof v === 'string' && values.includes(v) ? null : `${at} is not one of ${values.join(', ')}`;

const maybeText = optional(text);
const maybeNumber = optional(number);
const maybeFlag = optional(flag);
const numberRecord: Check = (v, at) => (isRecord(v) ? Object.entries(v).map(([k, x]) => number(x, `${at}.${k}`)).find((p) => p) ?? null : `${at} is not an object`);

// The host's own firewall: the evaluator walks these, so every list and field it reads is checked.
const maybeTexts = optional(listOf(text));
const FILTER_RULE = shape({
  text,
  action: oneOf(['accept', 'drop', 'reject', 'return', 'jump', 'goto', 'continue', 'unknown']),
  target: maybeText,
  match: shape({
    protocol: maybeText,
    protocolNegated: maybeFlag,
    dports: optional(listOf((v, at) => (Array.isArray(v) && v.length === 2 && v.every((n) => Number.isInteger(n)) ? null : `${at} is not a [from, to] port range`))),
    dportsNegated: maybeFlag,
    sources: maybeTexts,
    sourcesNegated: maybeFlag,
    sourceSets: maybeTexts,
    sourceSetsNegated: maybeFlag,
    inInterfaces: maybeTexts,
    inInterfacesNegated: maybeFlag,
    ctStates: maybeTexts,
    ctStatesNegated: maybeFlag,
    ipFamily: optional((v, at) => (v === 4 || v === 6 ? null : `${at} is not 4 or 6`)),
    unknown: maybeTexts,
  }),
});
const FIREWALL = shape({
  readers: listOf(shape({ name: text, command: text, status: oneOf(['read', 'not installed', 'not running', 'unreadable']), reason: maybeText })),
  tables: listOf(
    shape({
      source: oneOf(['iptables', 'ip6tables', 'nftables']),
      family: oneOf(['ip', 'ip6', 'inet']),
      name: text,
      chains: listOf(shape({ name: text, hook: maybeText, priority: maybeNumber, policy: optional(oneOf(['accept', 'drop', 'reject'])), rules: listOf(FILTER_RULE), truncated: maybeFlag })),
      sets: listOf(shape({ name: text, elements: listOf(text), partial: maybeFlag })),
    }),
  ),
  bans: listOf(shape({ address: text, jail: text, by: oneOf(['fail2ban', 'sipprot']) })),
  bansTruncated: maybeFlag,
  uplink: maybeText,
  zones: optional(listOf(shape({ name: text, active: flag, target: maybeText, interfaces: listOf(text), sources: listOf(text), services: listOf(text), ports: listOf(text), richRules: listOf(text) }))),
});

const DEEP_SHAPE = shape({
  verdict: oneOf(['ready', 'warnings', 'not-ready', 'unknown']),
  collector: optional(oneOf(['agent', 'bundled-agent', 'agentless'])),
  durationMs: maybeNumber,
  host: shape({
    hostname: maybeText,
    os: maybeText,
    kernel: maybeText,
    uptimeSeconds: maybeNumber,
    cpu: optional(shape({ model: maybeText, cores: maybeNumber })),
    memory: optional(shape({ totalBytes: maybeNumber, availableBytes: maybeNumber })),
    load: optional(listOf(number)),
  }),
  product: shape({ name: oneOf(['pbxware', 'serverware', 'issabel', 'unknown']), version: maybeText, edition: maybeText, licence: maybeText, evidence: maybeText, callCenter: optional(shape({ installed: flag, evidence: text })) }),
  asterisk: shape({
    version: maybeText,
    running: optional(flag),
    uptimeSeconds: maybeNumber,
    activeChannels: maybeNumber,
    activeCalls: maybeNumber,
    endpoints: optional(shape({ total: number, reachable: number })),
    trunks: optional(listOf(shape({ name: text, state: text }))),
    cdrBackends: optional(listOf(text)),
    reason: maybeText,
    notMeasured: maybeText,
    confirmedDown: optional(flag),
  }),
  disks: listOf(
    shape({
      mount: text,
      fs: maybeText,
      sizeBytes: maybeNumber,
      usedBytes: maybeNumber,
      availBytes: maybeNumber,
      usePercent: maybeNumber,
      inodesFree: maybeNumber,
      inodesUsePercent: maybeNumber,
      holds: optional(listOf(text)),
    }),
  ),
  database: shape({
    reachable: optional(flag),
    version: maybeText,
    uptimeSeconds: maybeNumber,
    dataDir: maybeText,
    schemas: optional(listOf(shape({ name: text, bytes: maybeNumber }))),
    error: maybeText,
    where: maybeText,
    credentialsSource: maybeText,
    notMeasured: maybeText,
  }),
  cdr: optional(
    shape({
      table: maybeText,
      engine: maybeText,
      rows: maybeNumber,
      rowsExact: optional(flag),
      dataBytes: maybeNumber,
      indexBytes: maybeNumber,
      freeBytes: maybeNumber,
      oldest: maybeText,
      newest: maybeText,
      lastHour: optional(shape({ calls: number, failed: number, failedRatio: maybeNumber, dispositions: optional(numberRecord) })),
      sameHourBefore: optional(listOf(number)),
      error: maybeText,
      notMeasured: maybeText,
    }),
  ),
  listening: listOf(shape({ port: number, address: text, process: maybeText, pid: maybeNumber })),
  custom: optional(
    shape({
      customConfFiles: optional(listOf(text)),
      agiScripts: optional(listOf(text)),
      modifiedPackageFiles: optional(listOf(text)),
      packageCheck: optional(shape({ measured: flag, reason: maybeText })),
      newestBackup: optional(shape({ path: text, ageDays: number })),
      backupDir: maybeText,
    }),
  ),
  unreadable: optional(listOf(shape({ source: text, reason: text }))),
  publicAddressSources: optional(listOf(shape({ address: text, source: text }))),
  firewall: optional(FIREWALL),
  sshSession: optional(shape({ clientAddress: text, clientPort: number, serverAddress: text, serverPort: number })),
  root: maybeText,
  timings: optional((v, at) => (isRecord(v) ? Object.entries(v).map(([k, x]) => number(x, `${at}.${k}`)).find((p) => p) ?? null : `${at} is not an object`)),
});

/** The first shape problem, in words, or null when the report is usable. */
export function agentReportProblem(value: unknown): string | null {
  if (!isRecord(value)) return 'not a JSON object';
  for (const rule of RULES) {
    const problem = rule(value);
    if (problem) return problem;
  }
  return null;
}

export function isAgentReport(value: unknown): value is AgentReport {
  return agentReportProblem(value) === null;
}

/** The report, or its first shape problem. */
export function validateAgentReport(value: unknown): { report: AgentReport } | { problem: string } {
  const problem = agentReportProblem(value);
  // The one place the narrowing is asserted: every rule above has passed.
  return problem === null ? { report: value as AgentReport } : { problem };
}

/** Parse text that should be an agent report: the report, or one line saying what it is instead. */
export function parseAgentReport(text: string): { report: AgentReport } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const head = text.trim().slice(0, 60).replace(/\s+/g, ' ');
    return { problem: `not JSON (${(err as Error).message}${head ? `; it starts with "${head}"` : '; it is empty'})` };
  }
  const checked = validateAgentReport(value);
  return 'problem' in checked ? { problem: `not an agent report: ${checked.problem}` } : checked;
}
