// The disks source with df (si.fsSize) and statfs that never answer, as on a host with a hung
// NFS mount: bounded by --timeout, reported as SOURCE_UNREADABLE with the reason. Were it not
// bounded, collectReport would never settle and the test would fail on vitest's time limit.

import { afterAll, expect, test } from 'vitest';
import { collectReport } from '../../agent/collect.js';
import { resolveOptions } from '../../agent/options.js';
import { makeDisksSource } from '../../agent/sources/disks.js';
import { cleanupRoots, fixtureRoot, silentLog } from './helpers.js';

afterAll(cleanupRoots);

const hung = <T>() => new Promise<T>(() => {});
const options = () => resolveOptions({ root: fixtureRoot('empty'), timeout: '200' });

test('df that never answers: SOURCE_UNREADABLE names the wait, the report still comes', async () => {
  const r = await collectReport(options(), silentLog, { sources: [makeDisksSource({ fsSize: hung })] });
  expect(r.disks).toEqual([]);
  const f = r.findings.filter((x) => x.code === 'SOURCE_UNREADABLE');
  expect(f.map((x) => x.message)).toEqual([expect.stringContaining('filesystems')]);
  expect(f[0]!.message).toContain('df did not answer within 200 ms');
});

test('statfs that never answers on one mount: its inodes are unreadable, its space still reported', async () => {
  const fsSize = async () => [
    { fs: '/dev/sda1', type: 'ext4', size: 100, used: 40, available: 60, mount: '/' },
    { fs: 'nas:/export', type: 'nfs4', size: 1000, used: 100, available: 900, mount: '/mnt/nas' },
  ];
  const statfs = ((path: string) => (path === '/mnt/nas' ? hung() : Promise.resolve({ files: 1000, ffree: 250 }))) as never;
  const r = await collectReport(options(), silentLog, { sources: [makeDisksSource({ fsSize, statfs })] });
  expect(r.disks.map((d) => [d.mount, d.usePercent, d.inodesUsePercent])).toEqual([
    ['/', 40, 75],
    ['/mnt/nas', 10, null],
  ]);
  const f = r.findings.filter((x) => x.code === 'SOURCE_UNREADABLE');
  expect(f).toHaveLength(1);
  expect(f[0]!.message).toContain('inodes of /mnt/nas');
  expect(f[0]!.message).toContain('statfs did not answer within 200 ms');
});

test('a df that fails: SOURCE_UNREADABLE with its reason', async () => {
  const r = await collectReport(options(), silentLog, { sources: [makeDisksSource({ fsSize: () => Promise.reject(Object.assign(new Error('spawn df EACCES'), { code: 'EACCES' })) })] });
  expect(r.findings.find((x) => x.code === 'SOURCE_UNREADABLE')?.message).toContain('permission denied');
});
