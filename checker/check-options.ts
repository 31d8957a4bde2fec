// What one check of one host needs to know. Built by the CLI (check), the fleet scan (scan) and the
// exporter (/probe) alike, validated before it gets here.

import type { ProductChoice } from '../shared/model.js';

export interface SshCredentials {
  user: string;
  privateKey?: Buffer;
  passphrase?: string;
  password?: string;
}

export type ProbeSet = 'full' | 'tcp';

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
  /** Fleet scans: addresses already resolved (skip DNS). */
  addresses?: string[];
  signal?: AbortSignal;
}

export const CHECK_DEFAULTS = Object.freeze({
  product: 'auto' as ProductChoice,
  timeoutMs: 3000,
  perHostConcurrency: 4,
  allowPrivate: false,
  probes: 'full' as ProbeSet,
});
