// Address classification: which targets cannot prove public reachability from here.

import { isIP } from 'node:net';

export type AddressRange = 'public' | 'private' | 'loopback' | 'link-local' | 'CGNAT' | 'unspecified' | 'unique-local' | 'documentation' | 'multicast' | 'reserved';

function v4ToInt(a: string): number {
  return a.split('.').reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
}

function inV4(addr: number, base: string, bits: number): boolean {
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (addr & mask) === (v4ToInt(base) & mask);
}

const V4_RANGES: Array<[string, number, AddressRange]> = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'CGNAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'private'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

function expandV6(a: string): number[] | null {
  const [head = '', tail] = a.toLowerCase().split('%')[0]!.split('::') as [string, string | undefined];
  const parse = (s: string) => (s === '' ? [] : s.split(':'));
  let h = parse(head);
  let t = tail === undefined ? [] : parse(tail);
  // Embedded IPv4 (::ffff:1.2.3.4) becomes two groups.
  const fix = (groups: string[]) => {
    const last = groups[groups.length - 1];
    if (last && last.includes('.')) {
      const n = v4ToInt(last);
      return [...groups.slice(0, -1), (n >>> 16).toString(16), (n & 0xffff).toString(16)];
    }
    return groups;
  };
  h = fix(h);
  t = fix(t);
  const fill = tail === undefined ? [] : new Array(8 - h.length - t.length).fill('0');
  const all = [...h, ...fill, ...t].map((g) => parseInt(g, 16));
  return all.length === 8 && all.every((n) => Number.isFinite(n)) ? all : null;
}

export function classifyAddress(address: string): AddressRange {
  const family = isIP(address);
  if (family === 4) {
    const n = v4ToInt(address);
    for (const [base, bits, range] of V4_RANGES) if (inV4(n, base, bits)) return range;
    return 'public';
  }
  if (family === 6) {
    const g = expandV6(address);
    if (!g) return 'public';
    if (g.every((x) => x === 0)) return 'unspecified';
    if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return 'loopback';
    // IPv4-mapped: classify the embedded IPv4 address.
    if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
      const v4 = [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff].join('.');
      return classifyAddress(v4);
    }
    if ((g[0]! & 0xffc0) === 0xfe80) return 'link-local';
    if ((g[0]! & 0xfe00) === 0xfc00) return 'unique-local';
    if (g[0] === 0x2001 && g[1] === 0x0db8) return 'documentation';
    if ((g[0]! & 0xff00) === 0xff00) return 'multicast';
    return 'public';
  }
  return 'public';
}

export function isPublicAddress(address: string): boolean {
  return classifyAddress(address) === 'public';
}

/** A URL's host that is this machine: "localhost", 127.0.0.0/8 or ::1 (bracketed or not). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost') return true;
  return isIP(h) !== 0 && classifyAddress(h) === 'loopback';
}
