// The one catalogue of finding codes: severity, message and remedy live here and nowhere else.
// Messages are templates; `{name}` is filled from the params given to `finding()`.

import type { Finding, Severity } from './model.js';

export interface FindingSpec {
  severity: Severity;
  /** What is wrong, in a sentence; may use {placeholders}. */
  message: string;
  /** What to change, in a sentence; may use {placeholders}. */
  remedy: string;
  /** True when the finding means the check itself could not be made (drives the `unknown` verdict). */
  inconclusive?: boolean;
}

export const FINDINGS = {
  // ---- outside checker: reachability ----
  DNS_FAILED: {
    severity: 'fail',
    inconclusive: true,
    message: 'The name {host} does not resolve: {reason}.',
    remedy: 'Check the spelling, or publish an A/AAAA record for the PBX; or check with the public IP address directly.',
  },
  HOST_UNREACHABLE: {
    severity: 'fail',
    message: 'No TCP port answers on {address}: every probed port is filtered{ping}.',
    remedy: 'Check that the address is the PBX\'s public IP, that the host is up, and that the firewall in front of it allows the vendor\'s support ports.',
  },
  TARGET_NOT_PUBLIC: {
    severity: 'warn',
    message: '{address} is a {range} address: public reachability is not proven from here.',
    remedy: 'Run the check against the PBX\'s public address from outside its network (CGNAT and double NAT cannot be reached from outside at all).',
  },
  PORT_CLOSED: {
    severity: 'fail',
    message: 'Port {port} ({purpose}) on {address} is closed: the connection was refused.',
    remedy: 'Nothing listens where the port leads: start the service on the PBX, or point the router\'s port forward for TCP {port} at the PBX.',
  },
  PORT_FILTERED: {
    severity: 'fail',
    message: 'Port {port} ({purpose}) on {address} is filtered: {reason}.',
    remedy: 'A firewall drops TCP {port}: allow it from the vendor\'s support addresses, and forward it to the PBX when it sits behind NAT.',
  },
  // ---- TLS ----
  TLS_CERT_EXPIRED: {
    severity: 'warn',
    message: 'The certificate on port {port} expired {days} day(s) ago ({validTo}).',
    remedy: 'Renew the GUI certificate (for example with Let\'s Encrypt) and install it on the PBX.',
  },
  TLS_CERT_EXPIRING: {
    severity: 'warn',
    message: 'The certificate on port {port} expires in {days} day(s) ({validTo}).',
    remedy: 'Renew the GUI certificate before it expires.',
  },
  TLS_SELF_SIGNED: {
    severity: 'info',
    message: 'The certificate on port {port} is self-signed ({subject}).',
    remedy: 'Common on PBXs and acceptable for support; install a CA-signed certificate if browsers must trust the GUI.',
  },
  TLS_HOSTNAME_MISMATCH: {
    severity: 'info',
    message: 'The certificate on port {port} does not name {host} (it names {names}).',
    remedy: 'Issue the certificate for the name used to reach the PBX, or reach it by a name the certificate covers.',
  },
  TLS_HANDSHAKE_FAILED: {
    severity: 'warn',
    message: 'Port {port} accepts TCP but the TLS handshake failed: {reason}.',
    remedy: 'Check that HTTPS on the PBX is enabled and that the forward for TCP {port} reaches the PBX\'s web server, not another service.',
  },
  TLS_HANDSHAKE_TIMEOUT: {
    severity: 'warn',
    message: 'Port {port} accepts TCP but gave no TLS handshake within {timeoutMs} ms.',
    remedy: 'The port answers but does not speak TLS: check what the forward for TCP {port} points at.',
  },
  // ---- GUI ----
  GUI_NOT_RECOGNIZED: {
    severity: 'warn',
    message: 'Port {port} answers HTTP ({status}{server}) but the page does not look like the {product} GUI{title}.',
    remedy: 'The forward may land on another device (often the router\'s own admin page): point TCP {port} at the PBX.',
  },
  HTTP_FAILED: {
    severity: 'warn',
    message: 'Port {port} is open but the HTTP request failed: {reason}.',
    remedy: 'Check that the PBX\'s web server runs and that the forward for TCP {port} reaches it.',
  },
  // ---- SSH ----
  SSH_NOT_SSH: {
    severity: 'fail',
    message: 'Port {port} is open but does not speak SSH (it sent: {banner}).',
    remedy: 'The forward for TCP {port} reaches another service: point it at the PBX\'s sshd.',
  },
  SSH_BANNER_TIMEOUT: {
    severity: 'fail',
    message: 'Port {port} accepts TCP but sent no SSH banner within {timeoutMs} ms.',
    remedy: 'Something accepts the connection and stays silent (a proxy, a tarpit or a hung sshd): restart sshd or fix the forward for TCP {port}.',
  },
  SSH_AUTH_OK: {
    severity: 'info',
    message: 'SSH login as {user} on port {port} succeeded ({method}).',
    remedy: 'None: the support credentials work.',
  },
  SSH_AUTH_FAILED: {
    severity: 'fail',
    message: 'SSH login as {user} on port {port} failed ({method}): {reason}.',
    remedy: 'Give the vendor working credentials (root password, or install the vendor\'s SSH key/certificate) and check that sshd allows that method.',
  },
  SSH_HOSTKEY_MISMATCH: {
    severity: 'fail',
    message: 'The SSH host key on port {port} is {fingerprint}, not the pinned {expected}.',
    remedy: 'The host was reinstalled, the forward points at another machine, or the connection is intercepted: confirm the new key with the customer before trusting it.',
  },
  SSH_FAILED: {
    severity: 'warn',
    message: 'The SSH handshake on port {port} failed: {reason}.',
    remedy: 'Check sshd on the PBX (its logs show why it drops the connection) and any intrusion protection that may have banned this address.',
  },
  // ---- exposure ----
  EXPOSED_MYSQL: {
    severity: 'warn',
    message: 'MySQL (TCP 3306) on {address} is reachable from here.',
    remedy: 'Against the vendor\'s recommendation: close TCP 3306 to the Internet (firewall or bind MySQL to localhost).',
  },
  EXPOSED_AMI: {
    severity: 'warn',
    message: 'The Asterisk manager interface (TCP 5038) on {address} is reachable from here.',
    remedy: 'Close TCP 5038 to the Internet: the manager interface controls calls and must stay local.',
  },
  PRODUCT_AUTO_GUESS: {
    severity: 'info',
    message: 'Product chosen automatically: {product} ({reason}).',
    remedy: 'Pass --product if this is not the product on the host.',
  },
  PRODUCT_UNCERTAIN: {
    severity: 'warn',
    message: 'The product cannot be told for sure ({reason}): the required ports of {candidates} are all checked.',
    remedy: 'Pass --product with the product on the host (or merge the host agent with --agent) so that only its ports are required.',
  },
  CHECKED_FROM_INSIDE: {
    severity: 'warn',
    message: '{address} was checked from inside its own network: {evidence}.',
    remedy: 'Readiness from outside is not proven: run the check from a host outside the customer\'s network (as the vendor connects), against the PBX\'s public address.',
  },

  // ---- host agent (issue 3) ----
  DISK_SPACE_LOW: {
    severity: 'warn',
    message: 'Filesystem {mount} is {usePercent}% full ({avail} free).',
    remedy: 'Free space on {mount} (old recordings, backups, logs) before the upgrade.',
  },
  INODES_LOW: {
    severity: 'warn',
    message: 'Filesystem {mount} has used {usePercent}% of its inodes.',
    remedy: 'Remove many small files on {mount} (spool, sessions, old logs).',
  },
  UPGRADE_SPACE_INSUFFICIENT: {
    severity: 'fail',
    message: 'The database filesystem {mount} has {avail} free; the upgrade needs about {needed} (CDR data+index × 1.2 + 2 GiB).',
    remedy: 'Free space on {mount} or archive old CDRs before scheduling the upgrade: a table rebuild needs about the table\'s size again.',
  },
  CDR_TABLE_LARGE: {
    severity: 'warn',
    message: 'The CDR table {table} is large ({rows} rows{exact}, {size}).',
    remedy: 'Plan a longer upgrade window, or archive old CDRs first: rebuilding a large table lengthens the downtime.',
  },
  DB_UNREACHABLE: {
    severity: 'fail',
    message: 'The database at {where} cannot be queried: {reason}.',
    remedy: 'Check that MySQL/MariaDB runs and that the credentials in {source} are right.',
  },
  CDR_UNREADABLE: {
    severity: 'warn',
    message: 'The CDR table {table} cannot be read: {reason}.',
    remedy: 'Check the table name (--cdr-table DB.TABLE) and that the database user may read it.',
  },
  ASTERISK_NOT_RUNNING: {
    severity: 'fail',
    message: 'Asterisk is not running ({reason}).',
    remedy: 'Start Asterisk (on PBXware: from the GUI or the service script) and look at its logs for why it stopped.',
  },
  TRUNK_UNREGISTERED: {
    severity: 'warn',
    message: 'Trunk {name} is {state}, not registered.',
    remedy: 'Check the trunk\'s credentials and the provider\'s status; outbound and inbound calls over it fail.',
  },
  ENDPOINTS_UNREACHABLE: {
    severity: 'warn',
    message: '{unreachable} of {total} endpoints ({percent}%) are unreachable.',
    remedy: 'Check the phones\' network and registration (NAT, SIP ALG, intrusion protection bans).',
  },
  EMERGENCY_CRITERIA_MET: {
    severity: 'fail',
    message: 'The vendor\'s emergency criterion "{criterion}" is met: {evidence}.',
    remedy: 'The ticket may be opened as an Emergency (URGENT/EMERGENCY in the subject); attach this report as evidence.',
  },
  CALL_VOLUME_COLLAPSED: {
    severity: 'warn',
    message: 'Only {calls} call(s) in the last hour, {percent}% of the usual {usual} at this hour (same hour, same weekday, last {weeks} week(s): {perWeek}).',
    remedy: 'Check the trunks and the provider: inbound calls that never reach the PBX leave no CDR, so a silent hour can be a trunk down.',
  },
  CUSTOM_DEVELOPMENT_FOUND: {
    severity: 'warn',
    message: 'Custom development found: {what}.',
    remedy: 'Tell the upgrade engineer: custom configuration, AGI scripts and modified files must be reviewed before an upgrade.',
  },
  BACKUP_OLD: {
    severity: 'warn',
    message: 'The newest backup is {ageDays} day(s) old ({path}).',
    remedy: 'Take a fresh backup or snapshot before the upgrade.',
  },
  BACKUP_MISSING: {
    severity: 'warn',
    message: 'No backup found under {where}.',
    remedy: 'Take a backup or snapshot before the upgrade.',
  },
  SOURCE_UNREADABLE: {
    severity: 'warn',
    message: 'Could not read {source}: {reason}.',
    remedy: 'Run the agent as a user that may read {source}, or pass its location explicitly.',
  },
  PRODUCT_NOT_DETECTED: {
    severity: 'warn',
    message: 'No PBXware, SERVERware or Issabel installation found under {root}.',
    remedy: 'Run the agent on the PBX host itself (or pass --root for a mounted tree).',
  },
  ISSABEL_VERSION_LIMITED: {
    severity: 'warn',
    message: 'Issabel {version} is older than {current}: Issabel gives older versions a limited level of support.',
    remedy: 'Upgrade to {current} or later before relying on vendor support, and say in the ticket which version runs.',
  },
  ISSABEL_CALLCENTER_EOL: {
    severity: 'warn',
    message: "Issabel's Call Center module is installed ({evidence}); it is at end of life, and support is limited on versions that include it.",
    remedy: 'Say so in the ticket, and plan to move the call centre off the Community Call Center module.',
  },

  // ---- inside + outside (issue 4) ----
  PORT_BLOCKED_UPSTREAM: {
    severity: 'fail',
    message: 'Port {port} is listening on the host ({listen}) but filtered from outside{hostFilter}.',
    remedy: 'A firewall or a missing port forward blocks TCP {port} in front of the PBX: open/forward it on the router.',
  },
  SERVICE_NOT_LISTENING: {
    severity: 'fail',
    message: 'Nothing listens on port {port} on the host{outside}.',
    remedy: 'Start the service for TCP {port} on the PBX first; the port forward does not matter until it listens.',
  },
  PORT_FORWARDED_ELSEWHERE: {
    severity: 'fail',
    message: 'Port {port} is open from outside but nothing listens on it on the host.',
    remedy: 'The forward for TCP {port} points at another device: point it at the PBX\'s address.',
  },
  ADDRESS_MISMATCH: {
    severity: 'warn',
    message: 'The host sees its public address as {seen}, but {checked} was checked.',
    remedy: 'Check the right address, or fix the DNS record: the check and the host disagree on where the PBX is.',
  },
  PORT_REFUSED_UPSTREAM: {
    severity: 'fail',
    message: 'Port {port} is listening on the host ({listen}) but refused from outside (closed){hostFilter}.',
    remedy: 'The forward for TCP {port} points at another address or port where nothing listens, or a firewall rejects it: point it at the PBX\'s address and port {port}.',
  },
  HOST_FIREWALL_BLOCKS: {
    severity: 'fail',
    message: 'Port {port} is listening on the host ({listen}), but the host\'s own packet filter {how} it: {rules}.',
    remedy: 'Allow TCP {port} in the PBX\'s own firewall (the rule named; on PBXware also SIPProt, on Issabel firewalld or its Security module), at least from the vendor\'s support addresses: the router in front is not what blocks it.',
  },
  VENDOR_SOURCE_BLOCKED: {
    severity: 'fail',
    message: 'The host\'s own packet filter {how} TCP {port} from the vendor\'s {source}: {rules}.',
    remedy: 'Allow the vendor\'s support addresses ({source}) to TCP {port} in the PBX\'s own firewall, before the rule named.',
  },
  VENDOR_SOURCE_BANNED: {
    severity: 'fail',
    message: '{address} (in the vendor\'s {source}) is banned by {by} ({jail}).',
    remedy: 'Lift the ban ({unban}) and add the vendor\'s addresses to the allow list ({allow}) so intrusion protection does not ban support again.',
  },
  VENDOR_SOURCES_ADMITTED: {
    severity: 'info',
    message: 'The host\'s own packet filter admits the vendor\'s {sources} on TCP {ports}, and none of them is banned.',
    remedy: 'None on the host itself; anything in front of it (router, provider) must admit them too.',
  },
  VENDOR_SOURCES_UNVERIFIED: {
    severity: 'warn',
    message: 'Whether the host admits the vendor\'s {sources} is not known: {reason}.',
    remedy: 'Run the agent as root (iptables-save, nft, fail2ban-client need it), or check the PBX\'s firewall and bans by hand.',
  },
  AGENT_UNAVAILABLE: {
    severity: 'warn',
    message: 'The host agent could not be used ({reason}); the report has the outside view only.',
    remedy: 'Install pbxready-agent on the PBX (install.sh), or pass --agent-report with a report made on the host.',
  },

  // ---- fleet (issue 5) ----
  INVENTORY_ENTRY_INVALID: {
    severity: 'warn',
    message: 'Inventory line {line} skipped: {reason}.',
    remedy: 'Fix the entry in the inventory file.',
  },
  SCAN_INTERRUPTED: {
    severity: 'warn',
    message: 'The scan was interrupted after {done} of {total} hosts.',
    remedy: 'Run the scan again to cover the remaining hosts.',
  },
} as const satisfies Record<string, FindingSpec>;

export type FindingCode = keyof typeof FINDINGS;

export type FindingParams = Record<string, string | number | boolean | null | undefined>;

export interface FindingOptions {
  port?: number;
  address?: string;
  /** Only where the issue defines a context-dependent severity (e.g. TARGET_NOT_PUBLIC with --allow-private). */
  severity?: Severity;
}

function fill(template: string, params: FindingParams): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name];
    return v === undefined || v === null ? whole : String(v);
  });
}

/** Build a finding from the catalogue; port/address also serve as template params. */
export function finding(code: FindingCode, params: FindingParams = {}, options: FindingOptions = {}): Finding {
  const spec: FindingSpec = FINDINGS[code];
  const all: FindingParams = { port: options.port, address: options.address, ...params };
  const f: Finding = {
    code,
    severity: options.severity ?? spec.severity,
    message: fill(spec.message, all),
    remedy: fill(spec.remedy, all),
  };
  if (options.port !== undefined) f.port = options.port;
  if (options.address !== undefined) f.address = options.address;
  return f;
}

export function isInconclusive(code: string): boolean {
  const spec = (FINDINGS as Record<string, FindingSpec>)[code];
  return spec?.inconclusive === true;
}

export const SEVERITIES: readonly Severity[] = ['info', 'warn', 'fail'];
/** A finding code's shape: a newer agent may send codes this catalogue does not know, never markup. */
const CODE_SHAPE = /^[A-Z][A-Z0-9_]{0,63}$/;

/**
 * The first problem of a list of findings read from outside (an agent report, a report put on a
 * ticket), in words, or null: renderers and the verdict rely on these fields being what they say.
 */
export function findingsProblem(value: unknown, where = 'findings'): string | null {
  if (!Array.isArray(value)) return `${where} is not a list`;
  for (const [i, f] of value.entries()) {
    const at = `${where}[${i}]`;
    if (typeof f !== 'object' || f === null || Array.isArray(f)) return `${at} is not an object`;
    const r = f as Record<string, unknown>;
    if (typeof r.code !== 'string' || !CODE_SHAPE.test(r.code)) return `${at}.code is not a finding code (A–Z, 0–9, _)`;
    if (typeof r.severity !== 'string' || !(SEVERITIES as readonly string[]).includes(r.severity)) return `${at}.severity is not one of ${SEVERITIES.join(', ')}`;
    for (const key of ['message', 'remedy'] as const) if (typeof r[key] !== 'string') return `${at}.${key} is not text`;
    if (r.subject !== undefined && typeof r.subject !== 'string') return `${at}.subject is not text`;
    if (r.address !== undefined && typeof r.address !== 'string') return `${at}.address is not text`;
    if (r.port !== undefined && !(Number.isInteger(r.port) && (r.port as number) >= 0 && (r.port as number) <= 65535)) return `${at}.port is not a port number`;
  }
  return null;
}
