// The host's own firewall in the diagnoses: does the PBX itself drop a support port (HOST_FIREWALL_BLOCKS,
// instead of blaming the router), and does it admit and not ban the vendor's support addresses
// (VENDOR_SOURCE_*). Pure: the agent's firewall facts in, findings out; shared by the joint diagnosis
// (check flag --vendor-sources) and the agent's own rules (config "vendorSources").

import { finding } from '../findings.js';
import type { Finding, HostFirewallFacts } from '../model.js';
import { cidrFamily, cidrRelation, decideFilter, verdictWords, type FilterDecision } from './host-filter.js';

/** At most this many rules are named in one finding. */
const MAX_NAMED = 3;

function named(list: readonly string[]): string {
  return list.slice(0, MAX_NAMED).join('; ') + (list.length > MAX_NAMED ? `; and ${list.length - MAX_NAMED} more` : '');
}

/** What the host's filter does with a new connection to `port` from the Internet at large. */
export function hostDecision(fw: HostFirewallFacts, port: number, family: 4 | 6): FilterDecision {
  return decideFilter(fw, { family, port, iface: fw.uplink ?? null });
}

/** The {hostFilter} tail of PORT_BLOCKED_UPSTREAM / PORT_REFUSED_UPSTREAM: what the host's own filter says. */
export function hostFilterNote(d: FilterDecision | null): string {
  if (!d) return '';
  switch (d.verdict) {
    case 'accept':
      return '; the host\'s own packet filter admits it, so what blocks it is in front of the host';
    case 'depends':
      return `; the host's own packet filter may drop it too, depending on: ${named(d.conditions)}`;
    case 'unknown':
      return `; the host's own packet filter could not be read (${named(d.unread)}), so it may be the one blocking`;
    default:
      return '';
  }
}

/** HOST_FIREWALL_BLOCKS for a port the host listens on, when its own filter drops or rejects it; else null. */
export function hostFirewallBlocks(d: FilterDecision, at: { port: number; address: string }, listen: string): Finding | null {
  if (d.verdict !== 'drop' && d.verdict !== 'reject') return null;
  return finding('HOST_FIREWALL_BLOCKS', { listen, how: verdictWords(d), rules: named(d.deciding) }, at);
}

function banAdvice(by: 'fail2ban' | 'sipprot', jail: string, address: string): { unban: string; allow: string } {
  return by === 'fail2ban'
    ? { unban: `fail2ban-client set ${jail} unbanip ${address}`, allow: `ignoreip of jail ${jail}` }
    : { unban: 'SIPProt in the PBXware GUI, or the entry in the ' + jail, allow: 'SIPProt\'s whitelist' };
}

/**
 * Per required port and vendor source range: blocked (or possibly blocked) by the host's filter; any
 * ban inside a range; else one finding saying they are admitted; or, when the filter or the bans
 * could not be read, that it is not known.
 */
export function vendorSourceFindings(fw: HostFirewallFacts | undefined, sources: readonly string[], ports: readonly number[], address?: string): Finding[] {
  if (!sources.length) return [];
  const list = sources.join(', ');
  if (!fw) return [finding('VENDOR_SOURCES_UNVERIFIED', { sources: list, reason: 'the agent did not read the host\'s firewall (an older agent, or an agentless view without it)' })];
  const out: Finding[] = [];
  const unread = new Set<string>();
  const at = (port: number) => (address === undefined ? { port } : { port, address });
  for (const port of [...new Set(ports)].sort((a, b) => a - b)) {
    for (const source of sources) {
      const family = cidrFamily(source);
      if (!family) continue;
      const d = decideFilter(fw, { family, port, source, iface: fw.uplink ?? null });
      if (d.verdict === 'drop' || d.verdict === 'reject') {
        const f = finding('VENDOR_SOURCE_BLOCKED', { how: verdictWords(d), source, rules: named(d.deciding) }, at(port));
        f.subject = source;
        out.push(f);
      } else if (d.verdict === 'depends' && d.deciding.length) {
        const f = finding('VENDOR_SOURCE_BLOCKED', { how: `${verdictWords(d)} (depending on ${named(d.conditions)})`, source, rules: named(d.deciding) }, { ...at(port), severity: 'warn' });
        f.subject = source;
        out.push(f);
      } else if (d.verdict === 'unknown') {
        for (const u of d.unread) unread.add(u);
      }
    }
  }
  for (const ban of fw.bans) {
    // inside the range, or a banned range overlapping it
    const source = sources.find((s) => cidrRelation(ban.address, s) !== 'apart');
    if (!source) continue;
    const f = finding('VENDOR_SOURCE_BANNED', { address: ban.address, source, by: ban.by === 'fail2ban' ? 'fail2ban' : 'SIPProt', jail: ban.by === 'fail2ban' ? `jail ${ban.jail}` : ban.jail, ...banAdvice(ban.by, ban.jail, ban.address) });
    f.subject = `${ban.jail} ${ban.address}`;
    out.push(f);
  }
  const bansUnread = fw.readers.filter((r) => r.name === 'fail2ban' && r.status === 'unreadable').map((r) => `${r.command}: ${r.reason ?? 'unreadable'}`);
  if (fw.bansTruncated) bansUnread.push('more bans than a report keeps: only the first were compared');
  for (const u of bansUnread) unread.add(u);
  if (unread.size) out.push(finding('VENDOR_SOURCES_UNVERIFIED', { sources: list, reason: named([...unread]) }));
  else if (!out.length) out.push(finding('VENDOR_SOURCES_ADMITTED', { sources: list, ports: [...new Set(ports)].sort((a, b) => a - b).join(', ') }));
  return out;
}
