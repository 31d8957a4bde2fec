// Which targets an exporter may probe. An exporter is an open relay for connections unless fenced:
// anyone who can reach /probe could make it dial 0.0.0.0, [::1], link-local neighbours or the
// exporter's own services. Without --allow-private every address a target resolves to must be
// public; --allow-targets narrows it further to CIDRs and name globs. Pure decisions.

import { BlockList, isIP } from 'node:net';
import { classifyAddress, isPublicAddress } from '../../shared/address.js';
import { UsageError } from '../../shared/errors.js';

export interface TargetFence {
  allowPrivate: boolean;
  /** --allow-targets: null = any public target. */
  cidrs: BlockList | null;
  globs: string[];
  /** The exporter's own interface addresses: probing itself is refused like a private target. */
  own?: ReadonlySet<string>;
}

const GLOB = /^[a-z0-9*.-]{1,253}$/i;

/** "203.0.113.0/24,2001:db8::/32,*.pbx.example.com,pbx1.example.net" → a fence. */
export function parseAllowTargets(list: string | undefined, allowPrivate: boolean): TargetFence {
  if (list === undefined) return { allowPrivate, cidrs: null, globs: [] };
  const cidrs = new BlockList();
  const globs: string[] = [];
  for (const raw of list.split(',').map((s) => s.trim())) {
    if (raw === '') throw new UsageError('--allow-targets has an empty entry');
    const [addr, bits, extra] = raw.split('/');
    const family = isIP(addr ?? '');
    if (family !== 0) {
      const max = family === 4 ? 32 : 128;
      const prefix = bits === undefined ? max : Number(bits);
      if (extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > max || (bits !== undefined && !/^\d+$/.test(bits))) {
        throw new UsageError(`--allow-targets: "${raw}" is not a CIDR (ADDRESS/0-${max})`);
      }
      cidrs.addSubnet(addr!, prefix, family === 4 ? 'ipv4' : 'ipv6');
    } else if (GLOB.test(raw)) {
      globs.push(raw.toLowerCase());
    } else {
      throw new UsageError(`--allow-targets: "${raw}" is neither a CIDR nor a host name pattern`);
    }
  }
  return { allowPrivate, cidrs, globs };
}

/** `*` matches any run of characters; linear (pieces found left to right, no backtracking pattern). */
export function globMatches(glob: string, name: string): boolean {
  const pieces = glob.split('*');
  const n = name.toLowerCase();
  if (pieces.length === 1) return n === glob;
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  if (!n.startsWith(first) || !n.endsWith(last) || n.length < first.length + last.length) return false;
  let at = first.length;
  const end = n.length - last.length;
  for (const piece of pieces.slice(1, -1)) {
    const i = n.indexOf(piece, at);
    if (i < 0 || i + piece.length > end) return false;
    at = i + piece.length;
  }
  return true;
}

/** Why `target` (resolved to `addresses`) may not be probed, or null when it may. */
export function fenceProblem(fence: TargetFence, target: string, addresses: readonly string[]): string | null {
  if (!fence.allowPrivate) {
    const self = addresses.find((a) => fence.own?.has(a));
    if (self !== undefined) return `${target}${self === target ? '' : ` resolves to ${self}, which`} is this exporter's own address: refused without --allow-private`;
    const inner = addresses.find((a) => !isPublicAddress(a));
    if (inner !== undefined) return `${target}${inner === target ? '' : ` resolves to ${inner}, which`} is a ${classifyAddress(inner)} address: refused without --allow-private`;
  }
  if (fence.cidrs === null) return null;
  if (isIP(target) === 0 && fence.globs.some((g) => globMatches(g, target))) return null;
  const cidrs = fence.cidrs;
  const outside = addresses.find((a) => !cidrs.check(a, isIP(a) === 6 ? 'ipv6' : 'ipv4'));
  if (addresses.length > 0 && outside === undefined) return null;
  return `${target}${outside && outside !== target ? ` (${outside})` : ''} is not in --allow-targets`;
}
