// Which of the product's support ports (and 3306/5038) listen on the host, on which address,
// and which process owns the socket: /proc/net/tcp{,6} and the /proc/<pid>/fd inode map.

import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ListeningSocket } from '../../shared/model.js';
import { EXPOSURE_PORTS, PROFILES, allProfilePorts } from '../../shared/profiles.js';
import { errnoReason, type FactSource } from './source.js';

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
    if (!addrHex || !portHex) continue;
    out.push({ port: parseInt(portHex, 16), address: v6 ? ipv6(addrHex) : ipv4(addrHex), inode: f[9]! });
  }
  return out;
}

/** socket inode → {pid, process name}, walking /proc/<pid>/fd until every wanted inode is found. */
async function ownersOf(procDir: string, inodes: Set<string>): Promise<Map<string, { pid: number; name: string }>> {
  const found = new Map<string, { pid: number; name: string }>();
  if (!inodes.size) return found;
  const pids = (await readdir(procDir)).filter((p) => /^\d+$/.test(p));
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(join(procDir, pid, 'fd'));
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      const link = await readlink(join(procDir, pid, 'fd', fd)).catch(() => '');
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (!m || !inodes.has(m[1]!) || found.has(m[1]!)) continue;
      const name = (await readFile(join(procDir, pid, 'comm'), 'utf8').catch(() => '?')).trim();
      found.set(m[1]!, { pid: Number(pid), name });
    }
    if (found.size === inodes.size) break;
  }
  return found;
}

export const listeningSource: FactSource = {
  name: 'listening',
  stage: 1,
  async collect(ctx, draft) {
    const support = ctx.product ? PROFILES[ctx.product].ports : allProfilePorts();
    const wanted = new Set([...support.map((s) => s.port), ...EXPOSURE_PORTS.map((s) => s.port), ...ctx.options.ports]);
    const sockets: Array<{ port: number; address: string; inode: string }> = [];
    for (const [file, v6] of [['net/tcp', false], ['net/tcp6', true]] as const) {
      try {
        sockets.push(...parseProcNetTcp(await readFile(join(ctx.options.procDir, file), 'utf8'), v6));
      } catch (err) {
        // A host without IPv6 has no tcp6 table: that is not a gap.
        if (!(v6 && errnoReason(err) === 'no such file or directory')) ctx.problem(join(ctx.options.procDir, file), errnoReason(err));
      }
    }
    const mine = sockets.filter((s) => wanted.has(s.port));
    let owners = new Map<string, { pid: number; name: string }>();
    try {
      owners = await ownersOf(ctx.options.procDir, new Set(mine.map((s) => s.inode)));
    } catch (err) {
      ctx.problem(`${ctx.options.procDir}/*/fd`, errnoReason(err));
    }
    const seen = new Set<string>();
    draft.listening = mine
      .map((s): ListeningSocket => ({ port: s.port, address: s.address, process: owners.get(s.inode)?.name ?? null, pid: owners.get(s.inode)?.pid ?? null }))
      .filter((s) => {
        const key = `${s.address}:${s.port}`;
        return seen.has(key) ? false : (seen.add(key), true);
      })
      .sort((a, b) => a.port - b.port || a.address.localeCompare(b.address));
  },
};
