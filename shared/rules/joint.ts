// Diagnoses that need both views: the outside port state (CheckReport) joined with what the host
// itself says is listening and which public address it believes it has (AgentReport).
// Neither view alone says WHY a support port fails; joined they do. Pure: facts in, findings out.

import { isIP } from 'node:net';
import { classifyAddress } from '../address.js';
import { finding } from '../findings.js';
import { allProfilePorts, EXPOSURE_PORTS, PROFILES } from '../profiles.js';
import type { AgentReport, CheckReport, Finding, ListeningSocket, PortResult } from '../model.js';
import type { FilterDecision } from './host-filter.js';
import { hostDecision, hostFilterNote, hostFirewallBlocks, vendorSourceFindings } from './host-firewall.js';

/**
 * How the host's own sockets serve one outside (port, address-family):
 * - reachable: listens on a wildcard or a non-loopback address of the family (a forward can reach it);
 * - loopback-only: listens, but only on 127.0.0.0/8 or ::1 — nothing outside the host can reach it;
 * - other-family-only: listens only on the other IP family (e.g. 0.0.0.0 while IPv6 was checked);
 * - none: nothing listens on the port at all;
 * - unknown: the agent could not read its socket table, or does not watch that port.
 */
export type InsideListening = 'reachable' | 'loopback-only' | 'other-family-only' | 'none' | 'unknown';

export interface InsideView {
  state: InsideListening;
  /** The listeners on the port, as "address:port (process)", for the evidence. */
  listeners: string[];
}

const WILDCARD_V4 = new Set(['0.0.0.0', '*']);
const WILDCARD_V6 = new Set(['::', '[::]', '*']);

function bare(address: string): string {
  return address.replace(/^\[|\]$/g, '').split('%')[0]!.toLowerCase();
}

/** IPv4-mapped IPv6 (::ffff:1.2.3.4) is the IPv4 address for our purposes. */
export function normalizeAddress(address: string): string {
  const a = bare(address);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  return mapped ? mapped[1]! : a;
}

function familyOf(address: string): 4 | 6 | 0 {
  const a = normalizeAddress(address);
  if (WILDCARD_V4.has(a)) return 4;
  if (WILDCARD_V6.has(a)) return 6;
  const f = isIP(a);
  return f === 4 ? 4 : f === 6 ? 6 : 0;
}

/** Does a listener on `listenAddress` accept connections arriving for an address of `family`? */
function serves(listenAddress: string, family: 4 | 6): boolean {
  const a = normalizeAddress(listenAddress);
  // "::" is dual-stack on Linux by default (net.ipv6.bindv6only=0): it takes IPv4 too.
  if (WILDCARD_V6.has(a)) return true;
  if (WILDCARD_V4.has(a)) return family === 4;
  return familyOf(a) === family;
}

function isLoopback(listenAddress: string): boolean {
  return classifyAddress(normalizeAddress(listenAddress)) === 'loopback';
}

function describe(s: ListeningSocket): string {
  const a = normalizeAddress(s.address);
  const where = a.includes(':') ? `[${a}]:${s.port}` : `${a}:${s.port}`;
  return s.process ? `${where} (${s.process})` : where;
}

/** Could the agent read its socket table? It names every unreadable source (/proc/net/tcp, …). */
export function listeningKnown(agent: AgentReport): boolean {
  return !(agent.unreadable ?? []).some((u) => /net\/tcp(?!6)|listening/.test(u.source));
}

/**
 * The ports whose listeners the agent reports: its product's support ports plus 3306/5038 (every
 * profile's when it found no product), plus any it was told to watch — those show up in the list.
 * Absence of any other port says nothing about it.
 */
export function watchedPorts(agent: AgentReport): Set<number> {
  const support = agent.product.name === 'unknown' ? allProfilePorts() : PROFILES[agent.product.name].ports;
  return new Set([...support.map((s) => s.port), ...EXPOSURE_PORTS.map((s) => s.port), ...agent.listening.map((s) => s.port)]);
}

export function insideView(agent: AgentReport, port: number, outsideAddress: string): InsideView {
  if (!listeningKnown(agent) || !watchedPorts(agent).has(port)) return { state: 'unknown', listeners: [] };
  const onPort = agent.listening.filter((s) => s.port === port);
  const listeners = onPort.map(describe);
  if (onPort.length === 0) return { state: 'none', listeners };
  const family = familyOf(outsideAddress) || 4;
  const forFamily = onPort.filter((s) => serves(s.address, family));
  if (forFamily.some((s) => !isLoopback(s.address))) return { state: 'reachable', listeners };
  if (forFamily.length > 0) return { state: 'loopback-only', listeners };
  return { state: 'other-family-only', listeners };
}

const OUTSIDE_WORDS: Record<PortResult['state'], string> = {
  open: 'open',
  closed: 'closed (refused)',
  filtered: 'filtered',
};

/** The {outside} tail of SERVICE_NOT_LISTENING: why "not listening" holds, and what outside saw. */
function notListeningDetail(p: PortResult, inside: InsideView): string {
  const seen = `from outside ${p.address}:${p.port} is ${OUTSIDE_WORDS[p.state]}`;
  const base =
    inside.state === 'loopback-only'
      ? ` on an address reachable from outside: it listens only on loopback (${inside.listeners.join(', ')}), which nothing outside the host can reach; ${seen}`
      : inside.state === 'other-family-only'
        ? ` for IPv${familyOf(p.address)} (it listens on ${inside.listeners.join(', ')} only); ${seen}`
        : `; ${seen}`;
  // Open from outside while the host's own service cannot be reached: something else answers.
  return p.state === 'open' ? `${base}, so whatever answers there is not this host's service` : base;
}

/**
 * One port, one diagnosis (or none when the views agree or the inside is unknown). `hostFilter` is what
 * the host's own packet filter does with the port (null when the agent did not read it): it tells
 * HOST_FIREWALL_BLOCKS apart from a block in front of the host.
 */
export function diagnosePort(p: PortResult, inside: InsideView, hostFilter: FilterDecision | null = null): Finding | null {
  const at = { port: p.port, address: p.address };
  switch (inside.state) {
    case 'unknown':
      return null;
    case 'none':
      if (p.state === 'open') return finding('PORT_FORWARDED_ELSEWHERE', {}, at);
      return finding('SERVICE_NOT_LISTENING', { outside: notListeningDetail(p, inside) }, at);
    case 'loopback-only':
    case 'other-family-only':
      // Binding comes first: until the service listens where a forward can reach it, the forward is moot.
      return finding('SERVICE_NOT_LISTENING', { outside: notListeningDetail(p, inside) }, at);
    case 'reachable': {
      if (p.state === 'open') return null;
      const listen = inside.listeners.join(', ');
      const own = hostFilter ? hostFirewallBlocks(hostFilter, at, listen) : null;
      if (own) return own;
      return finding(p.state === 'filtered' ? 'PORT_BLOCKED_UPSTREAM' : 'PORT_REFUSED_UPSTREAM', { listen, hostFilter: hostFilterNote(hostFilter) }, at);
    }
  }
}

/** Ports the joint diagnosis speaks about: the ones support needs (exposure ports are meant to be shut). */
function diagnosable(p: PortResult): boolean {
  return p.required && p.purpose !== 'exposure';
}

/** ADDRESS_MISMATCH: compared per IP family, only when both sides name an address of that family. */
export function addressMismatch(check: CheckReport, agent: AgentReport): Finding | null {
  const seen = (agent.publicAddresses ?? []).map(normalizeAddress).filter((a) => familyOf(a) !== 0);
  if (seen.length === 0) return null;
  const checked = [...check.target.addresses, ...(isIP(bare(check.target.host)) ? [check.target.host] : [])].map(normalizeAddress);
  for (const family of [4, 6] as const) {
    const s = seen.filter((a) => familyOf(a) === family);
    const c = [...new Set(checked.filter((a) => familyOf(a) === family))];
    if (s.length === 0 || c.length === 0) continue;
    if (!c.some((a) => s.includes(a))) {
      return finding('ADDRESS_MISMATCH', { seen: s.join(', '), checked: c.join(', ') }, { address: c[0]! });
    }
  }
  return null;
}

export interface JointOptions {
  /** The vendor's support source ranges (--vendor-sources): VENDOR_SOURCE_* per required port. */
  vendorSources?: readonly string[];
}

/** Every joint diagnosis for a check report and the host agent's report of the same host. */
export function jointFindings(check: CheckReport, agent: AgentReport, options: JointOptions = {}): Finding[] {
  const out: Finding[] = [];
  for (const p of check.ports) {
    if (!diagnosable(p)) continue;
    const fw = agent.firewall;
    const own = fw && p.state !== 'open' ? hostDecision(fw, p.port, familyOf(p.address) === 6 ? 6 : 4) : null;
    const f = diagnosePort(p, insideView(agent, p.port, p.address), own);
    if (f) out.push(f);
  }
  if (options.vendorSources?.length) {
    const required = check.ports.filter(diagnosable).map((p) => p.port);
    out.push(...vendorSourceFindings(agent.firewall, options.vendorSources, required));
  }
  const mismatch = addressMismatch(check, agent);
  if (mismatch) out.push(mismatch);
  return out;
}
