// Intrusion-protection bans and firewalld zones, from the tools' own output. Pure: text in, facts out.
//   fail2ban-client status            → the jail names
//   fail2ban-client status JAIL       → "Banned IP list:" of that jail
//   firewall-cmd --list-all-zones     → zones (target, interfaces, sources, services, ports, rich rules)
// SIPProt (PBXware) keeps its bans in the packet filter: chains or sets whose name says so are read
// from the parsed ruleset (sipprotBans).

import { isIP } from 'node:net';
import type { FilterTable, FirewallBan, FirewalldZone } from '../model.js';

/** At most this many bans are kept per report (a busy jail can hold tens of thousands). */
export const MAX_BANS = 1000;

/** `fail2ban-client status`: "`- Jail list:\tsshd, asterisk" → ["sshd", "asterisk"]. */
export function parseFail2banJails(text: string): string[] {
  const m = /Jail list:\s*(.*)$/m.exec(text);
  if (!m) return [];
  return m[1]!
    .split(/[,\s]+/)
    .map((j) => j.trim())
    .filter((j) => /^[\w.@-]{1,64}$/.test(j));
}

/** `fail2ban-client status JAIL`: the addresses of "Banned IP list:" (IPv4, IPv6, CIDR). */
export function parseFail2banBanned(text: string): string[] {
  const m = /Banned IP list:\s*(.*)$/m.exec(text);
  if (!m) return [];
  return m[1]!.split(/\s+/).filter((a) => isIP(a.split('/')[0]!) !== 0);
}

/** `firewall-cmd --list-all-zones`. */
export function parseFirewalldZones(text: string): FirewalldZone[] {
  const zones: FirewalldZone[] = [];
  let zone: FirewalldZone | null = null;
  let inRich = false;
  for (const line of text.split('\n')) {
    if (!line.trim()) {
      inRich = false;
      continue;
    }
    const head = /^(\S+)(?:\s+\(([^)]*)\))?\s*$/.exec(line);
    if (head) {
      zone = { name: head[1]!, active: /\bactive\b/.test(head[2] ?? ''), target: null, interfaces: [], sources: [], services: [], ports: [], richRules: [] };
      zones.push(zone);
      inRich = false;
      continue;
    }
    if (!zone) continue;
    if (inRich && /^\s*rule\b/.test(line)) {
      zone.richRules.push(line.trim());
      continue;
    }
    const kv = /^\s+([\w -]+):\s*(.*)$/.exec(line);
    if (!kv) continue;
    const [key, value] = [kv[1]!.trim(), kv[2]!.trim()];
    const list = value ? value.split(/\s+/) : [];
    inRich = key === 'rich rules';
    if (key === 'target') zone.target = value || null;
    else if (key === 'interfaces') zone.interfaces = list;
    else if (key === 'sources') zone.sources = list;
    else if (key === 'services') zone.services = list;
    else if (key === 'ports') zone.ports = list;
    else if (inRich && value) zone.richRules.push(value);
  }
  return zones;
}

const SIPPROT = /sipprot/i;

/**
 * SIPProt's bans as the packet filter shows them: members of sets named like SIPProt, and the source
 * addresses of DROP/REJECT rules in chains named like it.
 */
export function sipprotBans(tables: readonly FilterTable[]): FirewallBan[] {
  const out: FirewallBan[] = [];
  for (const t of tables) {
    for (const s of t.sets) if (SIPPROT.test(s.name)) for (const a of s.elements) out.push({ address: a, jail: `set ${s.name}`, by: 'sipprot' });
    for (const c of t.chains) {
      if (!SIPPROT.test(c.name)) continue;
      for (const r of c.rules) {
        if ((r.action === 'drop' || r.action === 'reject') && r.match.sources && !r.match.sourcesNegated) {
          for (const a of r.match.sources) out.push({ address: a, jail: `chain ${c.name}`, by: 'sipprot' });
        }
      }
    }
  }
  return out;
}
