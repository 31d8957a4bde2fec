// `df -kPT` and `df -iPT` → DiskFacts, and which of the product's data each filesystem holds.
// Pure: text in, facts out; both the installed agent and the agentless collector run these two
// commands and hand their output here.

import type { DiskFacts } from '../model.js';
import type { ProductLayout } from './layout.js';

export const DF_SPACE = ['df', '-kPT'] as const;
export const DF_INODES = ['df', '-iPT'] as const;

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

export interface DfRow {
  fs: string;
  type: string;
  /** Space: 1 KiB blocks, used, available; inodes: total, used, free. */
  total: number;
  used: number;
  free: number;
  mount: string;
}

/**
 * One `df -PT` table. The device (first column) and the mount point (last) may hold spaces, so
 * a line is anchored on the numeric columns between them; a line that does not fit is skipped.
 */
export function parseDf(text: string): DfRow[] {
  const out: DfRow[] = [];
  const row = /^(.+?)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(?:\d+%|-)\s+(\/.*)$/;
  for (const line of text.split('\n')) {
    const m = row.exec(line.trim());
    if (!m) continue;
    out.push({ fs: m[1]!, type: m[2]!, total: Number(m[3]), used: Number(m[4]), free: Number(m[5]), mount: m[6]! });
  }
  return out;
}

/** Real filesystems with space and (when df -i answered) inodes, each mount once. */
export function disksFromDf(spaceText: string, inodesText: string | null): DiskFacts[] {
  const inodes = new Map((inodesText === null ? [] : parseDf(inodesText)).map((r) => [r.mount, r]));
  const seen = new Set<string>();
  const disks: DiskFacts[] = [];
  for (const r of parseDf(spaceText)) {
    const size = r.total * 1024;
    if (seen.has(r.mount) || !isRealFilesystem({ type: r.type, mount: r.mount, size })) continue;
    seen.add(r.mount);
    const used = r.used * 1024;
    const avail = r.free * 1024;
    const i = inodes.get(r.mount);
    disks.push({
      mount: r.mount,
      fs: r.type,
      sizeBytes: size,
      usedBytes: used,
      availBytes: avail,
      // df's Use%: reserved blocks count as neither used nor available.
      usePercent: used + avail > 0 ? Math.round((used / (used + avail)) * 1000) / 10 : 0,
      inodesFree: i && i.total > 0 ? i.free : null,
      inodesUsePercent: i && i.total > 0 ? Math.round(((i.total - i.free) / i.total) * 1000) / 10 : null,
      holds: [],
    });
  }
  return disks;
}

export interface HoldingCandidate {
  what: string;
  /** Tried in order: host paths (the collector prefixes its root), then `asIs` (paths used unprefixed). */
  paths: string[];
  asIs: string[];
}

/** Where the product's data may be, per kind; the first candidate that exists is the one. */
export function holdingCandidates(layout: ProductLayout | null, dataDir: string | null | undefined): HoldingCandidate[] {
  const out: HoldingCandidate[] = [];
  if (dataDir) {
    // The server reports its own view: on PBXware it may run inside the chroot; a server outside
    // the tree under --root reports a path of this machine.
    out.push({ what: 'database', paths: [...(layout?.chroot ? [`${layout.chroot}${dataDir}`] : []), dataDir], asIs: [dataDir] });
  }
  if (layout) {
    out.push({ what: 'recordings', paths: [layout.recordings], asIs: [] });
    out.push({ what: 'backups', paths: [layout.backups], asIs: [] });
  }
  return out;
}

/** Tag each disk with what it holds, given each kind's resolved (symlink-free) path when one exists. */
export function tagHoldings(disks: DiskFacts[], resolved: ReadonlyArray<{ what: string; path: string | null }>): void {
  const mounts = disks.map((d) => d.mount);
  for (const h of resolved) {
    if (!h.path) continue;
    const disk = disks.find((d) => d.mount === mountOf(h.path!, mounts));
    if (disk && !disk.holds.includes(h.what)) disk.holds.push(h.what);
  }
}
