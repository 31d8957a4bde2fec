// Where the check ran from. A check made from inside the customer's network (the PBX's own LAN, or
// through the router's hairpin NAT) sees every port open while the vendor, outside, may be
// blocked: the report must say so. Pure: the route facts and this machine's networks in, the
// vantage point and its finding out.

import { BlockList, isIP } from 'node:net';
import { classifyAddress } from '../address.js';
import { finding } from '../findings.js';
import type { Finding, SshSession, VantageAddress, VantagePoint, VantageRoute } from '../model.js';
import { normalizeAddress } from './joint.js';

/** One address of one of this machine's interfaces, with its prefix ("10.0.0.5/24"), as os.networkInterfaces() gives it. */
export interface LocalNetwork {
  interface: string;
  cidr: string;
}

/** What the route lookup found for one target address. */
export interface RouteFact {
  address: string;
  /** The source address this machine would use; null when there is no route. */
  localAddress: string | null;
}

function split(cidr: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const [a = '', p = ''] = cidr.split('/');
  const address = normalizeAddress(a);
  const family = isIP(address);
  const prefix = Number(p);
  if (!family || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) return null;
  return { address, prefix, family: family === 4 ? 'ipv4' : 'ipv6' };
}

/** The network part of a CIDR, for the report ("10.231.7.0/29"): BlockList matched it, this names it. */
function networkName(n: LocalNetwork): string {
  return `${n.cidr} on ${n.interface}`;
}

interface ParsedNetwork {
  network: LocalNetwork;
  address: string;
  family: 'ipv4' | 'ipv6';
  /** The subnet to match targets against; null for a host route (/32, /128). */
  subnet: BlockList | null;
}

/** Parsed once per interface list: a fleet scan asks for every host against the same list. */
const PARSED = new WeakMap<readonly LocalNetwork[], ParsedNetwork[]>();

function parsed(networks: readonly LocalNetwork[]): ParsedNetwork[] {
  let list = PARSED.get(networks);
  if (list) return list;
  list = [];
  for (const n of networks) {
    const s = split(n.cidr);
    if (!s) continue;
    let subnet: BlockList | null = null;
    // A /32 or /128 is a host route of this machine's own address, not a network it sits on.
    if (s.prefix !== (s.family === 'ipv4' ? 32 : 128)) {
      subnet = new BlockList();
      subnet.addSubnet(s.address, s.prefix, s.family);
    }
    list.push({ network: n, address: s.address, family: s.family, subnet });
  }
  PARSED.set(networks, list);
  return list;
}

/** How this machine reaches `address`: is it one of its own, on one of its links, or behind a router? */
export function routeOf(fact: RouteFact, networks: readonly LocalNetwork[]): { route: VantageRoute; network?: string } {
  const target = normalizeAddress(fact.address);
  const family = isIP(target);
  if (!family) return { route: 'unknown' };
  if (classifyAddress(target) === 'loopback') return { route: 'this-machine', network: 'loopback' };
  const list = parsed(networks);
  for (const n of list) if (n.address === target) return { route: 'this-machine', network: networkName(n.network) };
  const fam = family === 4 ? 'ipv4' : 'ipv6';
  for (const n of list) {
    if (n.family === fam && n.subnet?.check(target, fam)) return { route: 'directly-connected', network: networkName(n.network) };
  }
  return { route: fact.localAddress === null ? 'unknown' : 'routed' };
}

function insideEvidence(a: VantageAddress): string | null {
  if (a.route === 'this-machine') return `${a.address} is an address of this machine (${a.network})`;
  if (a.route === 'directly-connected') return `${a.address} is on a network this machine is directly connected to (${a.network}), reached from ${a.localAddress ?? 'an address of this machine'} without a router`;
  return null;
}

/**
 * The hairpin case: the host saw the check's SSH session come from a private address while a public
 * address was checked — the connection never left the customer's network (the router turned it back
 * inside, or the check ran on the PBX's LAN).
 */
function hairpinEvidence(a: VantageAddress): string | null {
  if (!a.seenByHost || classifyAddress(a.address) !== 'public' || classifyAddress(a.seenByHost) === 'public') return null;
  return `the host saw the check's SSH session come from ${a.seenByHost} (a ${classifyAddress(a.seenByHost)} address) while its public address ${a.address} was checked: the connection stayed inside the customer's network (hairpin NAT on the router, or a check from its LAN)`;
}

function why(a: VantageAddress): string[] {
  return [insideEvidence(a), hairpinEvidence(a)].filter((e): e is string => e !== null);
}

/** Inside or not, and why, from the per-address facts. */
function summarise(addresses: VantageAddress[]): VantagePoint {
  const evidence = addresses.flatMap(why);
  return { addresses, inside: evidence.length > 0, evidence };
}

/** The vantage point of a check: per target address, the source used and the route; inside or not, and why. */
export function decideVantage(facts: readonly RouteFact[], networks: readonly LocalNetwork[]): VantagePoint {
  return summarise(
    facts.map((f) => {
      const { route, network } = routeOf(f, networks);
      return { address: f.address, localAddress: f.localAddress, route, ...(network ? { network } : {}) };
    }),
  );
}

/**
 * Add what the host saw of the check's SSH session (SSH_CONNECTION, from the agent run over
 * `--agent ssh` to `address`) to a vantage point, and decide again.
 */
export function withSshSession(v: VantagePoint, address: string, session: SshSession): VantagePoint {
  return summarise(v.addresses.map((a) => (a.address === address ? { ...a, seenByHost: normalizeAddress(session.clientAddress) } : a)));
}

/** CHECKED_FROM_INSIDE per address reached from inside: warn, or info in a declared lab (--allow-private). */
export function vantageFindings(v: VantagePoint | undefined, allowPrivate: boolean): Finding[] {
  if (!v) return [];
  return v.addresses.flatMap((a) => {
    const evidence = why(a);
    if (!evidence.length) return [];
    return [finding('CHECKED_FROM_INSIDE', { evidence: evidence.join('; ') }, { address: a.address, ...(allowPrivate ? { severity: 'info' as const } : {}) })];
  });
}
