// Which of the product's support ports (and 3306/5038) listen on the host, on which address, and
// which process owns each socket. Pure: /proc/net/tcp{,6} texts and (pid, socket inode) pairs in,
// sockets out; the installed agent walks /proc with fs, the agentless collector lists it with ls.

import type { ListeningSocket, Product } from '../model.js';
import { EXPOSURE_PORTS, PROFILES, allProfilePorts } from '../profiles.js';

const LISTEN = '0A';

function ipv4(hex: string): string {
  const n = Buffer.from(hex, 'hex');
  return `${n[3]}.${n[2]}.${n[1]}.${n[0]}`;
}

function ipv6(hex: string): string {
  // Four 32-bit words, each little-endian.
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = Buffer.from(hex.slice(w * 8, w * 8 + 8), 'hex');
    bytes.push(word[3]!, word[2]!, word[1]!, word[0]!);
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  const full = groups.join(':');
  if (full === '0:0:0:0:0:0:0:0') return '::';
  if (full === '0:0:0:0:0:0:0:1') return '::1';
  const mapped = /^0:0:0:0:0:ffff:([0-9a-f]+):([0-9a-f]+)$/.exec(full);
  if (mapped) {
    const a = parseInt(mapped[1]!, 16);
    const b = parseInt(mapped[2]!, 16);
    return `::ffff:${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
  }
  return full.replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** Listening sockets in one /proc/net/tcp-style table: port, address, socket inode. */
export function parseProcNetTcp(text: string, v6: boolean): Array<{ port: number; address: string; inode: string }> {
  const out: Array<{ port: number; address: string; inode: string }> = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== LISTEN) continue;
    const [addrHex, portHex] = f[1]!.split(':');
    if (!addrHex || !portHex || !/^[0-9A-Fa-f]+$/.test(addrHex + portHex)) continue;
    out.push({ port: parseInt(portHex, 16), address: v6 ? ipv6(addrHex) : ipv4(addrHex), inode: f[9]! });
  }
  return out;
}

/** The ports whose listeners are reported: the product's support ports (every profile's when unknown), 3306/5038, extras. */
export function watchedPorts(product: Product | null, extra: readonly number[] = []): Set<number> {
  const support = product ? PROFILES[product].ports : allProfilePorts();
  return new Set([...support.map((s) => s.port), ...EXPOSURE_PORTS.map((s) => s.port), ...extra]);
}

/** A socket's fd link target "socket:[12345]" → its inode. */
export function socketInode(link: string): string | null {
  return /^socket:\[(\d+)\]$/.exec(link.trim())?.[1] ?? null;
}

/**
 * `ls -l /proc/[0-9]*\/fd` output → (pid, inode) of every socket fd: "/proc/123/fd:" heads each
 * process's lines, "lrwx------ 1 root root 64 … 3 -> socket:[12345]" names a socket.
 */
export function parseFdListing(text: string): Array<{ pid: number; inode: string }> {
  const out: Array<{ pid: number; inode: string }> = [];
  let pid: number | null = null;
  for (const line of text.split('\n')) {
    const head = /^\/proc\/(\d+)\/fd:$/.exec(line);
    if (head) {
      pid = Number(head[1]);
      continue;
    }
    const m = / -> socket:\[(\d+)\]$/.exec(line);
    if (m && pid !== null) out.push({ pid, inode: m[1]! });
  }
  return out;
}

/** "PID NAME" lines (what the agentless script prints for each /proc/PID/comm) → pid → name. */
export function parseCommListing(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split('\n')) {
    const m = /^(\d+) (.+)$/.exec(line);
    if (m) out.set(Number(m[1]), m[2]!.trim());
  }
  return out;
}

/** Each inode's owner: the lowest pid holding it (a forked server shares its socket with children). */
export function socketOwners(pairs: Iterable<{ pid: number; inode: string }>, names: ReadonlyMap<number, string>): Map<string, { pid: number; name: string }> {
  const out = new Map<string, { pid: number; name: string }>();
  for (const { pid, inode } of pairs) {
    const had = out.get(inode);
    if (!had || pid < had.pid) out.set(inode, { pid, name: names.get(pid) ?? '?' });
  }
  return out;
}

export interface ProcNetTables {
  tcp: string | null;
  tcp6: string | null;
}

/** The watched listeners, each address:port once, sorted; `owners` maps socket inodes to processes. */
export function listeningSockets(tables: ProcNetTables, watched: ReadonlySet<number>, owners: ReadonlyMap<string, { pid: number; name: string }>): ListeningSocket[] {
  const sockets = [...(tables.tcp === null ? [] : parseProcNetTcp(tables.tcp, false)), ...(tables.tcp6 === null ? [] : parseProcNetTcp(tables.tcp6, true))];
  const seen = new Set<string>();
  return sockets
    .filter((s) => watched.has(s.port))
    .map((s): ListeningSocket => ({ port: s.port, address: s.address, process: owners.get(s.inode)?.name ?? null, pid: owners.get(s.inode)?.pid ?? null }))
    .filter((s) => {
      const key = `${s.address}:${s.port}`;
      return seen.has(key) ? false : (seen.add(key), true);
    })
    .sort((a, b) => a.port - b.port || a.address.localeCompare(b.address));
}

/** The inodes of the watched listeners (what an owner search needs to find). */
export function watchedInodes(tables: ProcNetTables, watched: ReadonlySet<number>): Set<string> {
  const all = [...(tables.tcp === null ? [] : parseProcNetTcp(tables.tcp, false)), ...(tables.tcp6 === null ? [] : parseProcNetTcp(tables.tcp6, true))];
  return new Set(all.filter((s) => watched.has(s.port)).map((s) => s.inode));
}
