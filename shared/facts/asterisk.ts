// The asterisk CLI's answers → AsteriskFacts (Asterisk 13–22 formats). Pure: text in, facts out; the
// installed agent (agent/sources/asterisk.ts) and the agentless collector both call asteriskFacts().

import type { AsteriskFacts, TrunkState } from '../model.js';
import { notFound, type RunResult } from './run.js';

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

/** Asked first: -V needs no daemon; "core show version" tells whether the daemon answers. */
export const ASTERISK_VERSION_COMMAND = 'core show version';
/** Asked of a running daemon, each with -rx. */
export const ASTERISK_RX_COMMANDS = [
  'core show uptime seconds',
  'core show channels count',
  'pjsip show contacts',
  'pjsip show registrations',
  'sip show peers',
  'sip show registry',
  'cdr show status',
] as const;

/** What the asterisk CLI answered: -V, -rx "core show version", and the -rx commands above (absent when it was down). */
export interface AsteriskRuns {
  dashV: RunResult;
  version: RunResult;
  rx: Partial<Record<(typeof ASTERISK_RX_COMMANDS)[number], RunResult>>;
}

/** Why the daemon is considered down, or null when it answered. */
export function asteriskDown(r: RunResult): string | null {
  const text = `${r.stdout}\n${r.stderr}`.trim();
  if (r.error) return r.error;
  if (/Unable to connect to remote asterisk/i.test(text)) return text.split('\n').find((l) => /Unable to connect/i.test(l))!.trim();
  if (r.code !== 0) return `exit code ${r.code}${text ? `: ${text.split('\n')[0]}` : ''}`;
  return null;
}

/**
 * The facts from the CLI's answers. A CLI that is not installed at all is a gap in what could be
 * read (`problem`), not a stopped Asterisk: notMeasured says so and no ASTERISK_NOT_RUNNING follows.
 */
export function asteriskFacts(runs: AsteriskRuns, problem: (source: string, reason: string) => void, cli = 'asterisk'): AsteriskFacts {
  const facts: AsteriskFacts = { version: null, running: false, activeCalls: null, endpoints: null, trunks: [] };
  if (notFound(runs.dashV) && notFound(runs.version)) {
    const why = runs.version.error ?? (runs.version.stdout || runs.version.stderr).trim().split('\n')[0] ?? '';
    facts.reason = facts.notMeasured = `the asterisk CLI (${cli}) is not installed${why ? ` (${why.slice(0, 200)})` : ''}`;
    problem('asterisk', facts.notMeasured);
    return facts;
  }
  facts.version = parseVersion(runs.dashV.stdout);
  const down = asteriskDown(runs.version);
  if (down) {
    facts.reason = down;
    // Only the CLI's own "cannot connect" proves the daemon is down (emergency evidence: "system
    // down"); a CLI that could not run or timed out proves nothing about Asterisk.
    if (!runs.version.error && /Unable to connect to remote asterisk/i.test(`${runs.version.stdout}\n${runs.version.stderr}`)) facts.confirmedDown = true;
    return facts;
  }
  facts.running = true;
  facts.version = parseVersion(runs.version.stdout) ?? facts.version;
  const ok = (c: (typeof ASTERISK_RX_COMMANDS)[number]): string | null => {
    const r = runs.rx[c];
    return r && !asteriskDown(r) && !isNoSuchCommand(r.stdout) ? r.stdout : null;
  };
  const uptime = ok('core show uptime seconds');
  facts.uptimeSeconds = uptime === null ? null : parseUptimeSeconds(uptime);
  const channels = ok('core show channels count');
  const counts = channels === null ? { channels: null, calls: null } : parseChannelsCount(channels);
  facts.activeChannels = counts.channels;
  facts.activeCalls = counts.calls;
  const contacts = ok('pjsip show contacts');
  const peers = ok('sip show peers');
  const pj = contacts === null ? null : parsePjsipContacts(contacts);
  const sip = peers === null ? null : parseSipPeers(peers);
  if (pj || sip) facts.endpoints = { total: (pj?.total ?? 0) + (sip?.total ?? 0), reachable: (pj?.reachable ?? 0) + (sip?.reachable ?? 0) };
  const registrations = ok('pjsip show registrations');
  const registry = ok('sip show registry');
  facts.trunks = [...(registrations === null ? [] : parsePjsipRegistrations(registrations)), ...(registry === null ? [] : parseSipRegistry(registry))];
  const cdr = ok('cdr show status');
  facts.cdrBackends = cdr === null ? [] : parseCdrBackends(cdr);
  if (!pj && !sip) problem('asterisk endpoints', 'neither "pjsip show contacts" nor "sip show peers" answered');
  return facts;
}
