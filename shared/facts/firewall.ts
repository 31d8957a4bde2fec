// The host's own packet filter and bans from the readers' runs → HostFirewallFacts. Pure: the runs
// in, facts out; the installed agent runs the commands with execFile (agent/sources/packet-filter.ts,
// fail2ban.ts), the agentless script in its sections, and both hand the runs here.

import { MAX_BANS, parseFail2banBanned, parseFail2banJails, parseFirewalldZones, sipprotBans } from './bans.js';
import { boundTables, parseIpsetSave, parseIptablesSave } from './iptables.js';
import { parseNftRuleset, withoutIptablesTables } from './nftables.js';
import { notFound, runFailure, type RunResult } from './run.js';
import type { FilterTable, FirewallReader, HostFirewallFacts } from '../model.js';

/** The readers, their commands, and what each needs on a real host (README "The host's own firewall"). */
export const FILTER_COMMANDS = {
  iptables: ['iptables-save'],
  ip6tables: ['ip6tables-save'],
  nftables: ['nft', '-j', 'list', 'ruleset'],
  ipset: ['ipset', 'save'],
  firewalld: ['firewall-cmd', '--list-all-zones'],
} as const;
export const DEFAULT_ROUTE_COMMAND = ['ip', '-j', 'route', 'show', 'default'] as const;

/** fail2ban-client's words when its server is not there. */
export const FAIL2BAN_NOT_RUNNING = /Failed to access socket path|Is fail2ban running|No such file or directory/i;
/** Jails asked about at most (each is one client run). */
export const MAX_JAILS = 50;

/** How one reader went, from its run. `notRunning` recognises a daemon-backed tool whose daemon is down. */
export function readerStatus(name: string, command: readonly string[], r: RunResult, notRunning?: RegExp): FirewallReader {
  const base = { name, command: command.join(' ') };
  if (notFound(r)) return { ...base, status: 'not installed' };
  const text = `${r.stdout}\n${r.stderr}`;
  // fail2ban-client prefixes its words with a log header ("2026-01-01 10:00:00,123 fail2ban [12]: ERROR   ").
  const firstLine = text.trim().split('\n')[0]!.replace(/^\d{4}-\d\d-\d\d [\d:,.]+\s+\S+\s+\[\d+\]:\s+(?:ERROR|WARNING|NOTICE)?\s*/, '').slice(0, 200);
  if (notRunning && r.code !== 0 && notRunning.test(text)) return { ...base, status: 'not running', reason: firstLine };
  const failure = runFailure(r);
  if (failure) {
    // The tools' own words for "not root" are long; say it plainly.
    const denied = /permission denied|operation not permitted|you must be root|must be run as root/i.test(text);
    const needs = ['iptables', 'ip6tables', 'nftables', 'ipset'].includes(name) ? 'root or CAP_NET_ADMIN' : 'root';
    return { ...base, status: 'unreadable', reason: denied ? `permission denied (needs ${needs}): ${failure}` : failure };
  }
  return { ...base, status: 'read' };
}

/** The interface of the default route ("ip -j route show default"), or null. */
export function parseDefaultRoute(text: string): string | null {
  try {
    const routes: unknown = JSON.parse(text);
    if (!Array.isArray(routes)) return null;
    const r = routes.find((x) => typeof x === 'object' && x !== null && typeof (x as { dev?: unknown }).dev === 'string') as { dev: string } | undefined;
    return r?.dev ?? null;
  } catch {
    return null;
  }
}

export type FilterRuns = Record<keyof typeof FILTER_COMMANDS, RunResult> & { route: RunResult };

/** The packet filter's facts from the readers' runs; a reader that could not run is never a silent "allowed". */
export function packetFilterFacts(runs: FilterRuns, problem: (source: string, reason: string) => void): HostFirewallFacts {
  const reader = (name: keyof typeof FILTER_COMMANDS) => ({
    reader: readerStatus(name, FILTER_COMMANDS[name], runs[name], name === 'firewalld' ? /not running/i : undefined),
    text: runs[name].stdout,
  });
  const [v4, v6, nft, ipset, firewalld] = (['iptables', 'ip6tables', 'nftables', 'ipset', 'firewalld'] as const).map(reader) as [
    ReturnType<typeof reader>, ReturnType<typeof reader>, ReturnType<typeof reader>, ReturnType<typeof reader>, ReturnType<typeof reader>,
  ];
  const out: HostFirewallFacts = { readers: [], tables: [], bans: [], uplink: runs.route.code === 0 ? parseDefaultRoute(runs.route.stdout) : null };
  let nfBackend = false;
  const ipsets = ipset.reader.status === 'read' ? parseIpsetSave(ipset.text) : [];
  for (const [tool, res] of [['iptables', v4], ['ip6tables', v6]] as const) {
    out.readers.push(res.reader);
    if (res.reader.status !== 'read') continue;
    const parsed = parseIptablesSave(res.text, tool);
    nfBackend ||= parsed.backend === 'nf_tables';
    for (const t of parsed.tables) t.sets.push(...ipsets.filter((s) => s.elements.every((e) => e.includes(':') === (tool === 'ip6tables'))));
    out.tables.push(...parsed.tables);
  }
  out.readers.push(nft.reader);
  if (nft.reader.status === 'read') {
    try {
      const tables: FilterTable[] = parseNftRuleset(nft.text);
      out.tables.push(...(nfBackend ? withoutIptablesTables(tables) : tables));
    } catch (err) {
      nft.reader.status = 'unreadable';
      nft.reader.reason = (err as Error).message.slice(0, 200);
    }
  }
  out.readers.push(ipset.reader, firewalld.reader);
  if (firewalld.reader.status === 'read') out.zones = parseFirewalldZones(firewalld.text);
  out.bans.push(...sipprotBans(out.tables).slice(0, MAX_BANS));
  boundTables(out.tables);

  for (const r of out.readers) if (r.status === 'unreadable') problem(r.command, r.reason ?? 'unreadable');
  const filterTools = out.readers.filter((r) => r.name === 'iptables' || r.name === 'ip6tables' || r.name === 'nftables');
  if (filterTools.every((r) => r.status === 'not installed')) {
    problem('packet filter', 'none of iptables-save, ip6tables-save, nft is installed: the host\'s own firewall could not be read');
  }
  return out;
}

/** The jails to ask about, from `fail2ban-client status` when it could be read, else none. */
export function fail2banJails(client: readonly string[], status: RunResult): { reader: FirewallReader; jails: string[] } {
  const reader = readerStatus('fail2ban', [...client, 'status'], status, FAIL2BAN_NOT_RUNNING);
  return { reader, jails: reader.status === 'read' ? parseFail2banJails(status.stdout).slice(0, MAX_JAILS) : [] };
}

/** fail2ban's readers and bans into the firewall facts, from the status run and each jail's run. */
export function addFail2ban(
  fw: HostFirewallFacts,
  client: readonly string[],
  status: RunResult,
  jailRuns: ReadonlyMap<string, RunResult>,
  problem: (source: string, reason: string) => void,
): void {
  const { reader, jails } = fail2banJails(client, status);
  fw.readers.push(reader);
  if (reader.status === 'unreadable') problem(reader.command, reader.reason ?? 'unreadable');
  if (reader.status !== 'read') return;
  for (const jail of jails) {
    const r = jailRuns.get(jail) ?? { code: null, stdout: '', stderr: '', error: 'not asked' };
    const one = readerStatus('fail2ban', [...client, 'status', jail], r);
    if (one.status !== 'read') {
      fw.readers.push(one);
      problem(one.command, one.reason ?? one.status);
      continue;
    }
    for (const address of parseFail2banBanned(r.stdout)) {
      if (fw.bans.length >= MAX_BANS) {
        fw.bansTruncated = true;
        break;
      }
      fw.bans.push({ address, jail, by: 'fail2ban' });
    }
  }
}
