// Parsers of the asterisk CLI's output (Asterisk 13–22 formats). Pure: text in, facts out.

import type { TrunkState } from '../../shared/model.js';

/** "Asterisk 18.15.0" (from -V) or "Asterisk 20.5.2 built by …" (core show version). */
export function parseVersion(text: string): string | null {
  const m = /Asterisk\s+((?:certified[/-])?[\w.~+-]+)/i.exec(text);
  return m ? m[1]! : null;
}

/** "System uptime: 86400" (core show uptime seconds). */
export function parseUptimeSeconds(text: string): number | null {
  const m = /System uptime:\s*(\d+)/i.exec(text);
  return m ? Number(m[1]) : null;
}

/** "3 active channels / 1 active call / 245 calls processed" (core show channels count). */
export function parseChannelsCount(text: string): { channels: number | null; calls: number | null } {
  const ch = /(\d+)\s+active channels?/i.exec(text);
  const calls = /(\d+)\s+active calls?/i.exec(text);
  return { channels: ch ? Number(ch[1]) : null, calls: calls ? Number(calls[1]) : null };
}

/** A CLI answer that means the module is not loaded, e.g. "No such command 'pjsip show contacts'". */
export function isNoSuchCommand(text: string): boolean {
  return /No such command/i.test(text);
}

const REACHABLE_CONTACT = /^(Avail|Reachable|NonQual)$/i;

/**
 * pjsip show contacts: "  Contact:  1001/sip:1001@10.0.0.5:5060  4d8a5e0f1c Avail  12.345".
 * An endpoint (AOR) counts as reachable when any of its contacts is Avail or not qualified
 * (NonQual: registered, qualify off — not known to be down).
 */
export function parsePjsipContacts(text: string): { total: number; reachable: number } {
  const byAor = new Map<string, boolean>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*Contact:\s+([^/\s]+)\/\S+\s+(?:\S+\s+)?(Avail|Unavail|Reachable|Unreachable|NonQual|Unknown|Created|Removed|Updated)\b/.exec(line);
    if (!m || m[1]!.startsWith('<')) continue;
    byAor.set(m[1]!, (byAor.get(m[1]!) ?? false) || REACHABLE_CONTACT.test(m[2]!));
  }
  return { total: byAor.size, reachable: [...byAor.values()].filter(Boolean).length };
}

const REG_STATES = 'Registered|Unregistered|Rejected|Failed|Stopped|Stopping|Retrying|Pending|Unknown';

/** pjsip show registrations: " provider-reg/sip:sip.provider.example:5060  provider-auth  Registered  (exp. 3552s)". */
export function parsePjsipRegistrations(text: string): TrunkState[] {
  const out: TrunkState[] = [];
  const re = new RegExp(`^\\s*([^<\\s/][^/\\s]*)\\/\\S+\\s+(?:\\S+\\s+)??(${REG_STATES})\\b`);
  for (const line of text.split(/\r?\n/)) {
    const m = re.exec(line);
    if (m) out.push({ name: m[1]!, state: m[2]! });
  }
  return out;
}

/** sip show peers summary: "3 sip peers [Monitored: 1 online, 2 offline Unmonitored: 0 online, 0 offline]". */
export function parseSipPeers(text: string): { total: number; reachable: number } | null {
  const m = /(\d+)\s+sip peers\s*\[Monitored:\s*(\d+)\s+online,\s*(\d+)\s+offline\s+Unmonitored:\s*(\d+)\s+online,\s*(\d+)\s+offline\]/i.exec(text);
  if (!m) return null;
  return { total: Number(m[1]), reachable: Number(m[2]) + Number(m[4]) };
}

/** sip show registry: "sip.provider.example:5060  N  12345  105 Registered  Mon, 15 Jan 2024 10:00:00". */
export function parseSipRegistry(text: string): TrunkState[] {
  const out: TrunkState[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^(\S+)\s+[YN]\s+(\S+)\s+\d+\s+(.+?)\s{2,}|^(\S+)\s+[YN]\s+(\S+)\s+\d+\s+(\S+(?: \S+)*)\s*$/.exec(line);
    if (!m || /^Host$/i.test(m[1] ?? m[4] ?? '')) continue;
    const host = m[1] ?? m[4]!;
    const user = m[2] ?? m[5]!;
    const state = (m[3] ?? m[6]!).trim();
    out.push({ name: `${user}@${host}`, state });
  }
  return out;
}

/** cdr show status: the lines under "Registered Backends". */
export function parseCdrBackends(text: string): string[] {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => /Registered Backends/i.test(l));
  if (start < 0) return [];
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    const t = l.trim();
    if (!t || /^-+$/.test(t)) continue;
    if (/^\*/.test(t)) break;
    out.push(t.replace(/\s*\(suspended\)\s*$/i, ' (suspended)'));
  }
  return out;
}
