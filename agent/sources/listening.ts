// Which of the product's support ports (and 3306/5038) listen on the host: reads /proc/net/tcp{,6}
// and walks /proc/<pid>/fd for the sockets' owners; shared/facts/listening.ts decides.

import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { listeningSockets, socketInode, socketOwners, watchedInodes, watchedPorts, type ProcNetTables } from '../../shared/facts/listening.js';
import { errnoReason, type FactSource } from './source.js';

/**
 * (pid, inode) of the wanted sockets' fds, pids in ascending order, stopping once every inode is
 * found (socketOwners keeps the lowest pid, so stopping early gives what a full listing gives).
 */
async function socketFds(procDir: string, inodes: Set<string>): Promise<{ pairs: Array<{ pid: number; inode: string }>; names: Map<number, string> }> {
  const pairs: Array<{ pid: number; inode: string }> = [];
  const names = new Map<number, string>();
  if (!inodes.size) return { pairs, names };
  const found = new Set<string>();
  const pids = (await readdir(procDir)).filter((p) => /^\d+$/.test(p)).map(Number).sort((a, b) => a - b);
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(join(procDir, String(pid), 'fd'));
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      const inode = socketInode(await readlink(join(procDir, String(pid), 'fd', fd)).catch(() => ''));
      if (!inode || !inodes.has(inode) || found.has(inode)) continue;
      found.add(inode);
      pairs.push({ pid, inode });
      names.set(pid, (await readFile(join(procDir, String(pid), 'comm'), 'utf8').catch(() => '?')).trim());
    }
    if (found.size === inodes.size) break;
  }
  return { pairs, names };
}

export const listeningSource: FactSource = {
  name: 'listening',
  stage: 1,
  async collect(ctx, draft) {
    const watched = watchedPorts(ctx.product, ctx.options.ports);
    const tables: ProcNetTables = { tcp: null, tcp6: null };
    for (const [file, v6] of [['net/tcp', false], ['net/tcp6', true]] as const) {
      try {
        tables[v6 ? 'tcp6' : 'tcp'] = await readFile(join(ctx.options.procDir, file), 'utf8');
      } catch (err) {
        // A host without IPv6 has no tcp6 table: that is not a gap.
        if (!(v6 && errnoReason(err) === 'no such file or directory')) ctx.problem(join(ctx.options.procDir, file), errnoReason(err));
      }
    }
    let owners = new Map<string, { pid: number; name: string }>();
    try {
      const { pairs, names } = await socketFds(ctx.options.procDir, watchedInodes(tables, watched));
      owners = socketOwners(pairs, names);
    } catch (err) {
      ctx.problem(`${ctx.options.procDir}/*/fd`, errnoReason(err));
    }
    draft.listening = listeningSockets(tables, watched, owners);
  },
};
