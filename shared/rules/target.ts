// The target itself: is the host name well-formed, and can a check from here prove public reachability?

import { classifyAddress } from '../address.js';
import { UsageError } from '../errors.js';
import { finding } from '../findings.js';
import type { Finding } from '../model.js';
import { isIP } from 'node:net';

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/i;

/**
 * Validate HOST as the user typed it: an IPv4/IPv6 literal (IPv6 may be bracketed) or a DNS name.
 * Returns the form to dial and to name in the report.
 */
export function parseHost(input: unknown): string {
  const raw = String(input ?? '').trim();
  if (raw === '') throw new UsageError('host is empty');
  const unbracketed = /^\[(.*)\]$/.exec(raw)?.[1] ?? raw;
  if (isIP(unbracketed)) return unbracketed;
  const name = unbracketed.endsWith('.') ? unbracketed.slice(0, -1) : unbracketed;
  // All-numeric dotted names ("300.1.2.3") are broken addresses, not names.
  const labels = name.split('.');
  if (name.length > 253 || !labels.every((l) => LABEL.test(l)) || /^[\d.]+$/.test(name)) {
    throw new UsageError(`host "${raw}" is not an IP address or a DNS name`);
  }
  return name;
}

/** TARGET_NOT_PUBLIC for each address outside public space; info only in labs (--allow-private). */
export function targetFindings(addresses: readonly string[], allowPrivate: boolean): Finding[] {
  const out: Finding[] = [];
  for (const address of addresses) {
    const range = classifyAddress(address);
    if (range === 'public') continue;
    out.push(finding('TARGET_NOT_PUBLIC', { range }, { address, ...(allowPrivate ? { severity: 'info' as const } : {}) }));
  }
  return out;
}
