// Fleet scale, end to end with real parts: Debian's Prometheus runs deploy/prometheus/prometheus.example.yml
// (addresses, paths and intervals swapped for the test's) with the target file written by
// `pbxready inventory sd`, spreads the probes over TWO `pbxready exporter` processes by hashmod,
// scrapes an agent's /metrics (pbxready-agent serve, bearer token), evaluates the shipped rules, and
// Debian's Alertmanager (deploy/prometheus/alertmanager.example.yml) delivers the alert for a host
// whose 2020 is dropped in a network namespace to a webhook receiver in this test. The agents read a
// real MariaDB whose last hour has 12 of 20 calls unable to pass (the emergency criteria), and the
// recorded Asterisk of a PBX that is up and of one that is down.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { AGENT_CLI, CHECKER_CLI, REPO, runCli, startListening, type Listening } from '../harness/cli.js';
import { createPbxwareCdr, createReader, seedCalls, startMariaDb, type MariaDb } from '../harness/mariadb.js';
import { createNetns, type TestNetns } from '../harness/netns.js';
import { eventually, hashmod, pointProbeJob, promtool, query, rulesFiringAtOnce, startAlertmanager, startPrometheus, type RunningServer } from '../harness/prometheus.js';

const DEPLOY = join(REPO, 'deploy/prometheus');
const FIXTURES = join(REPO, 'test/fixtures');
const TOKEN = `fleet-agent-token-${process.pid}-0123456789`;
const PROBE_TOKEN = `fleet-probe-token-${process.pid}-0123456789`;
const dir = mkdtempSync(join(tmpdir(), `pbxready-prom-fleet-${process.pid}-`));

interface WebhookAlert {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
interface WebhookMessage {
  version: string;
  receiver: string;
  status: string;
  alerts: WebhookAlert[];
}

let ready: TestNetns;
let dropped: TestNetns;
const exporters: Listening[] = [];
let agent: Listening;
let downAgent: Listening;
let db: MariaDb;
let webhook: Server;
const received: Array<{ path: string; body: WebhookMessage }> = [];
let alertmanager: RunningServer;
let prometheus: RunningServer;
let targets: string[];
let sdFile: string;
let sdRun: Awaited<ReturnType<typeof runCli>>;

beforeAll(async () => {
  // Two PBXs' worth of listeners: one with every pbxware port open, one with 2020 dropped (its .3
  // drops all TCP: a host where nothing answers).
  ready = await createNetns({ open: [80, 81, 443, 2020] });
  dropped = await createNetns({ open: [80, 81, 443, 2020], drop: [2020] });

  // Two exporters, each a stateless probe server, fenced as the README says: the fleet's ranges
  // only (here the test namespaces and loopback, hence --allow-private) and a token for /probe.
  // --probes tcp: port states only (the listeners are silent).
  writeFileSync(join(dir, 'probe.token'), `${PROBE_TOKEN}\n`, { mode: 0o600 });
  for (let i = 0; i < 2; i++) {
    const fence = ['--allow-private', '--allow-targets', '10.231.0.0/16,127.0.0.0/8', '--probe-token-file', join(dir, 'probe.token')];
    exporters.push(await startListening(CHECKER_CLI, ['exporter', '--listen', '127.0.0.1:0', ...fence, '--probes', 'tcp', '--timeout-ms', '1000'], /listening on (127\.0\.0\.1:\d+)/));
  }

  // The PBXware database the fixture's pbxware.ini names, with a bad last hour.
  db = await startMariaDb();
  await createReader(db, 'pbxreader', 'Fixture-Pbxware-Db-S3cret');
  await createPbxwareCdr(db);
  await seedCalls(db, 'pbxware.cdr', { lastHour: 20, lastHourFailed: 12, older: 2000, days: 60 });

  writeFileSync(join(dir, 'agent.token'), `${TOKEN}\n`, { mode: 0o600 });
  const serve = (asterisk: string, dbPort: number) =>
    startListening(
      AGENT_CLI,
      ['serve', '--listen', '127.0.0.1:0', '--token-file', join(dir, 'agent.token'), '--root', join(FIXTURES, 'pbxware'), '--asterisk-cmd', join(FIXTURES, asterisk), '--db-host', '127.0.0.1', '--db-port', String(dbPort)],
      /serving http:\/\/(127\.0\.0\.1:\d+)\/report/,
    );
  agent = await serve('asterisk/ast20-pjsip/asterisk', db.port);
  downAgent = await serve('asterisk/down/asterisk', 1);

  webhook = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(body) as WebhookMessage });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', () => r()));
  const hook = `http://127.0.0.1:${(webhook.address() as { port: number }).port}`;

  // The shipped Alertmanager example, its waits shortened and its webhooks pointed here.
  const am = parse(readFileSync(join(DEPLOY, 'alertmanager.example.yml'), 'utf8'));
  Object.assign(am.route, { group_wait: '1s', group_interval: '1s', repeat_interval: '1h' });
  for (const r of am.receivers) for (const w of r.webhook_configs) w.url = `${hook}/${r.name}`;
  alertmanager = await startAlertmanager(stringify(am));

  // The inventory → file_sd through the CLI. Targets: the ready host, the one with 2020 dropped,
  // the dark one as Issabel (its module must reach the exporter), plus loopback addresses until
  // both exporters have a target (the namespace addresses are random; the hash is not).
  targets = [ready.address, dropped.address, dropped.deadAddress];
  for (let n = 2; new Set(targets.map((t) => hashmod(t, 2))).size < 2; n++) targets.push(`127.0.0.${n}`);
  const inventory = [
    'hosts:',
    `  - { address: ${ready.address}, product: pbxware, customer: Acme, name: hq, tags: [eu, gold] }`,
    `  - { address: ${dropped.address}, product: pbxware, customer: Acme, name: branch, tags: [eu] }`,
    `  - { address: ${dropped.deadAddress}, product: issabel, customer: Globex, name: dark }`,
    ...targets.slice(3).map((t) => `  - ${t}`),
  ].join('\n');
  writeFileSync(join(dir, 'fleet.yaml'), `${inventory}\n`);
  sdFile = join(dir, 'sd', 'fleet.json');
  mkdirSync(join(dir, 'sd'));
  sdRun = await runCli(CHECKER_CLI, ['inventory', 'sd', join(dir, 'fleet.yaml'), '--output', sdFile], { timeoutMs: 30_000 });

  // The shipped Prometheus example, with the test's addresses, paths and short intervals; the
  // shipped rules with every `for` at 0s, so an alert fires on the first evaluation.
  const cfg = parse(readFileSync(join(DEPLOY, 'prometheus.example.yml'), 'utf8'));
  cfg.global = { scrape_interval: '2s', scrape_timeout: '2s', evaluation_interval: '1s' };
  cfg.alerting.alertmanagers[0].static_configs[0].targets = [alertmanager.url.replace('http://', '')];
  const job = (name: string) => cfg.scrape_configs.find((j: { job_name: string }) => j.job_name === name);
  pointProbeJob(job('pbxready'), { sdDir: join(dir, 'sd'), tokenFile: join(dir, 'probe.token'), exporters: exporters.map((e) => e.address) });
  job('pbxready_exporter').static_configs[0].targets = exporters.map((e) => e.address);
  const agents = job('pbxready_agent');
  Object.assign(agents, { scrape_interval: '2s', scrape_timeout: '2s', scheme: 'http' });
  delete agents.tls_config;
  agents.authorization.credentials_file = join(dir, 'agent.token');
  agents.static_configs = [
    { targets: [agent.address], labels: agents.static_configs[0].labels },
    { targets: [downAgent.address], labels: { customer: 'Globex', name: 'down' } },
  ];
  prometheus = await startPrometheus(stringify(cfg), { 'pbxready-rules.yml': rulesFiringAtOnce(DEPLOY) });
}, 180_000);

afterAll(async () => {
  await prometheus?.stop();
  await alertmanager?.stop();
  await Promise.all([...exporters.map((e) => e.stop()), agent?.stop(), downAgent?.stop()]);
  await db?.stop();
  await new Promise<void>((r) => (webhook ? webhook.close(() => r()) : r()));
  await ready?.stop();
  await dropped?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A query's series as flat rows: the labels and the value. */
type Row = { value: number; [label: string]: string | number };
const one = async (promql: string): Promise<Row[]> => (await query(prometheus.url, promql)).map((s) => ({ ...s.metric, value: Number(s.value[1]) }));

describe('one Prometheus, two exporters, an agent, the rules and Alertmanager', () => {
  test('inventory sd wrote the file_sd targets with their labels', () => {
    expect(sdRun.code).toBe(0);
    const groups = JSON.parse(readFileSync(sdFile, 'utf8')) as Array<{ targets: string[]; labels: Record<string, string> }>;
    expect(groups.flatMap((g) => g.targets).sort()).toEqual([...targets].sort());
    expect(groups.find((g) => g.targets.includes(ready.address))!.labels).toEqual({ customer: 'Acme', name: 'hq', tags: ',eu,gold,', product: 'pbxware', __param_module: 'pbxware' });
  });

  test('the exporters are fenced: /probe without the token is refused; with it, the output passes promtool check metrics', async () => {
    const res = await fetch(`http://${exporters[0]!.address}/probe?target=${ready.address}&module=pbxware`);
    expect(res.status).toBe(401);
    // With it, what Prometheus reads — a probe and the exporter's own metrics — passes promtool's lint.
    const probe = await fetch(`http://${exporters[0]!.address}/probe?target=${dropped.address}&module=pbxware`, { headers: { authorization: `Bearer ${PROBE_TOKEN}` } });
    expect(probe.status).toBe(200);
    expect(await promtool(['check', 'metrics'], await probe.text())).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await promtool(['check', 'metrics'], await (await fetch(`http://${exporters[0]!.address}/metrics`)).text())).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  test('every target is probed by the exporter its hash picks, and both exporters probe', async () => {
    const active = await eventually('all probe targets up', async () => {
      const res = (await (await fetch(`${prometheus.url}/api/v1/targets?state=active`)).json()) as { data: { activeTargets: Array<{ labels: Record<string, string>; scrapeUrl: string; health: string; lastError: string }> } };
      const mine = res.data.activeTargets.filter((t) => t.labels.job === 'pbxready');
      return mine.length === targets.length && mine.every((t) => t.health === 'up') ? mine : undefined;
    });
    for (const t of active) {
      const url = new URL(t.scrapeUrl);
      const target = url.searchParams.get('target')!;
      expect([target, url.host]).toEqual([target, exporters[hashmod(target, 2)]!.address]);
      expect(t.labels.instance).toBe(target);
    }
    const served = await eventually('both exporters counted probes', async () => {
      const s = await one('sum by (instance) (pbxready_exporter_probes_total{job="pbxready_exporter"})');
      return s.length === 2 && s.every((x) => x.value > 0) ? s : undefined;
    });
    expect(served.map((s) => s.instance).sort()).toEqual(exporters.map((e) => e.address).sort());
  });

  test('the expected series: readiness, port states, the module from the inventory, the inventory labels', async () => {
    const success = await eventually('probe results for every target', async () => {
      const s = await one('pbxready_probe_success{job="pbxready"}');
      return s.length === targets.length ? s : undefined;
    });
    const of = (host: string) => success.find((s) => s.instance === host)!;
    expect(of(ready.address)).toMatchObject({ value: 1, customer: 'Acme', name: 'hq', tags: ',eu,gold,', product: 'pbxware' });
    expect(of(dropped.address)).toMatchObject({ value: 0, customer: 'Acme', name: 'branch' });
    expect(of(dropped.deadAddress)).toMatchObject({ value: 0, product: 'issabel' });
    expect(await one(`pbxready_port_state{instance="${dropped.address}", port="2020", state="filtered"}`)).toMatchObject([{ value: 1, required: 'true' }]);
    expect(await one(`pbxready_port_state{instance="${dropped.address}", port="443", state="open"}`)).toMatchObject([{ value: 1 }]);
    expect(await one(`pbxready_port_state{instance="${ready.address}", port="2020", state="open"}`)).toMatchObject([{ value: 1 }]);
    // Issabel's module: its SSH port is 22, not 2020.
    const dark = await one(`pbxready_port_state{instance="${dropped.deadAddress}", state="filtered"}`);
    expect(dark.map((s) => s.port)).toContain('22');
    expect(await one(`pbxready_verdict{instance="${dropped.deadAddress}"}`)).toMatchObject([{ product: 'issabel', verdict: 'not-ready', value: 2 }]);
  });

  test("the agent's /metrics, scraped with its bearer token", async () => {
    await eventually('both agents scraped', async () => ((await one('pbxready_agent_asterisk_up{job="pbxready_agent"}')).length === 2 ? true : undefined));
    expect(await one(`pbxready_agent_asterisk_up{instance="${agent.address}"}`)).toMatchObject([{ value: 1, customer: 'Acme', name: 'hq' }]);
    expect(await one('pbxready_agent_trunk_registered{trunk="provider-backup"}')).toMatchObject([{ value: 0 }]);
    expect(await one('pbxready_agent_trunk_registered{trunk="provider-main"}')).toMatchObject([{ value: 1 }]);
    expect((await one('pbxready_agent_filesystem_used_ratio')).length).toBeGreaterThan(0);
    expect(await one(`pbxready_agent_pbx_info{instance="${agent.address}"}`)).toMatchObject([{ product: 'pbxware', asterisk_version: '20.5.2', database_version: expect.stringContaining('MariaDB'), value: 1 }]);
    expect((await one('up{job="pbxready_agent"}')).map((s) => s.value)).toEqual([1, 1]);
    // The CDR table and the last hour, from the real database.
    expect(await one(`pbxready_agent_database_up{instance="${agent.address}"}`)).toMatchObject([{ value: 1 }]);
    expect(await one(`pbxready_agent_database_up{instance="${downAgent.address}"}`)).toMatchObject([{ value: 0 }]);
    const [rows] = await one('pbxready_agent_cdr_rows');
    expect(rows).toMatchObject({ table: 'pbxware.cdr' });
    expect(rows!.value).toBeGreaterThan(0);
    expect((await one('pbxready_agent_cdr_data_bytes'))[0]!.value).toBeGreaterThan(0);
    expect(await one('pbxready_agent_cdr_last_hour_calls')).toMatchObject([{ value: 20 }]);
    expect(await one('pbxready_agent_cdr_last_hour_calls_unable_to_pass')).toMatchObject([{ value: 12 }]);
    expect(await one('pbxready_agent_cdr_last_hour_unable_to_pass_ratio')).toMatchObject([{ value: 0.6 }]);
    // The recorded Asterisk that is down: up 0 (not absent), and "system down" meets the criteria too.
    expect(await one('pbxready_agent_asterisk_up == 0')).toMatchObject([{ instance: downAgent.address, customer: 'Globex' }]);
    expect((await one('pbxready_agent_emergency_criteria_met == 1')).map((s) => s.instance).sort()).toEqual([agent.address, downAgent.address].sort());
  });

  test('Alertmanager delivers the alert for the host whose 2020 is dropped (host and port named), and the trunk alert; none for the ready host', async () => {
    const port2020 = await eventually('the 2020 alert at the webhook', async () =>
      received.flatMap((m) => m.body.alerts.map((a) => ({ ...a, path: m.path, message: m.body }))).find((a) => a.labels.alertname === 'PbxreadySupportPortNotOpen' && a.labels.instance === dropped.address && a.labels.port === '2020'),
    );
    expect(port2020.status).toBe('firing');
    expect(port2020.path).toBe('/pbx-oncall');
    expect(port2020.message.version).toBe('4');
    expect(port2020.labels).toMatchObject({ severity: 'critical', state: 'filtered', required: 'true', job: 'pbxready', customer: 'Acme', name: 'branch' });
    expect(port2020.annotations.summary).toBe(`${dropped.address} port 2020 is filtered`);
    const trunk = await eventually('the trunk alert at the webhook', async () =>
      received.flatMap((m) => m.body.alerts).find((a) => a.labels.alertname === 'PbxreadyTrunkDown' && a.labels.trunk === 'provider-backup'),
    );
    expect(trunk.labels.instance).toBe(agent.address);
    const all = received.flatMap((m) => m.body.alerts);
    expect(all.filter((a) => a.labels.instance === ready.address)).toEqual([]);
  });

  test('the inside alerts reach the on-call webhook: Asterisk down, emergency criteria (both hosts), calls unable to pass', async () => {
    const firing = (name: string, instance: string) => () =>
      Promise.resolve(received.filter((m) => m.path === '/pbx-oncall').flatMap((m) => m.body.alerts).find((a) => a.status === 'firing' && a.labels.alertname === name && a.labels.instance === instance));
    const down = await eventually('PbxreadyAsteriskDown', firing('PbxreadyAsteriskDown', downAgent.address));
    expect(down.annotations.summary).toBe(`${downAgent.address}: Asterisk is not running`);
    expect(down.labels).toMatchObject({ severity: 'critical', customer: 'Globex', name: 'down' });
    await eventually('PbxreadyEmergencyCriteriaMet (calls)', firing('PbxreadyEmergencyCriteriaMet', agent.address));
    await eventually('PbxreadyEmergencyCriteriaMet (system down)', firing('PbxreadyEmergencyCriteriaMet', downAgent.address));
    const calls = await eventually('PbxreadyCallsUnableToPass', firing('PbxreadyCallsUnableToPass', agent.address));
    expect(calls.annotations.summary).toBe(`${agent.address}: 60% of the last hour's calls unable to pass`);
  });
});
