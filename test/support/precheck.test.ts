import { describe, expect, it } from 'vitest';
import { compareVersions, decide, downtimeEstimate, precheck, upgradeSpaceNeeded } from '../../shared/precheck.js';
import type { AgentReport, CheckReport, PrecheckItem } from '../../shared/model.js';
import { agentReport, checkReport, port } from '../fixtures/reports.js';

const GiB = 1024 ** 3;
const ITEM_IDS = ['reach-gui', 'reach-ssh', 'configuration', 'custom-development', 'disk-space', 'cdr-size', 'backup', 'active-calls', 'version', 'downtime'];

function sshOk(): ReturnType<typeof port> {
  return port(2020, 'open', {
    ssh: { banner: 'SSH-2.0-OpenSSH_9.2', hostKeyType: 'ssh-ed25519', fingerprint: 'SHA256:x', authMethods: ['publickey'], auth: { user: 'root', method: 'publickey', ok: true } },
  });
}

function healthyCheck(agent: AgentReport | null = agentReport()): CheckReport {
  const c = checkReport([port(80, 'open'), port(81, 'open'), port(443, 'open'), sshOk()]);
  if (agent) c.agent = agent;
  return c;
}

function byId(items: PrecheckItem[], id: string): PrecheckItem {
  const it = items.find((i) => i.id === id);
  if (!it) throw new Error(`no item ${id}`);
  return it;
}

describe('precheck: every item, every time', () => {
  it('a healthy host with a target version is go, exit-code verdict ready', () => {
    const r = precheck({ check: healthyCheck(), targetVersion: '7.2.0', agentVia: 'ssh' });
    expect(r.items.map((i) => i.id)).toEqual(ITEM_IDS);
    expect(r.items.filter((i) => i.status !== 'pass').map((i) => [i.id, i.status, i.evidence])).toEqual([]);
    expect(r.decision).toBe('go');
    expect(r.verdict).toBe('ready');
    expect(r.actions).toEqual([]);
    expect(r.currentVersion).toBe('7.1.0');
    for (const i of r.items) expect(i.evidence.length).toBeGreaterThan(0);
  });

  it('promises no check it does not make: nothing says version-specific pre-checks follow, with or without --to', () => {
    for (const to of ['7.2.0', null]) {
      const r = precheck({ check: healthyCheck(), targetVersion: to, agentVia: 'ssh' });
      const said = JSON.stringify(r.items) + JSON.stringify(r.actions);
      expect(said).not.toMatch(/version-specific|pre-checks? (for .* )?follow/i);
    }
    expect(byId(precheck({ check: healthyCheck(), targetVersion: '7.2.0', agentVia: 'ssh' }).items, 'version').evidence).toMatch(/ → 7\.2\.0: an upgrade$/);
  });

  it('without the agent: every inside item is unknown with "needs the agent", and the decision cannot be go', () => {
    const r = precheck({ check: healthyCheck(null), targetVersion: '7.2.0', agentProblem: 'pbxready-agent not found on the host (exit 127)' });
    expect(r.items.map((i) => i.id)).toEqual(ITEM_IDS);
    for (const i of r.items.slice(2)) {
      expect(i.status).toBe('unknown');
      expect(i.evidence).toContain('needs the agent');
      expect(i.evidence).toContain('exit 127');
    }
    expect(byId(r.items, 'reach-gui').status).toBe('pass');
    expect(r.decision).toBe('unknown');
    expect(r.verdict).toBe('unknown');
    expect(r.summary).toContain("Cannot be go without the host agent's facts");
  });

  it('without the agent but SSH filtered: no-go (a failure outweighs the unknowns)', () => {
    const c = checkReport([port(80, 'open'), port(81, 'open'), port(443, 'open'), port(2020, 'filtered')]);
    const r = precheck({ check: c, targetVersion: null, agentProblem: 'no SSH port open' });
    expect(byId(r.items, 'reach-ssh').status).toBe('fail');
    expect(r.decision).toBe('no-go');
  });
});

describe('precheck items', () => {
  const cases: Array<[string, string, Partial<AgentReport> | ((c: CheckReport) => void), string | null, 'pass' | 'warn' | 'fail' | 'unknown', RegExp]> = [
    ['same version is refused', 'version', {}, '7.1.0', 'fail', /already on 7\.1\.0/],
    ['downgrade is refused', 'version', {}, '6.8', 'fail', /downgrade is refused/],
    ['upgrade accepted', 'version', {}, '7.1.1', 'pass', /7\.1\.0 → 7\.1\.1/],
    ['no --to is a warning', 'version', {}, null, 'warn', /no target version/],
    ['unknown installed version', 'version', { product: { name: 'pbxware', version: null } }, '7.2', 'unknown', /installed version is unknown/],
    ['calls in progress', 'active-calls', { asterisk: { version: '18', running: true, activeCalls: 3, endpoints: null, trunks: [] } }, '7.2', 'warn', /3 call\(s\) in progress/],
    ['call count unknown', 'active-calls', { asterisk: { version: '18', running: true, activeCalls: null, endpoints: null, trunks: [] } }, '7.2', 'unknown', /did not report/],
    ['asterisk down', 'active-calls', { asterisk: { version: '18', running: false, activeCalls: null, endpoints: null, trunks: [], reason: 'no asterisk.ctl' } }, '7.2', 'warn', /not running \(no asterisk\.ctl\)/],
    ['no space for a rebuild', 'disk-space', { disks: [{ mount: '/var', sizeBytes: 20 * GiB, usedBytes: 19 * GiB, availBytes: 1 * GiB, usePercent: 95, holds: ['database'] }] }, '7.2', 'fail', /\/var has 1\.0 GiB free.*needs about 2\.1 GiB/],
    ['space with little margin', 'disk-space', { disks: [{ mount: '/', sizeBytes: 20 * GiB, usedBytes: 17.5 * GiB, availBytes: 2.5 * GiB, usePercent: 88, holds: ['database'] }] }, '7.2', 'warn', /little margin/],
    ['database disk found from dataDir', 'disk-space', {
      database: { reachable: true, version: '10', schemas: [], dataDir: '/var/lib/mysql' },
      disks: [
        { mount: '/', sizeBytes: 100 * GiB, usedBytes: 0, availBytes: 100 * GiB, usePercent: 0, holds: [] },
        { mount: '/var/lib/mysql', sizeBytes: 10 * GiB, usedBytes: 9.5 * GiB, availBytes: 0.5 * GiB, usePercent: 95, holds: [] },
      ],
    }, '7.2', 'fail', /\/var\/lib\/mysql has/],
    ['cdr size unknown', 'disk-space', { cdr: null }, '7.2', 'warn', /CDR size is unknown/],
    ['large CDR table', 'cdr-size', { cdr: { table: 'pbxware.cdr', engine: 'InnoDB', rows: 40_000_000, rowsExact: false, dataBytes: 12 * GiB, indexBytes: 3 * GiB, oldest: null, newest: null, lastHour: null } }, '7.2', 'warn', /40,000,000 rows \(estimate\), 15\.0 GiB/],
    ['cdr unreadable', 'cdr-size', { cdr: { table: 'pbxware.cdr', engine: null, rows: null, rowsExact: false, dataBytes: null, indexBytes: null, oldest: null, newest: null, lastHour: null, error: 'access denied' } }, '7.2', 'unknown', /access denied/],
    ['custom development', 'custom-development', { custom: { customConfFiles: ['extensions_custom.conf'], agiScripts: ['a.php', 'b.php', 'c.php', 'd.php'], modifiedPackageFiles: [], newestBackup: null } }, '7.2', 'warn', /1 custom configuration file\(s\) \(extensions_custom\.conf\); 4 AGI script\(s\) \(a\.php, b\.php, c\.php, …\)/],
    ['no backup', 'backup', { custom: { customConfFiles: [], agiScripts: [], modifiedPackageFiles: [], newestBackup: null, backupDir: '/opt/backup' } }, '7.2', 'warn', /no backup found under \/opt\/backup/],
    ['old backup', 'backup', { custom: { customConfFiles: [], agiScripts: [], modifiedPackageFiles: [], newestBackup: { path: '/opt/backup/x.tgz', ageDays: 40 } } }, '7.2', 'warn', /40 day\(s\) old/],
    ['product not detected', 'configuration', { product: { name: 'unknown', version: null } }, '7.2', 'fail', /product not detected/],
    ['product differs from the outside guess', 'configuration', { product: { name: 'issabel', version: '4.0' } }, '4.1', 'warn', /assumed PBXware/],
    ['GUI all filtered', 'reach-gui', (c) => { c.ports = [port(80, 'filtered'), port(81, 'filtered'), port(443, 'filtered'), sshOk()]; }, '7.2', 'fail', /no GUI port answers: 80 filtered/],
    ['one GUI port closed', 'reach-gui', (c) => { c.ports = [port(80, 'open'), port(81, 'closed'), port(443, 'open'), sshOk()]; }, '7.2', 'warn', /81 closed/],
    ['SSH login failed', 'reach-ssh', (c) => {
      c.ports = [port(80, 'open'), port(81, 'open'), port(443, 'open'), port(2020, 'open', { ssh: { banner: 'SSH-2.0-x', hostKeyType: null, fingerprint: null, authMethods: [], auth: { user: 'root', method: 'password', ok: false, error: 'denied' } } })];
    }, '7.2', 'fail', /login as root failed: denied/],
    ['SSH host key mismatch', 'reach-ssh', (c) => {
      c.ports = [port(80, 'open'), port(81, 'open'), port(443, 'open'), port(2020, 'open', { ssh: { banner: 'SSH-2.0-x', hostKeyType: null, fingerprint: 'SHA256:new', authMethods: [], hostKey: 'mismatch' } })];
    }, '7.2', 'fail', /SHA256:new, not the pinned/],
    ['joint diagnosis named in the evidence', 'reach-ssh', (c) => {
      c.ports = [port(80, 'open'), port(81, 'open'), port(443, 'open'), port(2020, 'filtered')];
      c.findings = [{ code: 'PORT_BLOCKED_UPSTREAM', severity: 'fail', port: 2020, address: '203.0.113.10', message: 'm', remedy: 'open the forward' }];
    }, '7.2', 'fail', /2020 filtered \[PORT_BLOCKED_UPSTREAM\]/],
  ];

  it.each(cases)('%s', (_name, id, change, to, status, evidence) => {
    const agent = agentReport(typeof change === 'function' ? {} : change);
    const check = healthyCheck(agent);
    if (typeof change === 'function') change(check);
    const r = precheck({ check, targetVersion: to, agentVia: 'file' });
    const it = byId(r.items, id);
    expect(it.status).toBe(status);
    expect(it.evidence).toMatch(evidence);
    if (status === 'fail' || status === 'warn') {
      expect(it.action).toBeTruthy();
      expect(r.actions).toContain(it.action);
    } else expect(it.action).toBeUndefined();
    expect(r.decision).toBe(decide(r.items));
  });

  it('the remedy of the port finding becomes the action', () => {
    const check = healthyCheck();
    check.ports = [port(80, 'open'), port(81, 'open'), port(443, 'open'), port(2020, 'filtered')];
    check.findings = [{ code: 'PORT_BLOCKED_UPSTREAM', severity: 'fail', port: 2020, address: '203.0.113.10', message: 'm', remedy: 'open the forward' }];
    const r = precheck({ check, targetVersion: '7.2', agentVia: 'file' });
    expect(r.actions).toContain('open the forward');
    expect(r.decision).toBe('no-go');
    expect(r.summary).toMatch(/^No-go: reachability: ssh must be fixed first\.$/);
  });
});

describe('decision, versions, space, downtime', () => {
  it.each([
    [['pass', 'pass'], 'go'],
    [['pass', 'warn'], 'go-with-warnings'],
    [['warn', 'unknown'], 'unknown'],
    [['unknown', 'fail'], 'no-go'],
  ] as const)('%j → %s', (statuses, decision) => {
    expect(decide(statuses.map((status, i) => ({ id: String(i), title: 't', status, evidence: 'e' })))).toBe(decision);
  });

  it.each([
    ['7.1.0', '7.2', -1],
    ['7.2', '7.2.0', 0],
    ['6.7.1 (rev 123)', '6.7.0', 1],
    ['10.0', '9.9.9', 1],
    ['unknown', '7', null],
  ] as const)('compareVersions(%s, %s) = %s', (a, b, r) => expect(compareVersions(a, b)).toBe(r));

  it('upgrade space is CDR × 1.2 + 2 GiB', () => {
    expect(upgradeSpaceNeeded(0)).toBe(2 * GiB);
    expect(upgradeSpaceNeeded(10 * GiB)).toBe(14 * GiB);
  });

  it('downtime is anchored on the vendor 15–30 minutes and grows with the CDR table', () => {
    expect(downtimeEstimate(null)).toBeNull();
    expect(downtimeEstimate(100 * 1024 ** 2)).toMatchObject({ minMinutes: 15, maxMinutes: 30 });
    expect(downtimeEstimate(1 * GiB)).toMatchObject({ minMinutes: 15, maxMinutes: 30 });
    const big = downtimeEstimate(30 * GiB)!;
    // 29 GiB beyond the ordinary 1 GiB: at 50 MiB/s ≈ 9.9 min (→ +5), at 10 MiB/s ≈ 49.5 min (→ +50).
    expect(big).toMatchObject({ minMinutes: 20, maxMinutes: 80 });
    expect(big.basis).toContain("vendor's 15–30 minutes");
    const r = precheck({ check: healthyCheck(agentReport({ cdr: { table: 'pbxware.cdr', engine: 'InnoDB', rows: 1, rowsExact: true, dataBytes: 30 * GiB, indexBytes: 0, oldest: null, newest: null, lastHour: null } })), targetVersion: '7.2', agentVia: 'file' });
    expect(byId(r.items, 'downtime')).toMatchObject({ status: 'warn', action: 'Agree an off-hours window of at least 80 minutes with the vendor.' });
  });
});
