// The agent against a real MariaDB and fixture sysroots: every field of the report and every
// finding the facts call for, including the sources that cannot be read.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { collectReport } from '../../agent/collect.js';
import { resolveOptions, type CommonArgs } from '../../agent/options.js';
import { lastHourSql } from '../../agent/sources/cdr.js';
import type { AgentReport } from '../../shared/model.js';
import { createIssabelCdr, createPbxwareCdr, createReader, freePort, seedCalls, startMariaDb, type MariaDb } from '../harness/mariadb.js';
import { ASTERISK, RPM, cleanupRoots, codes, fixtureRoot, silentLog } from './helpers.js';

let db: MariaDb;

beforeAll(async () => {
  db = await startMariaDb();
  await createReader(db, 'pbxreader', 'Fixture-Pbxware-Db-S3cret');
  await createReader(db, 'asteriskuser', 'Fixture-Amp-Db-S3cret');
  await createReader(db, 'vpsreader', 'Fixture-Vps-Db-S3cret');
  await createPbxwareCdr(db);
  // 12 of 20 calls in the last hour failed: the emergency criterion is met.
  await seedCalls(db, 'pbxware.cdr', { lastHour: 20, lastHourFailed: 12, older: 5000, days: 60 });
  await createIssabelCdr(db);
  // 3 of 20 failed: an ordinary hour.
  await seedCalls(db, 'asteriskcdrdb.cdr', { lastHour: 20, lastHourFailed: 3, older: 300 });
});

const configDir = join(tmpdir(), `pbxready-agent-config-${process.pid}`);

afterAll(async () => {
  await db?.stop();
  cleanupRoots();
  rmSync(configDir, { recursive: true, force: true });
});

const tcp = (): CommonArgs => ({ dbHost: '127.0.0.1', dbPort: String(db.port) });

function writeConfig(config: unknown): string {
  mkdirSync(configDir, { recursive: true });
  const file = join(configDir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

const report = (args: CommonArgs): Promise<AgentReport> => collectReport(resolveOptions(args), silentLog);

describe('PBXware host with a real MariaDB', () => {
  let r: AgentReport;
  beforeAll(async () => {
    r = await report({ root: fixtureRoot('pbxware', { backupAgeDays: 10 }), asteriskCmd: ASTERISK.pjsip20, ...tcp() });
  });

  test('host, product and versions', () => {
    expect(r.kind).toBe('agent');
    expect(r.schemaVersion).toBe(1);
    expect(r.tool.name).toBe('pbxready');
    expect(Date.parse(r.generatedAt)).toBeGreaterThan(0);
    expect(r.host.hostname.length).toBeGreaterThan(0);
    expect(r.host.os.length).toBeGreaterThan(0);
    expect(r.host.kernel).toMatch(/\d+\.\d+/);
    expect(r.host.uptimeSeconds).toBeGreaterThan(0);
    expect(r.product).toMatchObject({ name: 'pbxware', version: '7.2.1', edition: 'Multi-Tenant', licence: '700123456' });
  });

  test('asterisk runtime from the recorded Asterisk 20 output', () => {
    expect(r.asterisk).toMatchObject({
      version: '20.5.2',
      running: true,
      uptimeSeconds: 1209645,
      activeChannels: 4,
      activeCalls: 2,
      endpoints: { total: 10, reachable: 7 },
      trunks: [
        { name: 'provider-main', state: 'Registered' },
        { name: 'provider-backup', state: 'Rejected' },
      ],
      cdrBackends: ['cdr_manager (suspended)', 'mysql'],
    });
  });

  test('database and CDR table, read cheaply', () => {
    expect(r.database.reachable).toBe(true);
    expect(r.database.version).toMatch(/MariaDB/);
    expect(r.database.dataDir).toBe(`${db.dataDir}/`);
    expect(r.database.schemas.map((s) => s.name)).toEqual(expect.arrayContaining(['pbxware', 'asteriskcdrdb', 'mysql']));
    expect(r.database.credentialsSource).toContain('pbxware.ini');
    const cdr = r.cdr!;
    expect(cdr).toMatchObject({ table: 'pbxware.cdr', engine: 'InnoDB', rowsExact: false, lastHour: { calls: 20, failed: 12, failedRatio: 0.6 } });
    expect(cdr.rows).toBeGreaterThan(0);
    expect(cdr.dataBytes).toBeGreaterThan(0);
    expect(cdr.indexBytes).toBeGreaterThan(0);
    expect(cdr.oldest! < cdr.newest!).toBe(true);
  });

  test('disks: real filesystems, and which holds the database, recordings and backups', () => {
    expect(r.disks.length).toBeGreaterThan(0);
    for (const d of r.disks) {
      expect(d.sizeBytes).toBeGreaterThan(0);
      expect(d.usePercent).toBeGreaterThanOrEqual(0);
      expect(d.usePercent).toBeLessThanOrEqual(100);
    }
    const holds = r.disks.flatMap((d) => d.holds);
    expect(holds).toEqual(expect.arrayContaining(['database', 'recordings', 'backups']));
  });

  test('each fact source\'s own time is in timings, within the collection\'s', () => {
    expect(Object.keys(r.timings!).sort()).toEqual(['asterisk', 'cdr', 'custom', 'database', 'disks', 'fail2ban', 'host', 'listening', 'packet-filter', 'product', 'public-address', 'session']);
    for (const ms of Object.values(r.timings!)) {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThanOrEqual(r.durationMs + 1);
    }
  });

  test('custom development and backups', () => {
    expect(r.custom).toMatchObject({
      customConfFiles: ['sip_custom.conf'],
      agiScripts: ['crm-lookup.agi'],
      modifiedPackageFiles: [],
      packageCheck: { measured: false },
    });
    expect(r.custom!.packageCheck!.reason).toMatch(/^not measured/);
    expect(r.custom!.newestBackup!.ageDays).toBeCloseTo(10, 0);
  });

  test('findings: emergency, trunk, endpoints, custom development, old backup', () => {
    expect(codes(r)).toEqual(expect.arrayContaining(['EMERGENCY_CRITERIA_MET', 'TRUNK_UNREGISTERED', 'ENDPOINTS_UNREACHABLE', 'CUSTOM_DEVELOPMENT_FOUND', 'BACKUP_OLD']));
    expect(r.findings.find((f) => f.code === 'EMERGENCY_CRITERIA_MET')!.message).toContain('12 of 20 calls');
    expect(r.findings.find((f) => f.code === 'TRUNK_UNREGISTERED')!.message).toContain('provider-backup is Rejected');
    expect(r.findings.find((f) => f.code === 'ENDPOINTS_UNREACHABLE')!.message).toContain('3 of 10 endpoints (30%)');
    expect(codes(r)).not.toContain('DB_UNREACHABLE');
    expect(codes(r)).not.toContain('SOURCE_UNREADABLE');
    expect(r.verdict).toBe('not-ready');
  });
});

test('Issabel host: MyISAM rows are exact, chan_sip endpoints and registry, an ordinary hour', async () => {
  const r = await report({ root: fixtureRoot('issabel'), asteriskCmd: ASTERISK.chansip18, ...tcp() });
  expect(r.product.name).toBe('issabel');
  expect(r.product.licence).toBeUndefined();
  expect(r.database.credentialsSource).toContain('/etc/amportal.conf');
  expect(r.cdr).toMatchObject({ table: 'asteriskcdrdb.cdr', engine: 'MyISAM', rowsExact: true, rows: 320, lastHour: { calls: 20, failed: 3 } });
  expect(r.asterisk).toMatchObject({ version: '18.20.0', running: true, activeCalls: 0, endpoints: { total: 5, reachable: 5 } });
  expect(r.asterisk.trunks).toEqual([{ name: '700123@sip.provider.example:5060', state: 'Registered' }]);
  expect(codes(r)).not.toContain('EMERGENCY_CRITERIA_MET');
  expect(codes(r)).not.toContain('CUSTOM_DEVELOPMENT_FOUND');
  expect(codes(r)).not.toContain('BACKUP_OLD');
  expect(codes(r)).not.toContain('BACKUP_MISSING');
  expect(codes(r)).not.toContain('TRUNK_UNREGISTERED');
});

describe('rpm -V of the product\'s packages (--rpm-cmd: recorded output, paths are the host\'s)', () => {
  test('modified package files: CUSTOM_DEVELOPMENT_FOUND names them; the version comes from rpm -q', async () => {
    const r = await report({ root: fixtureRoot('issabel'), asteriskCmd: ASTERISK.chansip18, rpmCmd: RPM.modified, ...tcp() });
    expect(r.custom!.packageCheck).toEqual({ measured: true, reason: 'rpm -V issabel-framework issabelPBX asterisk' });
    expect(r.custom!.modifiedPackageFiles).toEqual([
      '/etc/asterisk/extensions.conf',
      '/etc/asterisk/sip_general_additional.conf',
      '/etc/asterisk/modules.conf',
      '/var/www/html/modules/pbxadmin/themes/default/index.tpl',
      '/var/lib/asterisk/agi-bin/dialparties.agi',
      '/var/lib/asterisk/sounds/custom/welcome.wav',
    ]);
    const f = r.findings.find((x) => x.code === 'CUSTOM_DEVELOPMENT_FOUND');
    expect(f?.severity).toBe('warn');
    expect(f?.message).toContain('6 modified package file(s) (/etc/asterisk/extensions.conf,');
    expect(r.product.version).toBe('4.0.0-6');
    expect(codes(r)).not.toContain('SOURCE_UNREADABLE');
  });

  test('an unmodified install: measured, nothing found; the config key rpmCmd works the same', async () => {
    const r = await report({ root: fixtureRoot('issabel'), asteriskCmd: ASTERISK.chansip18, ...tcp(), config: writeConfig({ rpmCmd: RPM.clean }) });
    expect(r.custom!.packageCheck!.measured).toBe(true);
    expect(r.custom!.modifiedPackageFiles).toEqual([]);
    expect(codes(r)).not.toContain('CUSTOM_DEVELOPMENT_FOUND');
  });

  test('Issabel\'s support level: an older version and the Call Center module (rpm -q) are findings; a current one without it is not', async () => {
    const old = await report({ root: fixtureRoot('issabel'), asteriskCmd: ASTERISK.chansip18, rpmCmd: RPM.callcenter, ...tcp() });
    expect(old.product.version).toBe('2.5.0-3');
    expect(old.product.callCenter).toEqual({ installed: true, evidence: 'rpm -q issabel-callcenter: 2.2.0-4' });
    expect(old.findings.find((f) => f.code === 'ISSABEL_VERSION_LIMITED')).toMatchObject({
      severity: 'warn',
      message: 'Issabel 2.5.0-3 is older than Issabel 4.0: Issabel gives older versions a limited level of support.',
    });
    expect(old.findings.find((f) => f.code === 'ISSABEL_CALLCENTER_EOL')?.message).toBe("Issabel's Call Center module is installed (rpm -q issabel-callcenter: 2.2.0-4); it is at end of life, and support is limited on versions that include it.");
    const current = await report({ root: fixtureRoot('issabel'), asteriskCmd: ASTERISK.chansip18, rpmCmd: RPM.clean, ...tcp() });
    expect(current.product.callCenter).toEqual({ installed: false, evidence: 'rpm: package issabel-callcenter is not installed' });
    expect(codes(current)).not.toContain('ISSABEL_VERSION_LIMITED');
    expect(codes(current)).not.toContain('ISSABEL_CALLCENTER_EOL');
  });

  test('without --rpm-cmd under --root, rpm is not asked: "not measured", no finding', async () => {
    const r = await report({ root: fixtureRoot('issabel'), asteriskCmd: ASTERISK.chansip18, ...tcp() });
    expect(r.custom!.packageCheck).toMatchObject({ measured: false });
    expect(r.custom!.packageCheck!.reason).toContain('--rpm-cmd');
  });

  test('an rpm that cannot be run: SOURCE_UNREADABLE with the reason', async () => {
    const r = await report({ root: fixtureRoot('issabel'), asteriskCmd: ASTERISK.chansip18, rpmCmd: '/nonexistent/rpm', ...tcp() });
    expect(r.custom!.packageCheck!.measured).toBe(false);
    expect(r.findings.find((x) => x.code === 'SOURCE_UNREADABLE')?.message).toContain('/nonexistent/rpm: not found');
  });
});

test('SERVERware host: looks into the first PBXware VPS; no backup gives BACKUP_MISSING', async () => {
  const r = await report({ root: fixtureRoot('serverware'), asteriskCmd: ASTERISK.pjsip20, ...tcp() });
  expect(r.product).toMatchObject({ name: 'serverware', version: '4.2.0' });
  expect(r.product.evidence).toContain('vps1');
  expect(r.database.reachable).toBe(true);
  expect(r.database.credentialsSource).toContain('/home/lxc/vps1/rootfs/opt/pbxware/pw/etc/pbxware/pbxware.ini');
  const missing = r.findings.find((f) => f.code === 'BACKUP_MISSING');
  expect(missing?.message).toContain('/opt/backup');
});

test('Asterisk down: ASTERISK_NOT_RUNNING in the CLI\'s own words; the version still comes from -V', async () => {
  const r = await report({ root: fixtureRoot('pbxware'), asteriskCmd: ASTERISK.down, ...tcp() });
  expect(r.asterisk.running).toBe(false);
  expect(r.asterisk.version).toBe('20.5.2');
  const f = r.findings.find((x) => x.code === 'ASTERISK_NOT_RUNNING');
  expect(f?.severity).toBe('fail');
  expect(f?.message).toContain('Unable to connect to remote asterisk');
});

test('no asterisk binary at all: a gap naming the CLI (SOURCE_UNREADABLE), not a stopped Asterisk', async () => {
  const r = await report({ root: fixtureRoot('pbxware'), asteriskCmd: '/nonexistent/asterisk', ...tcp() });
  expect(codes(r)).not.toContain('ASTERISK_NOT_RUNNING');
  expect(r.asterisk).toMatchObject({ running: false, notMeasured: expect.stringContaining('/nonexistent/asterisk') });
  const f = r.findings.find((x) => x.code === 'SOURCE_UNREADABLE' && x.subject === 'asterisk');
  expect(f?.message).toContain('the asterisk CLI (/nonexistent/asterisk) is not installed');
  expect(f?.message).toContain('not found');
});

test('unreachable database: DB_UNREACHABLE with the reason; the CDR table is "not measured", not a second failure', async () => {
  const closed = await freePort();
  const r = await report({ root: fixtureRoot('pbxware'), asteriskCmd: ASTERISK.pjsip20, dbHost: '127.0.0.1', dbPort: String(closed) });
  expect(r.database.reachable).toBe(false);
  const f = r.findings.find((x) => x.code === 'DB_UNREACHABLE');
  expect(f?.severity).toBe('fail');
  expect(f?.message).toContain(`127.0.0.1:${closed}`);
  expect(f?.message).toContain('ECONNREFUSED');
  expect(r.cdr?.notMeasured).toBe('the database is unreachable');
  expect(codes(r)).not.toContain('CDR_UNREADABLE');
});

test('wrong password: DB_UNREACHABLE with "Access denied", and the password appears nowhere', async () => {
  process.env.PBXREADY_TEST_WRONG_PW = 'Wrong-Password-For-Test-99';
  const r = await report({ root: fixtureRoot('pbxware'), asteriskCmd: ASTERISK.pjsip20, ...tcp(), dbUser: 'pbxreader', dbPasswordEnv: 'PBXREADY_TEST_WRONG_PW' });
  const f = r.findings.find((x) => x.code === 'DB_UNREACHABLE');
  expect(f?.message).toContain('Access denied');
  expect(f?.remedy).toContain('--db-* flags');
  expect(JSON.stringify(r)).not.toContain('Wrong-Password-For-Test-99');
});

test('missing CDR table: CDR_UNREADABLE names the table', async () => {
  const r = await report({ root: fixtureRoot('pbxware'), asteriskCmd: ASTERISK.pjsip20, ...tcp(), cdrTable: 'pbxware.cdr_archive' });
  const f = r.findings.find((x) => x.code === 'CDR_UNREADABLE');
  expect(f?.message).toContain('pbxware.cdr_archive');
  expect(f?.message).toContain('does not exist');
});

test('a CDR table without a calldate index: time-based figures are "not measured" (no full scan)', async () => {
  await db.admin.query('CREATE TABLE IF NOT EXISTS pbxware.cdr_noindex (calldate DATETIME NOT NULL, disposition VARCHAR(45) NOT NULL) ENGINE=InnoDB; INSERT INTO pbxware.cdr_noindex VALUES (NOW(), "FAILED")');
  const r = await report({ root: fixtureRoot('pbxware'), asteriskCmd: ASTERISK.pjsip20, ...tcp(), cdrTable: 'pbxware.cdr_noindex' });
  expect(r.cdr?.lastHour).toBeNull();
  expect(r.cdr?.oldest).toBeNull();
  expect(r.cdr?.notMeasured).toContain('no index on calldate');
  expect(r.cdr?.engine).toBe('InnoDB');
});

test('the harness\'s server keeps its temp tables in its own directory, not the shared /tmp', async () => {
  const [rows] = (await db.admin.query('SELECT @@tmpdir AS tmpdir')) as unknown as [Array<{ tmpdir: string }>];
  expect(rows[0]!.tmpdir).toBe(db.tmpDir);
  expect(db.tmpDir.startsWith(join(db.dataDir, '..'))).toBe(true);
});

test('the last-hour and oldest/newest queries use the calldate index, never a full scan', async () => {
  for (const table of ['pbxware.cdr', 'asteriskcdrdb.cdr']) {
    const [hour] = (await db.admin.query(`EXPLAIN ${lastHourSql(table)}`)) as unknown as [Array<{ type: string; key: string | null; rows: number }>];
    expect(hour[0]!.key).toBe('calldate');
    expect(hour[0]!.type).toBe('range');
    const [oldest] = (await db.admin.query(`EXPLAIN SELECT calldate FROM ${table} ORDER BY calldate ASC LIMIT 1`)) as unknown as [Array<{ type: string; key: string | null }>];
    expect(oldest[0]!.key).toBe('calldate');
    expect(oldest[0]!.type).not.toBe('ALL');
  }
});

test('thresholds from the config file: DISK_SPACE_LOW (warn, then fail), INODES_LOW, CDR_TABLE_LARGE, UPGRADE_SPACE_INSUFFICIENT', async () => {
  const root = fixtureRoot('pbxware');
  const warn = await report({
    root,
    asteriskCmd: ASTERISK.pjsip20,
    ...tcp(),
    config: writeConfig({ thresholds: { diskWarnPercent: 0, diskFailPercent: 100.1, inodesWarnPercent: 0, cdrRowsWarn: 100, upgradeSpaceMarginBytes: 1e18 } }),
  });
  expect(warn.findings.filter((f) => f.code === 'DISK_SPACE_LOW').every((f) => f.severity === 'warn')).toBe(true);
  expect(codes(warn)).toEqual(expect.arrayContaining(['DISK_SPACE_LOW', 'INODES_LOW', 'CDR_TABLE_LARGE', 'UPGRADE_SPACE_INSUFFICIENT']));
  expect(warn.findings.find((f) => f.code === 'CDR_TABLE_LARGE')!.message).toContain('estimated');
  const fail = await report({ root, asteriskCmd: ASTERISK.pjsip20, ...tcp(), config: writeConfig({ thresholds: { diskWarnPercent: 0, diskFailPercent: 0 } }) });
  const low = fail.findings.filter((f) => f.code === 'DISK_SPACE_LOW');
  expect(low.length).toBeGreaterThan(0);
  expect(low.every((f) => f.severity === 'fail')).toBe(true);
  expect(codes(fail)).not.toContain('UPGRADE_SPACE_INSUFFICIENT');
});

test('no product under --root: PRODUCT_NOT_DETECTED, and no invented facts', async () => {
  const root = fixtureRoot('empty');
  const r = await report({ root, asteriskCmd: ASTERISK.pjsip20 });
  expect(r.product).toMatchObject({ name: 'unknown', version: null });
  expect(r.findings.find((f) => f.code === 'PRODUCT_NOT_DETECTED')?.message).toContain(root);
  expect(r.custom).toBeUndefined();
  expect(r.findings.find((f) => f.code === 'DB_UNREACHABLE')?.message).toContain('no product found');
});

test('a credentials file that cannot be read: SOURCE_UNREADABLE with the reason', async () => {
  const root = fixtureRoot('pbxware');
  const ini = join(root, 'opt/pbxware/pw/etc/pbxware/pbxware.ini');
  rmSync(ini);
  mkdirSync(ini); // a directory where the file should be: EISDIR, readable by nobody, even root
  const r = await report({ root, asteriskCmd: ASTERISK.pjsip20, ...tcp() });
  const f = r.findings.find((x) => x.code === 'SOURCE_UNREADABLE');
  expect(f?.message).toContain('/opt/pbxware/pw/etc/pbxware/pbxware.ini');
  expect(f?.message).toContain('is a directory');
  expect(codes(r)).toContain('DB_UNREACHABLE');
});

describe('listening sockets', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('a configured port that listens is reported with its address and owning process', async () => {
    const r = await report({ root: fixtureRoot('pbxware'), asteriskCmd: ASTERISK.pjsip20, ...tcp(), config: writeConfig({ ports: [port] }) });
    const mine = r.listening.find((l) => l.port === port);
    expect(mine).toMatchObject({ address: '127.0.0.1', pid: process.pid });
    expect(mine!.process).toMatch(/node|vitest/);
    // The MariaDB under test listens on a random port, not 3306: it must not be reported.
    expect(r.listening.find((l) => l.port === db.port)).toBeUndefined();
  });
});
