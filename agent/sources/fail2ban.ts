// fail2ban's jails and the addresses each has banned, read-only: `fail2ban-client status`, then
// `fail2ban-client status JAIL` per jail (config "fail2banCmd" replaces the client, e.g. to name
// another socket with -s). Needs root (the server's socket is root's). Not installed or not running
// is a fact (no fail2ban bans), a client that is refused is a gap (SOURCE_UNREADABLE).

import { addFail2ban, fail2banJails } from '../../shared/facts/firewall.js';
import type { RunResult } from '../../shared/facts/run.js';
import type { FactSource } from './source.js';

export const fail2banSource: FactSource = {
  name: 'fail2ban',
  // After the packet filter: the bans join the firewall facts it started.
  stage: 2,
  async collect(ctx, draft) {
    const client = ctx.options.fail2banCmd ?? ['fail2ban-client'];
    const t = { timeoutMs: ctx.options.timeoutMs };
    const fw = (draft.firewall ??= { readers: [], tables: [], bans: [] });
    const status = await ctx.run([...client, 'status'], t);
    const { jails } = fail2banJails(client, status);
    const answers = await Promise.all(jails.map((jail) => ctx.run([...client, 'status', jail], t)));
    addFail2ban(fw, client, status, new Map<string, RunResult>(jails.map((j, i) => [j, answers[i]!])), ctx.problem);
  },
};
