// The report model: one set of types every probe fills, every rule reads and every renderer prints.
// JSON field names here are the public, versioned contract (see README "JSON report").

export const SCHEMA_VERSION = 1 as const;

export type Severity = 'info' | 'warn' | 'fail';
export type Verdict = 'ready' | 'warnings' | 'not-ready' | 'unknown';
export type Product = 'pbxware' | 'serverware' | 'issabel';
export type ProductChoice = Product | 'auto';
export type OutputFormat = 'text' | 'json' | 'markdown' | 'html';

/** nmap's vocabulary, which support engineers already speak. */
export type PortState = 'open' | 'closed' | 'filtered';
export type PortPurpose = 'gui' | 'ssh' | 'exposure' | 'custom';

export interface ToolInfo {
  name: string;
  version: string;
}

export interface Finding {
  code: string;
  severity: Severity;
  port?: number;
  address?: string;
  /** What the finding is about (a mount, trunk, table, path…), stable across runs: a snapshot
   *  diff matches findings on code + port + address + subject, never on the message's numbers. */
  subject?: string;
  message: string;
  remedy: string;
}

export interface TlsFacts {
  protocol: string | null;
  cipher: string | null;
  subject: string | null;
  issuer: string | null;
  subjectAltNames: string[];
  validFrom: string | null;
  validTo: string | null;
  daysLeft: number | null;
  selfSigned: boolean;
  hostnameMatch: boolean | null;
  fingerprint256: string | null;
  /** Set when the handshake did not complete; the other fields are then null/empty. */
  error?: string;
  timedOut?: boolean;
}

export interface HttpFacts {
  url: string;
  status: number | null;
  /** Every Location followed, in order (bounded). */
  redirects: string[];
  server: string | null;
  title: string | null;
  /** The product whose GUI the page looks like, or null when it looks like none. */
  recognized: Product | null;
  bodyBytes: number;
  /** Where the time went, per phase, summed over every hop (as blackbox_exporter reports it). */
  timings?: HttpTimings;
  error?: string;
}

/**
 * HTTP phases in milliseconds, like blackbox_exporter's probe_http_duration_seconds{phase}: TCP
 * connect; TLS handshake (null on plain HTTP); processing (connection ready → first response
 * byte); transfer (first byte → body read, or the cap reached). null when the phase was not reached.
 */
export interface HttpTimings {
  connectMs: number | null;
  tlsMs: number | null;
  processingMs: number | null;
  transferMs: number | null;
}

export interface SshAuthResult {
  user: string;
  method: 'publickey' | 'password';
  ok: boolean;
  error?: string;
}

export interface SshFacts {
  banner: string | null;
  hostKeyType: string | null;
  /** OpenSSH form: "SHA256:" + unpadded base64 of the key blob's SHA-256. */
  fingerprint: string | null;
  authMethods: string[];
  hostKey?: 'match' | 'mismatch' | 'unpinned';
  auth?: SshAuthResult;
  error?: string;
  timedOut?: boolean;
  /** The time limit that applied, so a timeout finding can say how long was waited. */
  timeoutMs?: number;
  /** The fingerprints the host was pinned to (--ssh-fingerprint / --known-hosts) when they differ. */
  pinnedFingerprints?: string[];
}

export interface PortAttempt {
  state: PortState;
  reason: string;
  latencyMs: number | null;
}

export interface PortResult {
  port: number;
  address: string;
  purpose: PortPurpose;
  required: boolean;
  state: PortState;
  /** Why the state was decided: "connected", "ECONNREFUSED", "timeout after 3000 ms", "EHOSTUNREACH"... */
  reason: string;
  latencyMs: number | null;
  /** Present when more than one attempt was made (fleet scans retry filtered ports once). */
  attempts?: PortAttempt[];
  tls?: TlsFacts;
  http?: HttpFacts;
  ssh?: SshFacts;
}

export interface IcmpResult {
  measured: boolean;
  /** Why not measured, or what happened. */
  reason: string;
  alive: boolean | null;
  rttMs: number | null;
}

export interface CheckTarget {
  host: string;
  addresses: string[];
  /** The product profile used (with --product auto: the best guess, see productCandidates). */
  product: Product;
  productReason: string;
  /**
   * --product auto when the evidence disagrees or is too thin (PRODUCT_UNCERTAIN): every product
   * still possible. The required ports are then the union of their profiles' ports.
   */
  productCandidates?: Product[];
}

/** How this machine reaches one target address (see README "Where the check ran from"). */
export type VantageRoute = 'this-machine' | 'directly-connected' | 'routed' | 'unknown';

export interface VantageAddress {
  /** The target address. */
  address: string;
  /** The local (source) address this machine uses to reach it; null when no route was found. */
  localAddress: string | null;
  route: VantageRoute;
  /** The local network the target is on (CIDR and interface), for this-machine / directly-connected. */
  network?: string;
  /** The address the host saw the check's SSH session come from (agent merged over --agent ssh). */
  seenByHost?: string;
}

/** Where the check ran from: readiness proven from inside the customer's network proves nothing outside. */
export interface VantagePoint {
  addresses: VantageAddress[];
  /** True when any target was reached from inside its own network (CHECKED_FROM_INSIDE). */
  inside: boolean;
  /** Why, in words (empty when checked from outside). */
  evidence: string[];
}

export interface CheckReport {
  schemaVersion: typeof SCHEMA_VERSION;
  kind: 'check';
  tool: ToolInfo;
  generatedAt: string;
  durationMs: number;
  target: CheckTarget;
  verdict: Verdict;
  ports: PortResult[];
  icmp: IcmpResult;
  findings: Finding[];
  /** Where the check ran from (absent in reports of older versions). */
  vantage?: VantagePoint;
  /** The host's own view, merged from pbxready-agent when asked (--agent). */
  agent?: AgentReport;
}

// ---- the host agent's report (issue 3) ----

export interface HostFacts {
  hostname: string;
  os: string;
  kernel: string;
  uptimeSeconds: number;
  cpu?: { model: string; cores: number };
  memory?: { totalBytes: number; availableBytes: number };
  load?: number[];
}

export interface ProductFacts {
  name: Product | 'unknown';
  version: string | null;
  edition?: string;
  licence?: string;
  evidence?: string;
  /** Issabel: its Call Center module (end of life), when looked for; how it was found or not. */
  callCenter?: { installed: boolean; evidence: string };
}

export interface TrunkState {
  name: string;
  state: string;
}

export interface AsteriskFacts {
  version: string | null;
  running: boolean;
  uptimeSeconds?: number | null;
  activeChannels?: number | null;
  activeCalls: number | null;
  endpoints: { total: number; reachable: number } | null;
  trunks: TrunkState[];
  cdrBackends?: string[];
  /** Why Asterisk is considered not running (the CLI's own words). */
  reason?: string;
  /** The CLI could not be asked at all (not installed): a gap (SOURCE_UNREADABLE), not a stopped Asterisk. */
  notMeasured?: string;
  /**
   * True when the CLI itself ran and found no daemon ("Unable to connect to remote asterisk"):
   * evidence that the system is down. Not set when the CLI could not be run at all (missing, denied,
   * timed out) — that says nothing about Asterisk.
   */
  confirmedDown?: boolean;
}

export interface DiskFacts {
  mount: string;
  fs?: string;
  sizeBytes: number;
  usedBytes: number;
  availBytes: number;
  usePercent: number;
  inodesFree?: number | null;
  inodesUsePercent?: number | null;
  /** What of the product's lives here: "database", "recordings", "backups". */
  holds: string[];
}

export interface SchemaSize {
  name: string;
  bytes: number;
}

export interface DatabaseFacts {
  reachable: boolean;
  version: string | null;
  uptimeSeconds?: number | null;
  dataDir?: string | null;
  schemas: SchemaSize[];
  error?: string;
  /** Where it connected (host:port or socket), never the password. */
  where?: string;
  /** Where the credentials came from: "pbxware.ini", "--db-* flags", … */
  credentialsSource?: string;
  /** The database could not be asked at all (no mysql client on the host): a gap, not DB_UNREACHABLE. */
  notMeasured?: string;
}

export interface CdrFacts {
  table: string;
  engine: string | null;
  rows: number | null;
  rowsExact: boolean;
  dataBytes: number | null;
  indexBytes: number | null;
  freeBytes?: number | null;
  oldest: string | null;
  newest: string | null;
  /**
   * The last hour's calls. `failed` counts only the calls UNABLE TO PASS (FAILED, CONGESTION,
   * CHANUNAVAIL — see shared/rules/emergency.ts); NO ANSWER and BUSY calls passed through the system.
   * `dispositions` is every disposition's count, so the evidence is visible.
   */
  lastHour: { calls: number; failed: number; failedRatio: number | null; dispositions?: Record<string, number> } | null;
  /**
   * Calls in the same hour on the same weekday 1, 2, 3 and 4 weeks ago (newest first), only for the
   * weeks the table covers: the usual volume the last hour is compared with (CALL_VOLUME_COLLAPSED).
   */
  sameHourBefore?: number[] | null;
  error?: string;
  /** Why a measurement was left out (e.g. no calldate index: a full scan is never run). */
  notMeasured?: string;
}

export interface ListeningSocket {
  port: number;
  address: string;
  process: string | null;
  pid?: number | null;
}

export interface CustomDevelopment {
  customConfFiles: string[];
  agiScripts: string[];
  modifiedPackageFiles: string[];
  /** Whether the package manager could be asked (`rpm -Va`); when not, why ("not measured: …"). */
  packageCheck?: { measured: boolean; reason: string };
  newestBackup: { path: string; ageDays: number } | null;
  /** Where backups were looked for (the finding names it when none is found). */
  backupDir?: string | null;
}

/** sshd's SSH_CONNECTION: where the session came from as the host saw it, and where it arrived. */
export interface SshSession {
  clientAddress: string;
  clientPort: number;
  serverAddress: string;
  serverPort: number;
}

/** A fact source that could not be read, and why: every one becomes a SOURCE_UNREADABLE finding. */
export interface SourceProblem {
  source: string;
  reason: string;
  /** The fact source that met it (its name in the agent's source table), for per-source error metrics. */
  from?: string;
}

/**
 * Which collector made an agent report: `agent` (pbxready-agent installed on the host), `bundled-agent`
 * (the one-file bundle, pbxready-agent.mjs), `agentless` (a read-only sh script sent over SSH; the
 * checker parsed its output with the agent's own parsers).
 */
export type AgentCollector = 'agent' | 'bundled-agent' | 'agentless';

export interface AgentReport {
  schemaVersion: typeof SCHEMA_VERSION;
  kind: 'agent';
  tool: ToolInfo;
  /** Absent in reports of agents older than this field: read as "agent". */
  collector?: AgentCollector;
  generatedAt: string;
  durationMs: number;
  verdict: Verdict;
  host: HostFacts;
  product: ProductFacts;
  asterisk: AsteriskFacts;
  disks: DiskFacts[];
  database: DatabaseFacts;
  cdr: CdrFacts | null;
  listening: ListeningSocket[];
  custom?: CustomDevelopment;
  /** Public address(es) the host believes it has, when it can tell (used by ADDRESS_MISMATCH). */
  publicAddresses?: string[];
  /** Where each public address came from ("interface eth0", "chan_sip externip in …/sip.conf", …). */
  publicAddressSources?: Array<{ address: string; source: string }>;
  /** The host's own packet filter and bans, read-only (iptables/nftables/firewalld/fail2ban). */
  firewall?: HostFirewallFacts;
  /** Sources that could not be read (never a silent gap). */
  unreadable?: SourceProblem[];
  /** The SSH session the agent ran in, as sshd told it (SSH_CONNECTION); absent when not run over SSH. */
  sshSession?: SshSession;
  /** Where the agent looked (--root), for PRODUCT_NOT_DETECTED. */
  root?: string;
  /** Each fact source's own collection time, ms (e.g. {cdr: 4, disks: 12}). */
  timings?: Record<string, number>;
  findings: Finding[];
}

// ---- the upgrade pre-check (issue 4) ----

export type PrecheckStatus = 'pass' | 'warn' | 'fail' | 'unknown';
/** go → exit 0, go with warnings → 1, no-go → 2, unknown (facts missing) → 3, like a check's verdict. */
export type PrecheckDecision = 'go' | 'go-with-warnings' | 'no-go' | 'unknown';

export interface PrecheckItem {
  /** Stable id: reach-gui, reach-ssh, configuration, custom-development, disk-space, cdr-size, backup, active-calls, version, downtime. */
  id: string;
  title: string;
  status: PrecheckStatus;
  /** The facts the status was decided on, in words ("needs the agent" when the inside view is missing). */
  evidence: string;
  /** What the client must do first, when anything. */
  action?: string;
}

export interface DowntimeEstimate {
  minMinutes: number;
  maxMinutes: number;
  /** How the window was derived (the vendor's 15–30 minutes, plus the CDR table rebuild). */
  basis: string;
}

export interface PrecheckReport {
  schemaVersion: typeof SCHEMA_VERSION;
  kind: 'precheck';
  tool: ToolInfo;
  generatedAt: string;
  durationMs: number;
  target: CheckTarget;
  /** --to VERSION, when given. */
  targetVersion: string | null;
  currentVersion: string | null;
  decision: PrecheckDecision;
  /** The decision in the check's vocabulary (renderers and exit codes). */
  verdict: Verdict;
  /** One sentence: why the decision is what it is. */
  summary: string;
  items: PrecheckItem[];
  /** What the client must do before the upgrade, in order. */
  actions: string[];
  downtime: DowntimeEstimate | null;
  /** Both views the items were decided on: the outside check with the agent's report merged. */
  check: CheckReport;
  /** The check's findings (outside view and joint diagnoses), for the ticket. */
  findings: Finding[];
}

// ---- fleet runs: what a scan records per host and what changed between runs (history, drift, dashboard) ----

export interface HostMeta {
  /** Identity across runs (inventory name, else the host as given). */
  key: string;
  name?: string;
  customer?: string;
  tags: string[];
}

export interface PortSummary {
  port: number;
  state: PortState;
  required: boolean;
}

export interface CertSummary {
  port: number;
  notAfter: string | null;
  fingerprint: string | null;
}

export interface HostKeySummary {
  port: number;
  fingerprint: string;
}

/** A disk's use and the band the agent's thresholds put it in (DISK_SPACE_LOW warn/fail). */
export interface DiskSummary {
  mount: string;
  usePercent: number;
  band: 'ok' | 'warn' | 'fail';
}

/**
 * What a fleet run keeps of a host's inside view (the agent's report, or why it could not be had):
 * only the facts drift compares and the dashboard shows, bounded, redacted by the store like the rest.
 */
export interface InsideSummary {
  /** How it was reached: the agent over SSH, `pbxready-agent serve` over HTTP(S), or agentless. */
  via: string;
  /** Set when the inside view was asked for and could not be had: the AGENT_UNAVAILABLE reason. */
  unavailable?: string;
  productVersion?: string | null;
  asteriskVersion?: string | null;
  databaseVersion?: string | null;
  /** up / down (the CLI ran and found no daemon or it said so) / null = not measured. */
  asterisk?: 'up' | 'down' | null;
  trunks?: Array<{ name: string; state: string; registered: boolean }>;
  disks?: DiskSummary[];
  cdr?: { table: string; rows: number | null; bytes: number | null } | null;
  /** ok / old (BACKUP_OLD) / missing (BACKUP_MISSING) / null = not looked at. */
  backup?: 'ok' | 'old' | 'missing' | null;
  backupAgeDays?: number | null;
  /** The vendor's emergency criteria met (EMERGENCY_CRITERIA_MET subjects), empty when none. */
  emergency?: string[];
}

export interface HostSummary extends HostMeta {
  host: string;
  /** The addresses checked, sorted and joined by ", " (empty when the name did not resolve). */
  address: string;
  product: Product;
  verdict: Verdict;
  checkedAt: string;
  durationMs: number;
  /** State per port on the primary (first) address. */
  ports: PortSummary[];
  certs: CertSummary[];
  hostKeys: HostKeySummary[];
  /** Finding codes (worst first), for the dashboard's hover text. */
  findings: string[];
  /** The inside view, when the inventory entry names one (`agent:`). */
  inside?: InsideSummary;
}

export type DriftKind =
  | 'host_added'
  | 'host_removed'
  | 'verdict'
  | 'port_state'
  | 'address'
  | 'product'
  | 'cert_renewed'
  | 'cert_changed'
  | 'cert_expiring'
  | 'ssh_hostkey'
  | 'inside_view'
  | 'disk_band'
  | 'cdr_growth'
  | 'trunk'
  | 'asterisk'
  | 'backup'
  | 'version'
  | 'emergency';

export interface DriftChange {
  key: string;
  customer?: string;
  kind: DriftKind;
  port?: number;
  before: string | null;
  after: string | null;
  /** One line a person reads. */
  message: string;
  /** True when the change makes things worse (shown first, red on the dashboard). */
  worse: boolean;
  /** True when the change clears a problem an earlier run had (notified as a RECOVERY). */
  recovery?: boolean;
  /** What the change is about when it is not a port: a mount, a trunk, a CDR table, a criterion. */
  subject?: string;
}

export interface DriftSummary {
  fromRun: number;
  toRun: number;
  changes: DriftChange[];
}

// ---- the host's own packet filter and bans (issue 13) ----
// Parsed from iptables-save / ip6tables-save / `nft -j list ruleset` into one rule model, so one pure
// evaluator (shared/rules/host-filter.ts) can say what the host does with a new TCP connection.

export type FilterVerdict = 'accept' | 'drop' | 'reject';

/** What a rule matches on; every part absent = "any". `…Negated` flips that part. */
export interface FilterMatch {
  /** "tcp", "udp", "icmp", … ("all" is left out). */
  protocol?: string;
  protocolNegated?: boolean;
  /** Destination port ranges, inclusive. */
  dports?: Array<[number, number]>;
  dportsNegated?: boolean;
  /** Source CIDRs / addresses. */
  sources?: string[];
  sourcesNegated?: boolean;
  /** Named address sets (ipset, nft set) the source must be in. */
  sourceSets?: string[];
  sourceSetsNegated?: boolean;
  /** Incoming interface names ("eth0", "ppp+"). */
  inInterfaces?: string[];
  inInterfacesNegated?: boolean;
  /** Connection-tracking states ("new", "established", …). */
  ctStates?: string[];
  ctStatesNegated?: boolean;
  /** Only packets of this IP version match (nft `ip saddr …` in an inet table, `meta nfproto ipv4`). */
  ipFamily?: 4 | 6;
  /** Matches the evaluator cannot judge ("-d 10.0.0.5", "-m recent", "xt match limit"): the rule may or may not apply. */
  unknown?: string[];
}

export interface FilterRule {
  /** The rule as its tool prints it, to name it in a finding. */
  text: string;
  match: FilterMatch;
  /** `unknown`: a verdict this model cannot read (NFQUEUE, a verdict map): the packet's fate may be decided here. */
  action: FilterVerdict | 'return' | 'jump' | 'goto' | 'continue' | 'unknown';
  /** The chain jumped to (jump, goto). */
  target?: string;
}

export interface FilterChain {
  name: string;
  /** Base chains: the netfilter hook and priority (lower runs first); user chains have none. */
  hook?: 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting' | 'ingress';
  priority?: number;
  /** Base chains: what happens to a packet no rule decided. */
  policy?: FilterVerdict;
  rules: FilterRule[];
  /** More rules than a report keeps (MAX_CHAIN_RULES): past the last one kept, the evaluator answers "unknown". */
  truncated?: boolean;
}

export interface FilterSet {
  name: string;
  /** Addresses and CIDRs (intervals written as CIDRs where exact, else left out and `partial`). */
  elements: string[];
  partial?: boolean;
}

export interface FilterTable {
  /** Which reader saw it: the tool whose syntax `FilterRule.text` is in. */
  source: 'iptables' | 'ip6tables' | 'nftables';
  /** ip (IPv4), ip6, inet (both). */
  family: 'ip' | 'ip6' | 'inet';
  name: string;
  chains: FilterChain[];
  sets: FilterSet[];
}

export interface FirewallReader {
  /** iptables, ip6tables, nftables, firewalld, fail2ban, ipset. */
  name: string;
  /** The command run, as run (read-only). */
  command: string;
  status: 'read' | 'not installed' | 'not running' | 'unreadable';
  reason?: string;
}

export interface FirewallBan {
  address: string;
  /** The fail2ban jail, or the chain/set the ban was read from (SIPProt). */
  jail: string;
  by: 'fail2ban' | 'sipprot';
}

export interface FirewalldZone {
  name: string;
  active: boolean;
  target: string | null;
  interfaces: string[];
  sources: string[];
  services: string[];
  ports: string[];
  richRules: string[];
}

export interface HostFirewallFacts {
  /** Every reader that was tried and how it went: a reader that could not run is never a silent "allowed". */
  readers: FirewallReader[];
  tables: FilterTable[];
  bans: FirewallBan[];
  /** More bans than a report keeps (MAX_BANS): the list is the first ones. */
  bansTruncated?: boolean;
  zones?: FirewalldZone[];
  /** The interface the host's default route leaves by: where packets from the Internet arrive. */
  uplink?: string | null;
}
