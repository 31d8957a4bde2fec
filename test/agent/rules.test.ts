// The pure agent rules: each threshold at its edge, and config overrides.

import { describe, expect, test } from 'vitest';
import type { AgentReport } from '../../shared/model.js';
import { AGENT_THRESHOLDS, agentFindings, agentThresholds, type AgentFacts } from '../../shared/rules/agent.js';
import { isUnableToPass } from '../../shared/rules/emergency.js';
import { callCenterFacts } from '../../shared/facts/product.js';
import { agentReport } from '../fixtures/reports.js';

const GiB = 1024 ** 3;

/** Healthy facts; each test varies what its rule reads. */
function facts(over: Partial<AgentFacts> = {}): AgentFacts {
  const { findings: _findings, verdict: _verdict, ...report } = agentReport({
    asterisk: { version: '20', running: true, activeCalls: 0, endpoints: { total: 10, reachable: 10 }, trunks: [] },
    disks: [{ mount: '/', sizeBytes: 100 * GiB, usedBytes: 10 * GiB, availBytes: 90 * GiB, usePercent: 10, inodesUsePercent: 1, holds: ['database'] }],
    cdr: { table: 'pbxware.cdr', engine: 'InnoDB', rows: 1000, rowsExact: false, dataBytes: GiB, indexBytes: 0, oldest: null, newest: null, lastHour: { calls: 0, failed: 0, failedRatio: null } },
    listening: [],
    custom: { customConfFiles: [], agiScripts: [], modifiedPackageFiles: [], newestBackup: { path: '/opt/backup/b', ageDays: 1 }, backupDir: '/opt/backup' },
    ...over,
  });
  return report;
}

const codes = (f: AgentFacts, t = AGENT_THRESHOLDS) => agentFindings(f, t).map((x) => `${x.code}:${x.severity}`);

test('healthy facts: no finding', () => {
  expect(agentFindings(facts())).toEqual([]);
});

test('defaults are frozen', () => {
  expect(Object.isFrozen(AGENT_THRESHOLDS)).toBe(true);
  expect(agentThresholds({ diskWarnPercent: 70 }).diskWarnPercent).toBe(70);
  expect(AGENT_THRESHOLDS.diskWarnPercent).toBe(80);
});

describe('DISK_SPACE_LOW: warn at 80 %, fail at 90 %', () => {
  const disk = (usePercent: number) => facts({ disks: [{ mount: '/var', sizeBytes: 100, usedBytes: usePercent, availBytes: 100 - usePercent, usePercent, holds: [] }] });
  test.each([
    [79.9, []],
    [80, ['DISK_SPACE_LOW:warn']],
    [89.9, ['DISK_SPACE_LOW:warn']],
    [90, ['DISK_SPACE_LOW:fail']],
  ])('%s %%', (p, expected) => expect(codes(disk(p))).toEqual(expected));
});

test('INODES_LOW at 90 % of inodes', () => {
  const f = facts({ disks: [{ mount: '/', sizeBytes: 100 * GiB, usedBytes: 1, availBytes: 100 * GiB, usePercent: 1, inodesUsePercent: 95, holds: [] }] });
  expect(codes(f)).toEqual(['INODES_LOW:warn']);
});

test('UPGRADE_SPACE_INSUFFICIENT: free < (data+index) × 1.2 + 2 GiB on the database filesystem', () => {
  const needed = 10 * GiB * 1.2 + 2 * GiB; // 14 GiB
  const f = (avail: number) =>
    facts({
      disks: [{ mount: '/', sizeBytes: 100 * GiB, usedBytes: 100 * GiB - avail, availBytes: avail, usePercent: 10, holds: ['database'] }],
      cdr: { ...facts().cdr!, dataBytes: 8 * GiB, indexBytes: 2 * GiB },
    });
  expect(codes(f(needed))).not.toContain('UPGRADE_SPACE_INSUFFICIENT:fail');
  expect(codes(f(needed - 1))).toContain('UPGRADE_SPACE_INSUFFICIENT:fail');
});

test('CDR_TABLE_LARGE above 5 M rows or 2 GiB', () => {
  const cdr = (rows: number, bytes: number) => facts({ cdr: { ...facts().cdr!, rows, dataBytes: bytes, indexBytes: 0 } });
  expect(codes(cdr(5_000_000, GiB))).toEqual([]);
  expect(codes(cdr(5_000_001, GiB))).toEqual(['CDR_TABLE_LARGE:warn']);
  expect(codes(cdr(10, 2 * GiB + 1))).toEqual(['CDR_TABLE_LARGE:warn']);
});

describe('EMERGENCY_CRITERIA_MET: ≥ 50 % of at least 10 calls', () => {
  const hour = (calls: number, failed: number) => facts({ cdr: { ...facts().cdr!, lastHour: { calls, failed, failedRatio: failed / calls } } });
  test.each([
    [10, 5, true],
    [10, 4, false],
    [9, 9, false],
    [200, 100, true],
  ])('%i calls, %i failed → %s', (calls, failed, met) => expect(codes(hour(calls, failed)).includes('EMERGENCY_CRITERIA_MET:fail')).toBe(met));
  test('thresholds overridable', () => {
    expect(codes(hour(4, 2), agentThresholds({ emergencyMinCalls: 4 }))).toContain('EMERGENCY_CRITERIA_MET:fail');
  });
  test('the finding names the criterion and every disposition', () => {
    const f = facts({ cdr: { ...facts().cdr!, lastHour: { calls: 20, failed: 10, failedRatio: 0.5, dispositions: { FAILED: 6, CONGESTION: 4, 'NO ANSWER': 7, ANSWERED: 3 } } } });
    const m = agentFindings(f).find((x) => x.code === 'EMERGENCY_CRITERIA_MET')!;
    expect(m.message).toBe('The vendor\'s emergency criterion "50% of calls or more unable to pass" is met: 10 of 20 calls in the last hour could not pass (50%; FAILED/CONGESTION/CHANUNAVAIL; by disposition: NO ANSWER 7, FAILED 6, CONGESTION 4, ANSWERED 3).');
    expect(m.subject).toBe('50% of calls or more unable to pass');
  });
});

test('unable to pass: FAILED, CONGESTION, CHANUNAVAIL — never NO ANSWER or BUSY', () => {
  expect(['FAILED', 'congestion', 'CHANUNAVAIL'].every(isUnableToPass)).toBe(true);
  expect(['NO ANSWER', 'BUSY', 'ANSWERED', ''].some(isUnableToPass)).toBe(false);
});

describe('CALL_VOLUME_COLLAPSED: the last hour below 25 % of the usual (≥ 20 calls over ≥ 2 weeks)', () => {
  const volume = (calls: number, weeks: number[]) => facts({ cdr: { ...facts().cdr!, lastHour: { calls, failed: 0, failedRatio: calls ? 0 : null }, sameHourBefore: weeks } });
  test.each([
    [0, [40, 44, 36, 40], ['CALL_VOLUME_COLLAPSED:warn', 'EMERGENCY_CRITERIA_MET:fail']],
    [9, [40, 44, 36, 40], ['CALL_VOLUME_COLLAPSED:warn', 'EMERGENCY_CRITERIA_MET:fail']],
    [10, [40, 44, 36, 40], []],
    [0, [19, 19, 19, 19], []],
    [0, [40], []],
    [0, [], []],
  ])('%i calls against %j', (calls, weeks, expected) => expect(codes(volume(calls, weeks))).toEqual(expected));
  test('both figures in the message; thresholds overridable', () => {
    const f = agentFindings(volume(2, [40, 44, 36, 40])).find((x) => x.code === 'CALL_VOLUME_COLLAPSED')!;
    expect(f.message).toBe('Only 2 call(s) in the last hour, 5% of the usual 40 at this hour (same hour, same weekday, last 4 week(s): 40, 44, 36, 40).');
    expect(codes(volume(0, [4, 4]), agentThresholds({ volumeMinUsualCalls: 4 }))).toContain('CALL_VOLUME_COLLAPSED:warn');
    expect(codes(volume(15, [40, 40]), agentThresholds({ volumeCollapseRatio: 0.5 }))).toContain('CALL_VOLUME_COLLAPSED:warn');
  });
});

test('system down: Asterisk not running is emergency evidence only when its CLI said so', () => {
  const down = (confirmedDown: boolean) => facts({ asterisk: { version: null, running: false, activeCalls: null, endpoints: null, trunks: [], reason: 'Unable to connect to remote asterisk', confirmedDown } });
  expect(codes(down(true)).sort()).toEqual(['ASTERISK_NOT_RUNNING:fail', 'EMERGENCY_CRITERIA_MET:fail']);
  expect(agentFindings(down(true)).find((x) => x.code === 'EMERGENCY_CRITERIA_MET')!.message).toContain('"system down" is met: Asterisk is not running on the host (Unable to connect to remote asterisk)');
  expect(codes(down(false))).toEqual(['ASTERISK_NOT_RUNNING:fail']);
});

test('ENDPOINTS_UNREACHABLE above 20 %; TRUNK_UNREGISTERED for every trunk not Registered', () => {
  const a = (reachable: number, trunks: AgentReport['asterisk']['trunks'] = []) => facts({ asterisk: { ...facts().asterisk, endpoints: { total: 10, reachable }, trunks } });
  expect(codes(a(8))).toEqual([]);
  expect(codes(a(7))).toEqual(['ENDPOINTS_UNREACHABLE:warn']);
  expect(codes(a(10, [{ name: 'a', state: 'Registered' }, { name: 'b', state: 'Request Sent' }]))).toEqual(['TRUNK_UNREGISTERED:warn']);
});

test('ASTERISK_NOT_RUNNING replaces the runtime findings', () => {
  expect(codes(facts({ asterisk: { version: null, running: false, activeCalls: null, endpoints: null, trunks: [], reason: 'x' } }))).toEqual(['ASTERISK_NOT_RUNNING:fail']);
});

test('custom development, BACKUP_OLD after 7 days, BACKUP_MISSING', () => {
  const c = facts().custom!;
  expect(codes(facts({ custom: { ...c, agiScripts: ['x.agi'] } }))).toEqual(['CUSTOM_DEVELOPMENT_FOUND:warn']);
  expect(codes(facts({ custom: { ...c, newestBackup: { path: 'b', ageDays: 7 } } }))).toEqual([]);
  expect(codes(facts({ custom: { ...c, newestBackup: { path: 'b', ageDays: 7.1 } } }))).toEqual(['BACKUP_OLD:warn']);
  expect(codes(facts({ custom: { ...c, newestBackup: null } }))).toEqual(['BACKUP_MISSING:warn']);
});

test('unreadable sources, DB, CDR and product each name the reason', () => {
  const f = agentFindings(
    facts({
      product: { name: 'unknown', version: null },
      root: '/mnt/pbx',
      database: { reachable: false, version: null, schemas: [], where: '127.0.0.1:3306', error: 'ECONNREFUSED', credentialsSource: '/etc/amportal.conf' },
      cdr: { ...facts().cdr!, error: 'table does not exist' },
      unreadable: [{ source: '/etc/issabel.conf', reason: 'permission denied' }],
    }),
  );
  expect(f.map((x) => x.message)).toEqual(
    expect.arrayContaining([
      'No PBXware, SERVERware or Issabel installation found under /mnt/pbx.',
      'The database at 127.0.0.1:3306 cannot be queried: ECONNREFUSED.',
      'The CDR table pbxware.cdr cannot be read: table does not exist.',
      'Could not read /etc/issabel.conf: permission denied.',
    ]),
  );
});

describe("Issabel's support level: ISSABEL_VERSION_LIMITED below the current line, ISSABEL_CALLCENTER_EOL with the module", () => {
  const issabel = (version: string | null, callCenter?: { installed: boolean; evidence: string }) =>
    facts({ product: { name: 'issabel', version, ...(callCenter ? { callCenter } : {}) } });
  test.each([
    ['2.5.0-3', ['ISSABEL_VERSION_LIMITED:warn']],
    ['3.9', ['ISSABEL_VERSION_LIMITED:warn']],
    ['4.0.0-6', []],
    ['5.0.1', []],
    // No number, no claim: the finding needs a version it can compare.
    ['unknown', []],
  ] as const)('version %s', (version, expected) => {
    expect(codes(issabel(version))).toEqual(expected);
  });
  test('no version: nothing said about the level', () => {
    expect(codes(issabel(null))).toEqual([]);
  });
  test('the Call Center module installed (and only then)', () => {
    expect(codes(issabel('4.0.0-6', { installed: true, evidence: '/opt/issabel/dialer exists' }))).toEqual(['ISSABEL_CALLCENTER_EOL:warn']);
    expect(codes(issabel('4.0.0-6', { installed: false, evidence: 'rpm: package issabel-callcenter is not installed' }))).toEqual([]);
  });
  test('PBXware is never judged by Issabel\'s table', () => {
    expect(codes(facts({ product: { name: 'pbxware', version: '2.0', callCenter: { installed: true, evidence: 'x' } } }))).toEqual([]);
  });
});

describe('callCenterFacts: rpm -q first, the module\'s paths when rpm cannot tell', () => {
  const ran = (code: number | null, stdout: string, error?: string) => ({ code, stdout, stderr: '', ...(error ? { error } : {}) });
  test.each([
    [ran(0, '2.2.0-4'), [], { installed: true, evidence: 'rpm -q issabel-callcenter: 2.2.0-4' }],
    [ran(1, 'package issabel-callcenter is not installed'), [], { installed: false, evidence: 'rpm: package issabel-callcenter is not installed' }],
    // rpm says no but the module's files are there (installed by hand): the files win.
    [ran(1, 'package issabel-callcenter is not installed'), ['/opt/issabel/dialer'], { installed: true, evidence: '/opt/issabel/dialer exists' }],
    [null, ['/opt/issabel/dialer', '/var/www/html/modules/agent_console'], { installed: true, evidence: '/opt/issabel/dialer, /var/www/html/modules/agent_console exist' }],
    [null, [], { installed: false, evidence: 'none of /opt/issabel/dialer, /var/www/html/modules/agent_console exists (rpm not asked)' }],
    // rpm failed to run and no paths: it cannot be told.
    [ran(null, '', 'timed out after 3000 ms'), [], null],
  ] as const)('%j + %j', (rpm, paths, expected) => {
    expect(callCenterFacts(rpm, paths)).toEqual(expected);
  });
});
