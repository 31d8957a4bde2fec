// The host's own packet filter, read-only: iptables-save, ip6tables-save, `nft -j list ruleset`,
// `ipset save` (sets iptables rules refer to), `firewall-cmd --list-all-zones` where firewalld runs,
// and the uplink (`ip -j route show default`) packets from the Internet arrive on. Nothing here
// changes a rule. The parsers are pure (shared/facts/iptables.ts, nftables.ts, bans.ts); this file
// only runs the commands and records, per reader, whether it could read — a reader that could not
// run is never a silent "allowed".

import { DEFAULT_ROUTE_COMMAND, FILTER_COMMANDS, packetFilterFacts, type FilterRuns } from '../../shared/facts/firewall.js';
import type { FactSource } from './source.js';

export { FILTER_COMMANDS, parseDefaultRoute, readerStatus } from '../../shared/facts/firewall.js';

export const packetFilterSource: FactSource = {
  name: 'packet-filter',
  stage: 1,
  async collect(ctx, draft) {
    const t = { timeoutMs: ctx.options.timeoutMs };
    const [iptables, ip6tables, nftables, ipset, firewalld, route] = await Promise.all([
      ...(['iptables', 'ip6tables', 'nftables', 'ipset', 'firewalld'] as const).map((n) => ctx.run(FILTER_COMMANDS[n], t)),
      ctx.run(DEFAULT_ROUTE_COMMAND, t),
    ]);
    const runs: FilterRuns = { iptables: iptables!, ip6tables: ip6tables!, nftables: nftables!, ipset: ipset!, firewalld: firewalld!, route: route! };
    draft.firewall = packetFilterFacts(runs, ctx.problem);
  },
};
