// The host's own packet filter, read-only: iptables-save, ip6tables-save, `nft -j list ruleset`,
// `ipset save` (sets iptables rules refer to), `firewall-cmd --list-all-zones` where firewalld runs,
// and the uplink (`ip -j route show default`) packets from the Internet arrive on. Nothing here
// changes a rule. The parsers are pure (shared/facts/iptables.ts, nftables.ts, bans.ts); this file
// only runs the commands and records, per reader, whether it could read — a reader that could not
// run is never a silent "allowed".

import { parseFirewalldZones, sipprotBans } from '../../shared/facts/bans.js';
import { parseIpsetSave, parseIptablesSave } from '../../shared/facts/iptables.js';
import { parseNftRuleset, withoutIptablesTables } from '../../shared/facts/nftables.js';
import { notFound, runFailure, type RunResult } from '../../shared/facts/run.js';
import type { FilterTable, FirewallReader, HostFirewallFacts } from '../../shared/model.js';
import type { FactSource, SourceContext } from './source.js';

/** The readers, their commands, and what each needs on a real host (README "The host's own firewall"). */
export const FILTER_COMMANDS = {
  iptables: ['iptables-save'],
  ip6tables: ['ip6tables-save'],
  nftables: ['nft', '-j', 'list', 'ruleset'],
  ipset: ['ipset', 'save'],
  firewalld: ['firewall-cmd', '--list-all-zones'],
} as const;

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

async function read(ctx: SourceContext, name: keyof typeof FILTER_COMMANDS): Promise<{ reader: FirewallReader; text: string }> {
  const cmd = FILTER_COMMANDS[name];
  const r = await ctx.run(cmd, { timeoutMs: ctx.options.timeoutMs });
  return { reader: readerStatus(name, cmd, r, name === 'firewalld' ? /not running/i : undefined), text: r.stdout };
}

export const packetFilterSource: FactSource = {
  name: 'packet-filter',
  stage: 1,
  async collect(ctx, draft) {
    const [v4, v6, nft, ipset, firewalld, route] = await Promise.all([
      read(ctx, 'iptables'),
      read(ctx, 'ip6tables'),
      read(ctx, 'nftables'),
      read(ctx, 'ipset'),
      read(ctx, 'firewalld'),
      ctx.run(['ip', '-j', 'route', 'show', 'default'], { timeoutMs: ctx.options.timeoutMs }),
    ]);
    const out: HostFirewallFacts = { readers: [], tables: [], bans: [], uplink: route.code === 0 ? parseDefaultRoute(route.stdout) : null };
    draft.firewall = out;

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
    out.bans.push(...sipprotBans(out.tables));

    for (const r of out.readers) if (r.status === 'unreadable') ctx.problem(r.command, r.reason ?? 'unreadable');
    const filterTools = out.readers.filter((r) => r.name === 'iptables' || r.name === 'ip6tables' || r.name === 'nftables');
    if (filterTools.every((r) => r.status === 'not installed')) {
      ctx.problem('packet filter', 'none of iptables-save, ip6tables-save, nft is installed: the host\'s own firewall could not be read');
    }
  },
};
