// The pure snapshot diff.

import { describe, expect, test } from 'vitest';
import type { AgentReport } from '../../shared/model.js';
import { agentFindings, type AgentFacts } from '../../shared/rules/agent.js';
import { diffAgentReports } from '../../shared/snapshot-diff.js';
import { agentReport } from '../fixtures/reports.js';

const base: AgentReport = agentReport({
  product: { name: 'pbxware', version: '7.1' },
  asterisk: { version: '18.20.0', running: true, activeCalls: 3, endpoints: { total: 10, reachable: 10 }, trunks: [{ name: 'main', state: 'Registered' }] },
  disks: [{ mount: '/', sizeBytes: 100, usedBytes: 50, availBytes: 50, usePercent: 50, holds: [] }],
  cdr: { table: 'pbxware.cdr', engine: 'InnoDB', rows: 100, rowsExact: false, dataBytes: 1, indexBytes: 1, oldest: null, newest: null, lastHour: { calls: 10, failed: 1, failedRatio: 0.1 } },
  listening: [],
});

test('an upgrade: versions, endpoints, trunks, calls, disks and findings', () => {
  const after: AgentReport = {
    ...base,
    generatedAt: '2024-01-02T00:00:00Z',
    verdict: 'warnings',
    product: { name: 'pbxware', version: '7.2' },
    asterisk: { ...base.asterisk, version: '20.5.2', activeCalls: 1, endpoints: { total: 10, reachable: 8 }, trunks: [{ name: 'main', state: 'Rejected' }, { name: 'new', state: 'Registered' }] },
    disks: [{ ...base.disks[0]!, usePercent: 60.5 }],
    cdr: { ...base.cdr!, lastHour: { calls: 10, failed: 4, failedRatio: 0.4 } },
    findings: [{ code: 'TRUNK_UNREGISTERED', severity: 'warn', message: 'Trunk main is Rejected, not registered.', remedy: 'r' }],
  };
  const d = diffAgentReports(base, after);
  const by = (item: string) => d.changes.find((c) => c.item === item);
  expect(by('product')).toMatchObject({ before: 'pbxware 7.1', after: 'pbxware 7.2' });
  expect(by('asterisk')).toMatchObject({ area: 'version', before: '18.20.0', after: '20.5.2' });
  expect(by('reachable')).toMatchObject({ before: '10', after: '8', worse: true });
  expect(by('main')).toMatchObject({ before: 'Registered', after: 'Rejected', worse: true });
  expect(by('new')).toMatchObject({ before: 'absent', after: 'Registered' });
  expect(by('new')?.worse).toBeUndefined();
  expect(by('active calls')).toMatchObject({ before: '3', after: '1' });
  expect(by('unable to pass in the last hour')).toMatchObject({ before: '1', after: '4', worse: true });
  expect(by('/')).toMatchObject({ area: 'disk', before: '50% used', after: '60.5% used', worse: true });
  expect(by('verdict')).toMatchObject({ before: 'ready', after: 'warnings', worse: true });
  expect(d.newFindings.map((f) => f.code)).toEqual(['TRUNK_UNREGISTERED']);
  expect(d.resolvedFindings).toEqual([]);
});

test('no change, and disk noise under one point, give an empty diff', () => {
  const d = diffAgentReports(base, { ...base, disks: [{ ...base.disks[0]!, usePercent: 50.4 }] });
  expect(d.changes).toEqual([]);
});

describe('findings are matched on code + port + address + subject, not on their figures', () => {
  const GiB = 1024 ** 3;
  const withFindings = (facts: Partial<AgentFacts>): AgentReport => {
    const f: AgentFacts = { ...base, ...facts };
    return { ...base, ...facts, findings: agentFindings(f) };
  };
  const backup = (path: string, ageDays: number) => withFindings({ custom: { customConfFiles: [], agiScripts: [], modifiedPackageFiles: [], newestBackup: { path, ageDays }, backupDir: '/opt/backup' } });
  const disk = (mount: string, usePercent: number) => withFindings({ disks: [{ mount, sizeBytes: 100 * GiB, usedBytes: usePercent * GiB, availBytes: (100 - usePercent) * GiB, usePercent, inodesUsePercent: usePercent, holds: [] }] });
  const trunk = (name: string, state: string) => withFindings({ asterisk: { ...base.asterisk, trunks: [{ name, state }] } });
  const cdr = (table: string, rows: number) => withFindings({ cdr: { ...base.cdr!, table, rows } });

  test.each([
    ['BACKUP_OLD, older', backup('/opt/backup/nightly.tar.gz', 8.1), backup('/opt/backup/nightly.tar.gz', 9.1), 'still'],
    ['BACKUP_OLD, another file', backup('/opt/backup/nightly.tar.gz', 8.1), backup('/opt/backup/weekly.tar.gz', 8.1), 'moved'],
    ['DISK_SPACE_LOW + INODES_LOW, fuller', disk('/var', 82.5), disk('/var', 84.1), 'still'],
    ['DISK_SPACE_LOW + INODES_LOW, warn → fail', disk('/var', 91), disk('/var', 95), 'still'],
    ['DISK_SPACE_LOW + INODES_LOW, another mount', disk('/var', 91), disk('/home', 91), 'moved'],
    ['TRUNK_UNREGISTERED, another state', trunk('provider-backup', 'Rejected'), trunk('provider-backup', 'Unregistered'), 'still'],
    ['TRUNK_UNREGISTERED, another trunk', trunk('provider-backup', 'Rejected'), trunk('provider-main', 'Rejected'), 'moved'],
    ['CDR_TABLE_LARGE, more rows', cdr('pbxware.cdr', 6_000_000), cdr('pbxware.cdr', 6_500_000), 'still'],
    ['CDR_TABLE_LARGE, another table', cdr('pbxware.cdr', 6_000_000), cdr('pbxware.cdr_2024', 6_000_000), 'moved'],
  ] as const)('%s', (_name, before, after, expected) => {
    expect(before.findings.length).toBeGreaterThan(0);
    expect(before.findings.every((f) => f.subject)).toBe(true);
    const d = diffAgentReports(before, after);
    if (expected === 'still') {
      expect(d.newFindings).toEqual([]);
      expect(d.resolvedFindings).toEqual([]);
      expect(d.stillPresent.map((f) => f.code)).toEqual(after.findings.map((f) => f.code));
      // The figures that moved are shown as a change of the finding, not as a new one.
      const moved = d.changes.filter((c) => c.area === 'finding');
      expect(moved.length).toBeGreaterThan(0);
      for (const c of moved) expect(c.before).not.toBe(c.after);
    } else {
      expect(d.stillPresent).toEqual([]);
      expect(d.newFindings.map((f) => f.subject)).toEqual(after.findings.map((f) => f.subject));
      expect(d.resolvedFindings.map((f) => f.subject)).toEqual(before.findings.map((f) => f.subject));
    }
  });

  test('warn → fail is marked worse', () => {
    const d = diffAgentReports(disk('/var', 85), disk('/var', 95));
    expect(d.changes.find((c) => c.item === 'DISK_SPACE_LOW /var')).toMatchObject({ area: 'finding', worse: true });
  });

  test('snapshots from before subjects existed are matched on the message with its figures masked', () => {
    const strip = (r: AgentReport): AgentReport => ({ ...r, findings: r.findings.map(({ subject: _s, ...f }) => f) });
    const d = diffAgentReports(strip(backup('/opt/backup/a.tgz', 8.1)), backup('/opt/backup/a.tgz', 9.1));
    expect(d.newFindings).toEqual([]);
    expect(d.resolvedFindings).toEqual([]);
    const other = diffAgentReports(strip(backup('/opt/backup/a.tgz', 8.1)), strip(backup('/opt/backup/b.tgz', 9.1)));
    expect(other.newFindings.map((f) => f.code)).toEqual(['BACKUP_OLD']);
    expect(other.resolvedFindings.map((f) => f.code)).toEqual(['BACKUP_OLD']);
  });
});
