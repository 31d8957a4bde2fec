// The vendor's support source addresses (--vendor-sources CIDR[,CIDR…], config "vendorSources"):
// one parser for the checker's flag and the agent's config key. Pure.

import { UsageError } from './errors.js';
import { isCidr } from './rules/host-filter.js';

/** At most this many ranges: each is evaluated against every required port. */
const MAX_SOURCES = 32;

/** "192.0.2.0/24, 2001:db8::/32" or ["192.0.2.0/24", …] → validated CIDRs/addresses, in order, unique. */
export function parseVendorSources(raw: unknown, label: string): string[] {
  const items = typeof raw === 'string' ? raw.split(',') : Array.isArray(raw) ? raw : null;
  if (!items) throw new UsageError(`${label} must be CIDR[,CIDR…] (e.g. 192.0.2.0/24)`);
  const out: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') throw new UsageError(`${label}: ${JSON.stringify(item)} is not an address or CIDR`);
    const v = item.trim();
    if (v === '') continue;
    if (!isCidr(v)) throw new UsageError(`${label}: "${v.slice(0, 60)}" is not an address or CIDR (e.g. 192.0.2.0/24)`);
    if (!out.includes(v)) out.push(v);
  }
  if (out.length === 0) throw new UsageError(`${label} is empty`);
  if (out.length > MAX_SOURCES) throw new UsageError(`${label}: at most ${MAX_SOURCES} ranges`);
  return out;
}
