// Every real filesystem, its space and inodes, and which of the product's data it holds.
// df (si.fsSize) and statfs are bounded by --timeout: a hung NFS mount makes both block, and a
// report that never comes is worse than SOURCE_UNREADABLE naming the wait.

import { realpath, statfs } from 'node:fs/promises';
import si from 'systeminformation';
import type { DiskFacts } from '../../shared/model.js';
import { errnoReason, hostPath, type Draft, type FactSource, type SourceContext } from './source.js';

/** Kernel and memory filesystems: not where recordings or a database live. */
const PSEUDO_FS = /^(tmpfs|devtmpfs|devfs|proc|sysfs|cgroup2?|devpts|mqueue|securityfs|debugfs|tracefs|pstore|bpf|configfs|fusectl|hugetlbfs|autofs|binfmt_misc|nsfs|ramfs|rpc_pipefs|efivarfs|squashfs|overlay|aufs|fuse\.lxcfs|fuse\.portal|fuse\.gvfsd-fuse|nfsd|selinuxfs|none)$/i;

export function isRealFilesystem(d: { type: string; mount: string; size: number }): boolean {
  if (d.mount === '/') return true;
  return d.size > 0 && !PSEUDO_FS.test(d.type) && !/^\/(proc|sys|dev|run)(\/|$)/.test(d.mount);
}

/** The mount holding a path: the longest mount point that prefixes it. */
export function mountOf(path: string, mounts: readonly string[]): string | null {
  let best: string | null = null;
  for (const m of mounts) {
    const prefix = m.endsWith('/') ? m : `${m}/`;
    if ((path === m || path.startsWith(prefix) || m === '/') && (best === null || m.length > best.length)) best = m;
  }
  return best;
}

/** Resolve a product path to a host path that exists (symlinks followed), or null. */
async function resolvePath(candidates: readonly string[]): Promise<string | null> {
  for (const c of candidates) {
    try {
      return await realpath(c);
    } catch {
      // try the next candidate
    }
  }
  return null;
}

function holdings(ctx: SourceContext, dataDir: string | null | undefined): Array<{ what: string; paths: string[] }> {
  const out: Array<{ what: string; paths: string[] }> = [];
  if (dataDir) {
    // The server reports its own view; on PBXware it may run inside the chroot.
    const chroot = ctx.layout?.chroot;
    out.push({ what: 'database', paths: [...(chroot ? [hostPath(ctx, `${chroot}${dataDir}`)] : []), hostPath(ctx, dataDir), dataDir] });
  }
  if (ctx.layout) {
    out.push({ what: 'recordings', paths: [hostPath(ctx, ctx.layout.recordings)] });
    out.push({ what: 'backups', paths: [hostPath(ctx, ctx.layout.backups)] });
  }
  return out;
}

type FsSize = () => Promise<Array<{ fs: string; type: string; size: number; used: number; available: number; mount: string }>>;

const TIMED_OUT = Symbol('timed out');

/** The promise's value, or TIMED_OUT after `ms` (the promise itself is left to settle on its own). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The disks source; `fsSize` is injectable so a test can stand in a hung df. */
export function makeDisksSource(deps: { fsSize?: FsSize; statfs?: typeof statfs } = {}): FactSource {
  const fsSize: FsSize = deps.fsSize ?? (() => si.fsSize());
  const statfsOf = deps.statfs ?? statfs;
  return {
    name: 'disks',
    stage: 2,
    collect: (ctx, draft) => collectDisks(ctx, draft, fsSize, statfsOf),
  };
}

async function collectDisks(ctx: SourceContext, draft: Draft, fsSize: FsSize, statfsOf: typeof statfs): Promise<void> {
  const ms = ctx.options.timeoutMs;
  const listed = await within(fsSize(), ms);
  if (listed === TIMED_OUT) {
    ctx.problem('filesystems', `df did not answer within ${ms} ms (a hung mount, e.g. NFS?)`);
    return;
  }
  const all = listed.filter(isRealFilesystem);
  const disks: DiskFacts[] = [];
  for (const d of all) {
    const disk: DiskFacts = {
      mount: d.mount,
      fs: d.type,
      sizeBytes: d.size,
      usedBytes: d.used,
      availBytes: d.available,
      // df's Use%: reserved blocks count as neither used nor available.
      usePercent: d.used + d.available > 0 ? Math.round((d.used / (d.used + d.available)) * 1000) / 10 : 0,
      inodesFree: null,
      inodesUsePercent: null,
      holds: [],
    };
    try {
      const s = await within(statfsOf(d.mount), ms);
      if (s === TIMED_OUT) ctx.problem(`inodes of ${d.mount}`, `statfs did not answer within ${ms} ms (a hung mount?)`);
      else if (s.files > 0) {
        disk.inodesFree = s.ffree;
        disk.inodesUsePercent = Math.round(((s.files - s.ffree) / s.files) * 1000) / 10;
      }
    } catch (err) {
      ctx.problem(`inodes of ${d.mount}`, errnoReason(err));
    }
    disks.push(disk);
  }
  const mounts = disks.map((d) => d.mount);
  for (const h of holdings(ctx, draft.database.dataDir)) {
    const path = await resolvePath(h.paths);
    if (!path) continue;
    const m = mountOf(path, mounts);
    const disk = disks.find((d) => d.mount === m);
    if (disk && !disk.holds.includes(h.what)) disk.holds.push(h.what);
  }
  draft.disks = disks;
  if (!disks.length) ctx.problem('filesystems', 'no real filesystem found');
}

export const disksSource: FactSource = makeDisksSource();
