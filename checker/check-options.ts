// What one check of one host needs to know, the one place its defaults are merged (makeCheckOptions:
// check, precheck, the fleet scan and the exporter's /probe alike), and the flag groups that fill it.

import { readNamedFile, secretFromEnv } from '../shared/cli/cli.js';
import { oneOf, parsePortList, parsePositiveInt, type FlagGroup } from '../shared/cli/flags.js';
import { UsageError } from '../shared/errors.js';
import { normaliseFingerprint } from './probes/known-hosts.js';
import type { ProductChoice } from '../shared/model.js';
import { PRODUCTS } from '../shared/profiles.js';
import { secrets } from '../shared/redact.js';

export interface SshCredentials {
  user: string;
  privateKey?: Buffer;
  passphrase?: string;
  password?: string;
}

export type ProbeSet = 'full' | 'tcp';

/** Adaptive connect windows: the first attempt's, a filtered port's retry, and the answers that refine them. */
export interface ConnectTiming {
  firstTimeout(): number;
  retryTimeout(firstMs: number): number;
  /** The connect time of an answer (open or refused). */
  sample(rttMs: number): void;
  /** Waits, when the fleet has dialled enough this loop turn, for a later one (checker/scan/dial-pacer.ts). */
  beforeDial?(retry: boolean): Promise<void> | undefined;
}

export interface CheckOptions {
  /** Name or address as the user gave it (SNI, certificate name match, known_hosts lookup). */
  host: string;
  product: ProductChoice;
  /** Overrides the profile's required ports. */
  ports?: number[];
  /** Each probe's own time limit. */
  timeoutMs: number;
  /** Connections open at once to one host (intrusion protection). */
  perHostConcurrency: number;
  allowPrivate: boolean;
  /** 'tcp' = port states only (fleet `--probes tcp`); 'full' = TLS, HTTP, SSH, ICMP too. */
  probes: ProbeSet;
  ssh?: SshCredentials;
  /** --ssh-fingerprint SHA256:… */
  sshFingerprint?: string;
  /** --known-hosts FILE (contents already parsed by the SSH probe module's loader). */
  knownHostsFile?: string;
  /** Probe ICMP echo when permitted (default true for 'full'). */
  icmp?: boolean;
  /** Fleet scans: retry a filtered port once, keeping both attempts as evidence. */
  retryFiltered?: boolean;
  /** Fleet scans: each connect's window adapts to the host's round-trip time (checker/scan/timing.ts), within timeoutMs. */
  connectTiming?: ConnectTiming;
  /** Fleet scans: addresses already resolved (skip DNS). */
  addresses?: string[];
  signal?: AbortSignal;
  /** --vendor-sources: the vendor's support ranges, judged against the host's own firewall (needs the agent). */
  vendorSources?: string[];
}

export const CHECK_DEFAULTS = Object.freeze({
  product: 'auto' as ProductChoice,
  timeoutMs: 3000,
  perHostConcurrency: 4,
  allowPrivate: false,
  probes: 'full' as ProbeSet,
});

// ---- the flags that say what to check and how hard (check, precheck, scan, exporter) ----

/** One CheckOptions: the defaults merged in this one place, whoever builds it. */
export function makeCheckOptions(given: Pick<CheckOptions, 'host'> & Partial<CheckOptions>): CheckOptions {
  const options: CheckOptions = { ...CHECK_DEFAULTS, host: given.host };
  for (const [k, v] of Object.entries(given)) if (v !== undefined) Object.assign(options, { [k]: v });
  return options;
}

const PRODUCT_CHOICES: readonly ProductChoice[] = ['auto', ...PRODUCTS];
const PROBE_SETS: readonly ProbeSet[] = ['full', 'tcp'];

export function parseProduct(value: string): ProductChoice {
  return oneOf(value, PRODUCT_CHOICES, '--product', 'product');
}

/** --product, --ports: which profile and ports (check, precheck, scan). */
export const TARGET_FLAGS = {
  product: { type: 'string', default: 'auto', describe: 'pbxware | serverware | issabel | auto (decide from what answers)' },
  ports: { type: 'string', describe: 'Required ports instead of the profile, e.g. 443,2020 or 8000-8010' },
} satisfies FlagGroup;

export function parseTargetFlags(a: { product: string; ports?: string | undefined }): { product: ProductChoice; ports?: number[] } {
  return { product: parseProduct(a.product), ...(a.ports !== undefined ? { ports: parsePortList(a.ports) } : {}) };
}

/** --timeout-ms, --max-connections, --allow-private: the probe limits (check, precheck, scan, exporter). */
export const LIMIT_FLAGS = {
  'timeout-ms': { type: 'string', default: String(CHECK_DEFAULTS.timeoutMs), describe: 'Time limit of each probe (connect, TLS, HTTP, SSH); keep it below a scrape_timeout' },
  'max-connections': { type: 'string', default: String(CHECK_DEFAULTS.perHostConcurrency), describe: 'Connections open at once to one host (intrusion protection)' },
  'allow-private': { type: 'boolean', default: false, describe: 'Private/loopback targets are a lab: TARGET_NOT_PUBLIC becomes info' },
} satisfies FlagGroup;

export function parseLimitFlags(a: { timeoutMs: string; maxConnections: string; allowPrivate: boolean }): Pick<CheckOptions, 'timeoutMs' | 'perHostConcurrency' | 'allowPrivate'> {
  return {
    timeoutMs: parsePositiveInt(a.timeoutMs, '--timeout-ms', { max: 600_000 }),
    perHostConcurrency: parsePositiveInt(a.maxConnections, '--max-connections', { max: 64 }),
    allowPrivate: a.allowPrivate,
  };
}

/** --probes full|tcp (scan, exporter). */
export const PROBE_SET_FLAGS = {
  probes: { type: 'string', default: 'full', describe: 'full (TLS, GUI, SSH too) | tcp (port states only)' },
} satisfies FlagGroup;

export function parseProbeSet(value: string): ProbeSet {
  return oneOf(value, PROBE_SETS, '--probes');
}

/** The SSH login test and host-key pinning (check, precheck). */
export const SSH_FLAGS = {
  'ssh-user': { type: 'string', describe: 'Test SSH login as this user (with --ssh-key or --ssh-password-env)' },
  'ssh-key': { type: 'string', describe: 'Private key FILE for the SSH login test' },
  'ssh-password-env': { type: 'string', describe: 'Name of the environment VARiable holding the SSH password (never on the command line)' },
  'ssh-fingerprint': { type: 'string', describe: 'Pin the SSH host key: SHA256:… (as ssh-keygen -l prints)' },
  'known-hosts': { type: 'string', describe: 'Pin the SSH host key with an OpenSSH known_hosts FILE' },
} satisfies FlagGroup;

export interface SshArgs {
  sshUser?: string | undefined;
  sshKey?: string | undefined;
  sshPasswordEnv?: string | undefined;
  sshFingerprint?: string | undefined;
  knownHosts?: string | undefined;
}

async function sshCredentials(a: SshArgs): Promise<SshCredentials | undefined> {
  if (a.sshKey !== undefined && a.sshPasswordEnv !== undefined) throw new UsageError('give --ssh-key or --ssh-password-env, not both');
  if (a.sshUser === undefined) {
    if (a.sshKey !== undefined || a.sshPasswordEnv !== undefined) throw new UsageError('--ssh-key and --ssh-password-env need --ssh-user');
    return undefined;
  }
  const user = a.sshUser.trim();
  if (user === '') throw new UsageError('--ssh-user is empty');
  if (a.sshKey !== undefined) {
    const privateKey = await readNamedFile(a.sshKey, '--ssh-key');
    secrets.add(privateKey.toString('utf8').trim());
    return { user, privateKey };
  }
  if (a.sshPasswordEnv !== undefined) return { user, password: secretFromEnv(a.sshPasswordEnv, '--ssh-password-env') };
  throw new UsageError('--ssh-user needs --ssh-key FILE or --ssh-password-env VAR');
}

export async function parseSshFlags(a: SshArgs): Promise<Pick<CheckOptions, 'ssh' | 'sshFingerprint' | 'knownHostsFile'>> {
  const out: Pick<CheckOptions, 'ssh' | 'sshFingerprint' | 'knownHostsFile'> = {};
  const ssh = await sshCredentials(a);
  if (ssh) out.ssh = ssh;
  if (a.sshFingerprint !== undefined) {
    const fp = normaliseFingerprint(a.sshFingerprint);
    if (!fp) throw new UsageError(`--ssh-fingerprint "${a.sshFingerprint}" is not a fingerprint (expected SHA256:… as ssh-keygen -l prints)`);
    out.sshFingerprint = fp;
  }
  if (a.knownHosts !== undefined) out.knownHostsFile = a.knownHosts;
  return out;
}
