// Drift of the inside view (pure): what a fleet run keeps of the agent's report, and the changes
// between two runs — disk bands, CDR growth by a factor, trunks, Asterisk, backups, versions,
// emergency criteria — with the problems that clear marked as recoveries.

import { describe, expect, it } from 'vitest';
import { DRIFT_THRESHOLDS, hostDrift, insideSummary, sortDrift, summarize } from '../../checker/history/drift.js';
import type { AgentReport, HostSummary, InsideSummary } from '../../shared/model.js';
import { agentReport, checkReport, hostSummary } from '../fixtures/reports.js';

const inside = (over: Partial<InsideSummary> = {}): InsideSummary => ({
  via: 'http',
  productVersion: '7.2.1',
  asteriskVersion: '20.5.0',
  databaseVersion: '10.11.6-MariaDB',
  asterisk: 'up',
  trunks: [{ name: 'carrier-a', state: 'Registered', registered: true }],
  disks: [{ mount: '/', usePercent: 50, band: 'ok' }, { mount: '/var/lib/mysql', usePercent: 70, band: 'ok' }],
  cdr: { table: 'pbxware.cdr', rows: 100_000, bytes: 50 * 1024 * 1024 },
  backup: 'ok',
  backupAgeDays: 1,
  emergency: [],
  ...over,
});

const host = (i: InsideSummary | undefined): HostSummary => hostSummary(i ? { inside: i } : {});
const kinds = (b: InsideSummary | undefined, a: InsideSummary | undefined) =>
  sortDrift(hostDrift(host(b), host(a))).map((c) => [c.kind, c.subject ?? null, c.before, c.after, c.worse, c.recovery ?? false]);

describe('inside drift', () => {
  it('nothing changed inside: no drift', () => {
    expect(kinds(inside(), inside({ backupAgeDays: 2, disks: [{ mount: '/', usePercent: 55, band: 'ok' }, { mount: '/var/lib/mysql', usePercent: 71, band: 'ok' }] }))).toEqual([]);
  });

  it('a disk crossing into the warn, then the fail band, and back below', () => {
    const warn = inside({ disks: [{ mount: '/', usePercent: 50, band: 'ok' }, { mount: '/var/lib/mysql', usePercent: 85, band: 'warn' }] });
    const fail = inside({ disks: [{ mount: '/', usePercent: 50, band: 'ok' }, { mount: '/var/lib/mysql', usePercent: 95, band: 'fail' }] });
    expect(kinds(inside(), warn)).toEqual([['disk_band', '/var/lib/mysql', 'ok', 'warn', true, false]]);
    expect(kinds(warn, fail)).toEqual([['disk_band', '/var/lib/mysql', 'warn', 'fail', true, false]]);
    expect(kinds(fail, warn)).toEqual([['disk_band', '/var/lib/mysql', 'fail', 'warn', false, false]]);
    const back = hostDrift(host(fail), host(inside()));
    expect(back.map((c) => [c.kind, c.recovery, c.message])).toEqual([['disk_band', true, 'acme/hq: disk /var/lib/mysql back below the warning band (95% → 70% used)']]);
  });

  it('CDR rows or bytes grown by more than the configured factor', () => {
    const grownRows = inside({ cdr: { table: 'pbxware.cdr', rows: 160_000, bytes: 60 * 1024 * 1024 } });
    expect(kinds(inside(), grownRows)).toEqual([['cdr_growth', 'pbxware.cdr', '100000', '160000', true, false]]);
    expect(hostDrift(host(inside()), host(grownRows))[0]!.message).toBe('acme/hq: CDR table pbxware.cdr grew more than 1.5× (rows 100,000 → 160,000)');
    // Within the factor: nothing; a factor of 2 ignores 1.6×.
    expect(kinds(inside(), inside({ cdr: { table: 'pbxware.cdr', rows: 140_000, bytes: 70 * 1024 * 1024 } }))).toEqual([]);
    expect(hostDrift(host(inside()), host(grownRows), { ...DRIFT_THRESHOLDS, cdrGrowthFactor: 2 })).toEqual([]);
    const grownBytes = inside({ cdr: { table: 'pbxware.cdr', rows: 110_000, bytes: 200 * 1024 * 1024 } });
    expect(hostDrift(host(inside()), host(grownBytes))[0]!.message).toContain('size 50.0 MiB → 200.0 MiB');
    // No figures, or an empty table before: nothing to judge by.
    expect(kinds(inside({ cdr: { table: 'pbxware.cdr', rows: 0, bytes: null } }), grownRows)).toEqual([]);
  });

  it('a trunk and Asterisk going down and coming back', () => {
    const down = inside({ asterisk: 'down', trunks: [{ name: 'carrier-a', state: 'Rejected', registered: false }] });
    expect(kinds(inside(), down)).toEqual([
      ['asterisk', 'asterisk', 'up', 'down', true, false],
      ['trunk', 'carrier-a', 'Registered', 'Rejected', true, false],
    ]);
    expect(kinds(down, inside())).toEqual([
      ['asterisk', 'asterisk', 'down', 'up', false, true],
      ['trunk', 'carrier-a', 'Rejected', 'Registered', false, true],
    ]);
    // Not measured (the CLI could not be asked) is no state change.
    expect(kinds(inside(), inside({ asterisk: null }))).toEqual([]);
  });

  it('backup age crossing its limit, and fresh again', () => {
    expect(kinds(inside(), inside({ backup: 'old', backupAgeDays: 9 }))).toEqual([['backup', 'backup', 'ok', 'old', true, false]]);
    expect(kinds(inside({ backup: 'old', backupAgeDays: 9 }), inside())).toEqual([['backup', 'backup', 'old', 'ok', false, true]]);
    expect(kinds(inside(), inside({ backup: 'missing', backupAgeDays: null }))).toEqual([['backup', 'backup', 'ok', 'missing', true, false]]);
  });

  it('product, Asterisk and database versions changed', () => {
    expect(kinds(inside(), inside({ productVersion: '7.3.0', asteriskVersion: '20.6.0', databaseVersion: '10.11.7-MariaDB' }))).toEqual([
      ['version', 'Asterisk', '20.5.0', '20.6.0', false, false],
      ['version', 'database', '10.11.6-MariaDB', '10.11.7-MariaDB', false, false],
      ['version', 'product', '7.2.1', '7.3.0', false, false],
    ]);
  });

  it('emergency criteria met, and no longer met', () => {
    const met = inside({ emergency: ['50% of calls or more unable to pass'] });
    expect(kinds(inside(), met)).toEqual([['emergency', '50% of calls or more unable to pass', null, '50% of calls or more unable to pass', true, false]]);
    expect(kinds(met, inside())).toEqual([['emergency', '50% of calls or more unable to pass', '50% of calls or more unable to pass', null, false, true]]);
  });

  it('an inside view lost is one change (not every fact gone); back is a recovery; no inside view on one side compares nothing', () => {
    const lost = inside({ unavailable: 'GET http://x/report timed out after 3000 ms' });
    expect(kinds(inside(), { via: 'http', unavailable: 'timed out' })).toEqual([['inside_view', null, 'available', 'unavailable', true, false]]);
    expect(kinds(lost, inside({ asterisk: 'down' }))).toEqual([['inside_view', null, 'unavailable', 'available', false, true]]);
    expect(kinds(undefined, inside())).toEqual([]);
    expect(kinds(inside(), undefined)).toEqual([]);
  });

  it('outside recoveries: a required port open again, the verdict back to ready', () => {
    const bad = hostSummary({ verdict: 'not-ready', ports: [{ port: 443, state: 'filtered', required: true }] });
    const changes = hostDrift(bad, hostSummary());
    expect(changes.map((c) => [c.kind, c.recovery ?? false])).toEqual([['verdict', true], ['port_state', true]]);
  });
});

describe('what a run keeps of the inside view', () => {
  it('from a merged agent report: versions, states, bands and criteria from the agent\'s own findings', () => {
    const agent: AgentReport = agentReport({
      findings: [
        { code: 'DISK_SPACE_LOW', severity: 'fail', subject: '/var', message: 'm', remedy: 'r' },
        { code: 'BACKUP_OLD', severity: 'warn', subject: '/opt/backup/x.tar.gz', message: 'm', remedy: 'r' },
        { code: 'EMERGENCY_CRITERIA_MET', severity: 'fail', subject: 'system down', message: 'm', remedy: 'r' },
      ],
    });
    agent.disks = [{ mount: '/var', sizeBytes: 100, usedBytes: 95, availBytes: 5, usePercent: 95, holds: ['database'] }, { mount: '/', sizeBytes: 100, usedBytes: 10, availBytes: 90, usePercent: 10, holds: [] }];
    const s = insideSummary(agent, 'ssh');
    expect(s).toMatchObject({ via: 'ssh', backup: 'old', emergency: ['system down'], disks: [{ mount: '/var', band: 'fail' }, { mount: '/', band: 'ok' }] });
    expect(s.unavailable).toBeUndefined();
    const report = { ...checkReport([]), agent };
    expect(summarize(report, { key: 'k', tags: [] }, { via: 'ssh' }).inside).toEqual(s);
    expect(summarize(report, { key: 'k', tags: [] }).inside).toBeUndefined();
    expect(summarize(checkReport([]), { key: 'k', tags: [] }, { via: 'http', failure: 'refused (HTTP 401)' }).inside).toEqual({ via: 'http', unavailable: 'refused (HTTP 401)' });
  });
});
