// The public address the host believes it has, from what it says itself. Pure: texts in, addresses out.
//   - `ip -j addr show`: interface addresses of global scope that are public (not private, CGNAT, …);
//   - Asterisk's NAT settings: chan_sip [general] externip= / externaddr= / externhost=, PJSIP
//     transports' external_signaling_address= / external_media_address=;
//   - PBXware's pbxware.ini, where it names an external/public/NAT address (best knowledge: any
//     key like *extern*ip / *public*ip / *nat*ip whose value is an address).
// Host names (externhost, or a name in external_signaling_address) are returned as names; the
// caller resolves them.

import { isIP } from 'node:net';
import { classifyAddress } from '../address.js';

export interface AddressClaim {
  /** An IP address, or a host name still to resolve (`name: true`). */
  value: string;
  name?: boolean;
  /** Where it was read: "interface eth0", "externip in /etc/asterisk/sip.conf", … */
  source: string;
}

export interface PublicAddresses {
  publicAddresses: string[];
  publicAddressSources: Array<{ address: string; source: string }>;
}

/**
 * The claims → the host's public addresses, each with where it was read (a name's with the name);
 * null when there are none. Names go to `resolve`, the caller's DNS lookup with its time limit.
 */
export async function publicAddressesOf(claims: readonly AddressClaim[], resolve: (name: string) => Promise<string[]>): Promise<PublicAddresses | null> {
  const sources: Array<{ address: string; source: string }> = [];
  for (const c of claims) {
    const addresses = c.name ? await resolve(c.value) : [c.value];
    for (const address of addresses) sources.push({ address, source: c.name ? `${c.source} (${c.value})` : c.source });
  }
  if (!sources.length) return null;
  return { publicAddresses: [...new Set(sources.map((x) => x.address))], publicAddressSources: sources };
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** "203.0.113.5", "203.0.113.5:5060", "[2001:db8::5]:5060", "pbx.example.com:5060" → address or name. */
function claim(raw: string, source: string): AddressClaim | null {
  let v = raw.trim().replace(/^["']|["']$/g, '');
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(v);
  if (bracketed) v = bracketed[1]!;
  else if (/^[^:]+:\d+$/.test(v)) v = v.replace(/:\d+$/, '');
  if (!v) return null;
  if (isIP(v)) return { value: v, source };
  if (HOSTNAME.test(v)) return { value: v.toLowerCase(), name: true, source };
  return null;
}

/** Public addresses of global scope from `ip -j addr show`. */
export function parseInterfaceAddresses(json: string): AddressClaim[] {
  let links: unknown;
  try {
    links = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(links)) return [];
  const out: AddressClaim[] = [];
  for (const link of links) {
    if (typeof link !== 'object' || link === null) continue;
    const { ifname, addr_info: infos } = link as { ifname?: unknown; addr_info?: unknown };
    if (!Array.isArray(infos)) continue;
    for (const info of infos) {
      const { local, scope } = (info ?? {}) as { local?: unknown; scope?: unknown };
      if (typeof local !== 'string' || scope !== 'global' || !isIP(local)) continue;
      if (classifyAddress(local) === 'public') out.push({ value: local, source: `interface ${String(ifname ?? '?')}` });
    }
  }
  return out;
}

const SIP_KEYS = new Set(['externip', 'externaddr', 'externhost']);
const PJSIP_KEYS = new Set(['external_signaling_address', 'external_media_address']);

/**
 * Asterisk config files (sip*.conf, pjsip*.conf, as read): chan_sip NAT keys in [general], PJSIP
 * external addresses in sections of type=transport (a section's type may follow its keys, and
 * templates `[name](!)` count only through the sections using them, so all of a section is read first).
 */
export function parseAsteriskNat(files: ReadonlyArray<{ path: string; text: string }>): AddressClaim[] {
  const out: AddressClaim[] = [];
  for (const { path, text } of files) {
    let section = '';
    let keys: Array<[string, string]> = [];
    let isTransport = false;
    const flush = () => {
      for (const [k, v] of keys) {
        const sip = SIP_KEYS.has(k) && section.toLowerCase() === 'general';
        const pjsip = PJSIP_KEYS.has(k) && isTransport;
        if (!sip && !pjsip) continue;
        const c = claim(v, `${k} in ${path}${pjsip ? ` [${section}]` : ''}`);
        if (c) out.push(c);
      }
      keys = [];
      isTransport = false;
    };
    for (const raw of text.split('\n')) {
      const line = raw.replace(/;.*$/, '').trim();
      if (!line) continue;
      const head = /^\[([^\]]{1,80})\]/.exec(line);
      if (head) {
        flush();
        section = head[1]!;
        // A template's own keys count for the sections built from it: keep it simple, read it as one.
        continue;
      }
      const kv = /^([A-Za-z_]{1,64})\s*=>?\s*(.*)$/.exec(line);
      if (!kv) continue;
      const key = kv[1]!.toLowerCase();
      const value = kv[2]!.trim();
      if (key === 'type' && value.toLowerCase() === 'transport') isTransport = true;
      keys.push([key, value]);
    }
    flush();
  }
  return out;
}

const PBXWARE_NAT_KEY = /(extern|public|nat).*(ip|addr|address|host)$/i;

/** pbxware.ini keys that name an external/public/NAT address (best knowledge: the key names are not documented). */
export function parsePbxwareNat(values: ReadonlyMap<string, string>, path: string): AddressClaim[] {
  const out: AddressClaim[] = [];
  for (const [k, v] of values) {
    if (!PBXWARE_NAT_KEY.test(k)) continue;
    const c = claim(v, `${k} in ${path}`);
    if (c && !c.name) out.push(c);
  }
  return out;
}
