// The disks source with a df that never answers, as on a host with a hung NFS mount (df blocks in
// the D state, past SIGKILL): bounded by --timeout, reported as SOURCE_UNREADABLE with the
// reason. Were it not bounded, collectReport would never settle and the test would fail on
// vitest's time limit. Also df's own output through the shared parser.

import { afterAll, expect, test } from 'vitest';
import { collectReport } from '../../agent/collect.js';
import type { Run, RunResult } from '../../agent/exec.js';
import { resolveOptions } from '../../agent/options.js';
import { makeDisksSource } from '../../agent/sources/disks.js';
import { disksFromDf, parseDf } from '../../shared/facts/disks.js';
import { cleanupRoots, fixtureRoot, silentLog } from './helpers.js';

afterAll(cleanupRoots);

const hung = () => new Promise<RunResult>(() => {});
const options = () => resolveOptions({ root: fixtureRoot('empty'), timeout: '200' });
const ok = (stdout: string): RunResult => ({ code: 0, stdout, stderr: '' });

const SPACE = `Filesystem     Type     1024-blocks     Used Available Capacity Mounted on
/dev/sda1      ext4             100       40        60      40% /
tmpfs          tmpfs           1000        0      1000       0% /dev/shm
nas:/export    nfs4           1000      100       900      10% /mnt/nas
/dev/sdb1      ext4            2000     1000      1000      50% /var/lib/my data
`;
const INODES = `Filesystem     Type     Inodes IUsed IFree IUse% Mounted on
/dev/sda1      ext4       1000   750   250   75% /
nas:/export    nfs4          0     0     0     - /mnt/nas
/dev/sdb1      ext4        100    10    90   10% /var/lib/my data
`;

test('df -kPT and df -iPT: real filesystems, spaces in mount points, no inodes where df has none', () => {
  expect(parseDf(SPACE).map((r) => r.mount)).toEqual(['/', '/dev/shm', '/mnt/nas', '/var/lib/my data']);
  expect(disksFromDf(SPACE, INODES).map((d) => [d.mount, d.sizeBytes, d.usePercent, d.inodesUsePercent])).toEqual([
    ['/', 102400, 40, 75],
    ['/mnt/nas', 1024000, 10, null],
    ['/var/lib/my data', 2048000, 50, 10],
  ]);
});

test('df that never answers: SOURCE_UNREADABLE names the wait, the report still comes', async () => {
  const r = await collectReport(options(), silentLog, { sources: [makeDisksSource({ run: hung })] });
  expect(r.disks).toEqual([]);
  const f = r.findings.filter((x) => x.code === 'SOURCE_UNREADABLE');
  expect(f.map((x) => x.message)).toEqual([expect.stringContaining('filesystems')]);
  expect(f[0]!.message).toContain('df did not answer within 200 ms');
});

test('df -i that never answers: the inodes are unreadable, the space still reported', async () => {
  const run: Run = (argv) => (argv.includes('-iPT') ? hung() : Promise.resolve(ok(SPACE)));
  const r = await collectReport(options(), silentLog, { sources: [makeDisksSource({ run })] });
  expect(r.disks.map((d) => [d.mount, d.usePercent, d.inodesUsePercent])).toEqual([
    ['/', 40, null],
    ['/mnt/nas', 10, null],
    ['/var/lib/my data', 50, null],
  ]);
  const f = r.findings.filter((x) => x.code === 'SOURCE_UNREADABLE');
  expect(f).toHaveLength(1);
  expect(f[0]!.message).toContain('inodes');
  expect(f[0]!.message).toContain('df -i did not answer within 200 ms');
});

test('a df that cannot run: SOURCE_UNREADABLE with its reason', async () => {
  const run: Run = async () => ({ code: null, stdout: '', stderr: '', error: 'df: permission denied' });
  const r = await collectReport(options(), silentLog, { sources: [makeDisksSource({ run })] });
  expect(r.findings.find((x) => x.code === 'SOURCE_UNREADABLE')?.message).toContain('permission denied');
});
