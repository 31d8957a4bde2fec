// fail2ban's jails and the addresses each has banned, read-only: `fail2ban-client status`, then
// `fail2ban-client status JAIL` per jail (config "fail2banCmd" replaces the client, e.g. to name
// another socket with -s). Needs root (the server's socket is root's). Not installed or not running
// is a fact (no fail2ban bans), a client that is refused is a gap (SOURCE_UNREADABLE).

import { MAX_BANS, parseFail2banBanned, parseFail2banJails } from '../../shared/facts/bans.js';
import { readerStatus } from './packet-filter.js';
import type { FactSource } from './source.js';

/** fail2ban-client's words when its server is not there. */
const NOT_RUNNING = /Failed to access socket path|Is fail2ban running|No such file or directory/i;
/** Jails asked about at most (each is one client run). */
const MAX_JAILS = 50;

export const fail2banSource: FactSource = {
  name: 'fail2ban',
  // After the packet filter: the bans join the firewall facts it started.
  stage: 2,
  async collect(ctx, draft) {
    const client = ctx.options.fail2banCmd ?? ['fail2ban-client'];
    const t = { timeoutMs: ctx.options.timeoutMs };
    const fw = (draft.firewall ??= { readers: [], tables: [], bans: [] });
    const status = await ctx.run([...client, 'status'], t);
    const reader = readerStatus('fail2ban', [...client, 'status'], status, NOT_RUNNING);
    fw.readers.push(reader);
    if (reader.status === 'unreadable') ctx.problem(reader.command, reader.reason ?? 'unreadable');
    if (reader.status !== 'read') return;
    const jails = parseFail2banJails(status.stdout).slice(0, MAX_JAILS);
    const answers = await Promise.all(jails.map((jail) => ctx.run([...client, 'status', jail], t)));
    answers.forEach((r, i) => {
      const jail = jails[i]!;
      const one = readerStatus('fail2ban', [...client, 'status', jail], r);
      if (one.status !== 'read') {
        fw.readers.push(one);
        ctx.problem(one.command, one.reason ?? one.status);
        return;
      }
      for (const address of parseFail2banBanned(r.stdout)) {
        if (fw.bans.length >= MAX_BANS) {
          fw.bansTruncated = true;
          break;
        }
        fw.bans.push({ address, jail, by: 'fail2ban' });
      }
    });
  },
};
