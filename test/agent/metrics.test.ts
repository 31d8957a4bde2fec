// pbxready-agent's GET /metrics: the report as Prometheus metrics (pure module), checked by the real
// promtool on the real output of `serve`; the bearer token by default, loopback without it only when
// configured, and never beyond loopback.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { collectReport } from '../../agent/collect.js';
import { agentFamilies } from '../../agent/metrics.js';
import { resolveOptions } from '../../agent/options.js';
import { METRICS_MAX_AGE_MS, createReportServer, isLoopback } from '../../agent/report-server.js';
import { MAX_LABEL_VALUE_CHARS, exposition } from '../../shared/render/prometheus.js';
import { agentReport } from '../fixtures/reports.js';
import { startListening, type Listening } from '../harness/cli.js';
import { createNetns, type TestNetns } from '../harness/netns.js';
import { promtool } from '../harness/prometheus.js';
import { ASTERISK, CLI, cleanupRoots, fixtureRoot, runCli, silentLog } from './helpers.js';

const TOKEN = `metrics-token-${process.pid}-0123456789abcdef`;
const dir = mkdtempSync(join(tmpdir(), `pbxready-metrics-${process.pid}-`));
const tokenFile = join(dir, 'token');
writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });

afterAll(() => {
  cleanupRoots();
  rmSync(dir, { recursive: true, force: true });
});

/** Samples of the text format as `name{labels} value` → value (labels kept verbatim, escaped). */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

const FULL = agentReport({
  durationMs: 1234,
  verdict: 'not-ready',
  asterisk: {
    version: '20.5.2',
    running: true,
    uptimeSeconds: 3600,
    activeCalls: 3,
    activeChannels: 6,
    endpoints: { total: 12, reachable: 9 },
    trunks: [
      { name: 'carrier-a', state: 'Registered' },
      { name: 'carrier-b', state: 'Rejected' },
    ],
  },
  disks: [{ mount: '/var/lib/mysql', fs: 'xfs', sizeBytes: 1000, usedBytes: 930, availBytes: 70, usePercent: 93, inodesFree: 500, inodesUsePercent: 50, holds: ['database'] }],
  cdr: {
    table: 'pbxware.cdr',
    engine: 'InnoDB',
    rows: 2_000_000,
    rowsExact: false,
    dataBytes: 3 * 1024 ** 3,
    indexBytes: 1024 ** 3,
    oldest: null,
    newest: null,
    lastHour: { calls: 20, failed: 12, failedRatio: 0.6 },
    sameHourBefore: [40, 38],
  },
  custom: { customConfFiles: [], agiScripts: [], modifiedPackageFiles: [], newestBackup: { path: '/opt/backup/x.tgz', ageDays: 2.5 } },
  unreadable: [
    { source: '/opt/pbxware/pw/etc/pbxware/pbxware.ini', reason: 'permission denied', from: 'product' },
    { source: 'inodes', reason: 'df -i failed', from: 'disks' },
    { source: 'filesystems', reason: 'timed out', from: 'disks' },
  ],
  timings: { disks: 12.5, cdr: 40 },
  findings: [
    { code: 'EMERGENCY_CRITERIA_MET', severity: 'fail', message: '60% of calls unable to pass', remedy: 'open an emergency ticket' },
    { code: 'TRUNK_UNREGISTERED', severity: 'warn', message: 'carrier-b Rejected', remedy: 'check the trunk' },
  ],
});

describe('the report as metrics (pure)', () => {
  test('every promised fact in base units, with the values of the report', () => {
    const m = samples(exposition(agentFamilies(FULL)));
    const expected: Record<string, number> = {
      'pbxready_agent_filesystem_size_bytes{mount="/var/lib/mysql"}': 1000,
      'pbxready_agent_filesystem_used_bytes{mount="/var/lib/mysql"}': 930,
      'pbxready_agent_filesystem_avail_bytes{mount="/var/lib/mysql"}': 70,
      'pbxready_agent_filesystem_used_ratio{mount="/var/lib/mysql"}': 0.93,
      'pbxready_agent_filesystem_files_free{mount="/var/lib/mysql"}': 500,
      'pbxready_agent_filesystem_files_used_ratio{mount="/var/lib/mysql"}': 0.5,
      'pbxready_agent_filesystem_info{mount="/var/lib/mysql",fs="xfs",holds="database"}': 1,
      'pbxready_agent_cdr_rows{table="pbxware.cdr"}': 2_000_000,
      'pbxready_agent_cdr_data_bytes{table="pbxware.cdr"}': 3 * 1024 ** 3,
      'pbxready_agent_cdr_index_bytes{table="pbxware.cdr"}': 1024 ** 3,
      'pbxready_agent_cdr_last_hour_calls{table="pbxware.cdr"}': 20,
      'pbxready_agent_cdr_last_hour_calls_unable_to_pass{table="pbxware.cdr"}': 12,
      'pbxready_agent_cdr_last_hour_unable_to_pass_ratio{table="pbxware.cdr"}': 0.6,
      'pbxready_agent_cdr_same_hour_calls{table="pbxware.cdr",weeks_ago="1"}': 40,
      'pbxready_agent_cdr_same_hour_calls{table="pbxware.cdr",weeks_ago="2"}': 38,
      'pbxready_agent_asterisk_up': 1,
      'pbxready_agent_asterisk_uptime_seconds': 3600,
      'pbxready_agent_asterisk_active_calls': 3,
      'pbxready_agent_endpoints': 12,
      'pbxready_agent_endpoints_reachable': 9,
      'pbxready_agent_trunk_registered{trunk="carrier-a"}': 1,
      'pbxready_agent_trunk_registered{trunk="carrier-b"}': 0,
      'pbxready_agent_trunk_info{trunk="carrier-b",state="Rejected"}': 1,
      'pbxready_agent_database_up': 1,
      'pbxready_agent_backup_found': 1,
      'pbxready_agent_backup_age_seconds': 216_000,
      'pbxready_agent_emergency_criteria_met': 1,
      'pbxready_agent_verdict{verdict="not-ready"}': 2,
      'pbxready_agent_findings{severity="fail"}': 1,
      'pbxready_agent_findings{severity="warn"}': 1,
      'pbxready_agent_collection_duration_seconds': 1.234,
      'pbxready_agent_collection_timestamp_seconds': Date.parse(FULL.generatedAt) / 1000,
      'pbxready_agent_source_duration_seconds{source="disks"}': 0.0125,
      'pbxready_agent_source_errors{source="disks"}': 2,
      'pbxready_agent_source_errors{source="product"}': 1,
      'pbxready_agent_source_errors{source="cdr"}': 0,
      'pbxready_agent_pbx_info{hostname="pbx",product="pbxware",product_version="7.1.0",edition="Business",asterisk_version="20.5.2",database_version="10.11.6-MariaDB",os="Debian 12",kernel="6.1"}': 1,
      'pbxready_agent_build_info{version="0.0.0-test",collector="agent"}': 1,
    };
    for (const [series, value] of Object.entries(expected)) expect([series, m.get(series)]).toEqual([series, value]);
  });

  test('what was not measured has no series (never a 0 that would read as "down")', () => {
    const text = exposition(
      agentFamilies(
        agentReport({
          asterisk: { version: null, running: false, activeCalls: null, endpoints: null, trunks: [], notMeasured: 'asterisk: command not found' },
          database: { reachable: false, version: null, schemas: [], notMeasured: 'no mysql client' },
          cdr: null,
        }),
      ),
    );
    for (const name of ['pbxready_agent_asterisk_up', 'pbxready_agent_database_up', 'pbxready_agent_cdr_rows', 'pbxready_agent_endpoints']) expect(text).not.toContain(`${name} `);
    const down = samples(exposition(agentFamilies(agentReport({ asterisk: { version: '20', running: false, confirmedDown: true, activeCalls: null, endpoints: null, trunks: [] } }))));
    expect(down.get('pbxready_agent_asterisk_up')).toBe(0);
  });

  test('hostile label values (a trunk name from the host) are escaped and bounded: one sample line each, promtool parses it', async () => {
    const hostile = `evil"} 1\npbxready_agent_asterisk_up 0\n\\\u0001\r${'x'.repeat(5000)}`;
    const text = exposition(agentFamilies(agentReport({ asterisk: { version: '20', running: true, activeCalls: 0, endpoints: null, trunks: [{ name: hostile, state: 'Rejected' }] } })));
    const lines = text.split('\n').filter((l) => l.startsWith('pbxready_agent_trunk_registered'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('evil\\"} 1\\npbxready_agent_asterisk_up 0\\n\\\\\uFFFD\uFFFD');
    const label = /trunk="((?:[^"\\]|\\.)*)"/.exec(lines[0]!)![1]!;
    expect([...label.replace(/\\./g, '.')].length).toBeLessThanOrEqual(MAX_LABEL_VALUE_CHARS + 10);
    expect(samples(text).get('pbxready_agent_asterisk_up')).toBe(1);
    const checked = await promtool(['check', 'metrics'], text);
    expect(checked).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  test('promtool check metrics passes on the full report (names, units, _total only on counters)', async () => {
    const checked = await promtool(['check', 'metrics'], exposition(agentFamilies(FULL)));
    expect(checked).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  test('promtool would fail a gauge named _total (the check has teeth)', async () => {
    const checked = await promtool(['check', 'metrics'], exposition([{ name: 'pbxready_agent_calls_total', help: 'x', type: 'gauge', samples: [{ value: 1 }] }]));
    expect(checked.code).not.toBe(0);
    expect(checked.stdout + checked.stderr).toContain('_total');
  });

  test('each problem is counted for the fact source that met it, and what a source sets still reaches the later ones', async () => {
    const root = fixtureRoot('empty');
    const r = await collectReport(resolveOptions({ root }), silentLog, {
      sources: [
        { name: 'first', stage: 0, collect: async (ctx) => { ctx.problem('/etc/a', 'permission denied'); ctx.product = 'issabel'; } },
        { name: 'second', stage: 1, collect: async (ctx, draft) => { draft.host.os = `saw ${ctx.product}`; throw new Error('boom'); } },
      ],
    });
    expect(r.host.os).toBe('saw issabel');
    expect(r.unreadable).toEqual([
      { source: '/etc/a', reason: 'permission denied', from: 'first' },
      { source: 'second', reason: 'boom', from: 'second' },
    ]);
    const m = samples(exposition(agentFamilies(r)));
    expect(m.get('pbxready_agent_source_errors{source="first"}')).toBe(1);
    expect(m.get('pbxready_agent_source_errors{source="second"}')).toBe(1);
  });

  test('loopback is 127.0.0.0/8 and ::1 only', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect([a, isLoopback(a)]).toEqual([a, true]);
    for (const a of ['10.0.0.1', '::ffff:10.0.0.1', '::', '0.0.0.0', '1127.0.0.1', '127.0.0.1.evil', undefined]) expect([a, isLoopback(a)]).toEqual([a, false]);
  });
});

type Served = Listening & { port: number };

async function serve(extra: string[]): Promise<Served> {
  const s = await startListening(CLI, ['serve', '--token-file', tokenFile, '--root', fixtureRoot('pbxware'), '--asterisk-cmd', ASTERISK.pjsip20, '--db-host', '127.0.0.1', '--db-port', '1', ...extra], /serving http:\/\/[^ ]+:(\d+)\/report/, { timeoutMs: 20_000 });
  return { ...s, port: Number(s.address) };
}

async function stop(s: Served | undefined): Promise<void> {
  await s?.stop();
}

/** GET from a chosen local address (to be seen as loopback or not). */
function get(host: string, port: number, path: string, opts: { token?: string; from?: string } = {}): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, localAddress: opts.from, headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {} }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.once('error', reject);
    req.end();
  });
}

describe('GET /metrics of pbxready-agent serve', () => {
  test('with the token: the real output passes promtool check metrics; without it 401, even from loopback', async () => {
    const s = await serve(['--listen', '127.0.0.1:0']);
    try {
      const ok = await get('127.0.0.1', s.port, '/metrics', { token: TOKEN });
      expect(ok.status).toBe(200);
      expect(ok.type).toBe('text/plain; version=0.0.4; charset=utf-8');
      const m = samples(ok.body);
      expect(m.get('pbxready_agent_asterisk_up')).toBe(1);
      expect(m.get('pbxready_agent_trunk_registered{trunk="provider-backup"}')).toBe(0);
      expect(m.get('pbxready_agent_database_up')).toBe(0);
      expect([...m.keys()].some((k) => k.startsWith('pbxready_agent_filesystem_used_bytes{mount='))).toBe(true);
      expect(await promtool(['check', 'metrics'], ok.body)).toEqual({ code: 0, stdout: '', stderr: '' });
      const refused = await get('127.0.0.1', s.port, '/metrics');
      expect(refused.status).toBe(401);
      expect(refused.body).not.toContain('pbxready_agent');
      expect((await get('127.0.0.1', s.port, '/metrics', { token: 'wrong-token-wrong-token-wrong' })).status).toBe(401);
    } finally {
      await stop(s);
    }
  });

  test('the config key metricsWithoutTokenOnLoopback does the same; a value that is not a boolean is refused (exit 3, one line)', async () => {
    writeFileSync(join(dir, 'open.json'), JSON.stringify({ metricsWithoutTokenOnLoopback: true }));
    const s = await serve(['--listen', '127.0.0.1:0', '--config', join(dir, 'open.json')]);
    try {
      expect((await get('127.0.0.1', s.port, '/metrics')).status).toBe(200);
      expect((await get('127.0.0.1', s.port, '/report')).status).toBe(401);
    } finally {
      await stop(s);
    }
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ metricsWithoutTokenOnLoopback: 'yes' }));
    const bad = await runCli(['serve', '--listen', '127.0.0.1:0', '--token-file', tokenFile, '--config', join(dir, 'bad.json')]);
    expect(bad.code).toBe(3);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringContaining('"metricsWithoutTokenOnLoopback" must be true or false')]);
  });

  describe('--metrics-without-token-on-loopback', () => {
    let ns: TestNetns;
    let s: Served;
    beforeAll(async () => {
      // A namespace only for its host-side address: a local address that is not loopback.
      ns = await createNetns({});
      s = await serve(['--listen', '0.0.0.0:0', '--insecure-listen', '--metrics-without-token-on-loopback']);
    });
    afterAll(async () => {
      await stop(s);
      await ns?.stop();
    });

    test('loopback: /metrics without the token; /report still needs it', async () => {
      const open = await get('127.0.0.1', s.port, '/metrics');
      expect(open.status).toBe(200);
      expect(open.body).toContain('pbxready_agent_asterisk_up 1');
      expect((await get('127.0.0.1', s.port, '/report')).status).toBe(401);
    });

    test('from another address: the token is still required', async () => {
      const far = await get(ns.hostAddress, s.port, '/metrics', { from: ns.hostAddress });
      expect(far.status).toBe(401);
      expect(far.body).not.toContain('pbxready_agent');
      expect((await get(ns.hostAddress, s.port, '/metrics', { from: ns.hostAddress, token: TOKEN })).status).toBe(200);
    });
  });
});

describe('GET /metrics reuses a recent collection (--metrics-max-age-s)', () => {
  /** A report server on loopback whose collections are counted and whose clock the test moves. */
  async function counted(maxAgeMs?: number): Promise<{ port: number; made: () => number; tick: (ms: number) => void; close: () => Promise<void> }> {
    let made = 0;
    let clock = 1_000_000;
    const server = createReportServer({
      token: TOKEN,
      log: silentLog,
      ...(maxAgeMs === undefined ? {} : { metricsMaxAgeMs: maxAgeMs }),
      now: () => clock,
      produce: async () => agentReport({ generatedAt: new Date(clock).toISOString(), durationMs: ++made }),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    return { port, made: () => made, tick: (ms) => (clock += ms), close: () => new Promise((resolve) => server.close(() => resolve())) };
  }
  const collection = (body: string) => samples(body).get('pbxready_agent_collection_timestamp_seconds');

  test('scrapes within the limit (an HA pair of Prometheus servers) share one collection, and say when it was made', async () => {
    const s = await counted();
    try {
      const first = await get('127.0.0.1', s.port, '/metrics', { token: TOKEN });
      s.tick(METRICS_MAX_AGE_MS - 1);
      const second = await get('127.0.0.1', s.port, '/metrics', { token: TOKEN });
      expect(s.made()).toBe(1);
      expect(collection(second.body)).toBe(collection(first.body));
      expect(collection(first.body)).toBe(1_000);
      s.tick(1); // now as old as the limit: collected again
      const third = await get('127.0.0.1', s.port, '/metrics', { token: TOKEN });
      expect(s.made()).toBe(2);
      expect(collection(third.body)).toBe(1_000 + METRICS_MAX_AGE_MS / 1000);
    } finally {
      await s.close();
    }
  });

  test('/report is always collected afresh (a person asking wants now), and feeds the next scrape', async () => {
    const s = await counted();
    try {
      await get('127.0.0.1', s.port, '/metrics', { token: TOKEN });
      expect((await get('127.0.0.1', s.port, '/report', { token: TOKEN })).status).toBe(200);
      expect(s.made()).toBe(2);
      await get('127.0.0.1', s.port, '/metrics', { token: TOKEN });
      expect(s.made()).toBe(2);
    } finally {
      await s.close();
    }
  });

  test('0 collects for every scrape', async () => {
    const s = await counted(0);
    try {
      await get('127.0.0.1', s.port, '/metrics', { token: TOKEN });
      await get('127.0.0.1', s.port, '/metrics', { token: TOKEN });
      expect(s.made()).toBe(2);
    } finally {
      await s.close();
    }
  });

  test('the flag takes whole seconds from 0 to 3600; anything else is one line, exit 3', async () => {
    const bad = await runCli(['serve', '--listen', '127.0.0.1:0', '--token-file', tokenFile, '--metrics-max-age-s', '-5']);
    expect(bad.code).toBe(3);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringContaining('--metrics-max-age-s "-5" must be a whole number from 0 to 3600')]);
  });
});
