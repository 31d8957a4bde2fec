// The two outside alerts that need a real service to fire, end to end: Debian's Prometheus runs the
// shipped example config (one exporter behind it, full probes) and the shipped rules (every `for` at
// 0s) against a PBX in a network namespace serving HTTPS with a certificate that expires in 10 days,
// and SSH whose host key is then replaced. PbxreadyCertificateExpiresIn14Days must fire for 443 (and
// the 7-day one must not); PbxreadySshHostKeyChanged must fire for 2020 only after the key changed.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { CHECKER_CLI, REPO, runCli, startListening, type Listening } from '../harness/cli.js';
import { createNetns, killGroup, type TestNetns } from '../harness/netns.js';
import { eventually, pointProbeJob, query, rulesFiringAtOnce, startPrometheus, type RunningServer } from '../harness/prometheus.js';
import { expiringIn } from '../harness/tls-certs.js';

const DEPLOY = join(REPO, 'deploy/prometheus');
/** HTTP on 80/81, HTTPS on 443 and SSH (ssh2's server) on 2020, as a PBXware answers (the benchmark's servers). */
const SERVICES = join(REPO, 'dist/bench/fleet-services.js');
const PROBE_TOKEN = `cert-hostkey-probe-token-${process.pid}-0123456789`;
const dir = mkdtempSync(join(tmpdir(), `pbxready-prom-cert-${process.pid}-`));
const keys = join(dir, 'keys');

let pbx: TestNetns;
let services: ChildProcess | null = null;
let exporter: Listening;
let prometheus: RunningServer;

/** Start the PBX's services in its namespace with the keys in `keys`; resolves once all listen. */
function startServices(): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', pbx.name, process.execPath, SERVICES, 'full', keys, '80,81,443,2020'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the PBX services did not start: ${err}`)), 20_000);
    child.stdout!.once('data', () => (clearTimeout(timer), resolve(child)));
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`the PBX services exited (${code}): ${err}`))));
  });
}

/** Stop them and wait until they are gone (their ports are free again). */
async function stopServices(): Promise<void> {
  const child = services;
  services = null;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child);
  await gone;
}

function newHostKey(): void {
  rmSync(join(keys, 'ssh_host_ed25519_key'), { force: true });
  rmSync(join(keys, 'ssh_host_ed25519_key.pub'), { force: true });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(keys, 'ssh_host_ed25519_key')]);
}

beforeAll(async () => {
  pbx = await createNetns({});
  mkdirSync(keys);
  // A certificate that expires in 10 days: inside the 14-day alert, outside the 7-day one.
  const cert = await expiringIn(10);
  writeFileSync(join(keys, 'tls.key'), cert.key, { mode: 0o600 });
  writeFileSync(join(keys, 'tls.crt'), cert.cert);
  newHostKey();
  services = await startServices();

  writeFileSync(join(dir, 'probe.token'), `${PROBE_TOKEN}\n`, { mode: 0o600 });
  const fence = ['--allow-private', '--allow-targets', '10.231.0.0/16', '--probe-token-file', join(dir, 'probe.token')];
  exporter = await startListening(CHECKER_CLI, ['exporter', '--listen', '127.0.0.1:0', ...fence, '--probes', 'full', '--timeout-ms', '1500'], /listening on (127\.0\.0\.1:\d+)/);

  mkdirSync(join(dir, 'sd'));
  writeFileSync(join(dir, 'fleet.yaml'), `hosts:\n  - { address: ${pbx.address}, product: pbxware, customer: Acme, name: hq }\n`);
  const sd = await runCli(CHECKER_CLI, ['inventory', 'sd', join(dir, 'fleet.yaml'), '--output', join(dir, 'sd', 'fleet.json')], { timeoutMs: 30_000 });
  if (sd.code !== 0) throw new Error(`inventory sd failed: ${sd.stderr}`);

  // The shipped example: the probe job only, both hashmod shards on the one exporter, short intervals.
  const cfg = parse(readFileSync(join(DEPLOY, 'prometheus.example.yml'), 'utf8'));
  cfg.global = { scrape_interval: '2s', scrape_timeout: '2s', evaluation_interval: '1s' };
  delete cfg.alerting;
  cfg.scrape_configs = cfg.scrape_configs.filter((j: { job_name: string }) => j.job_name === 'pbxready');
  pointProbeJob(cfg.scrape_configs[0], { sdDir: join(dir, 'sd'), tokenFile: join(dir, 'probe.token'), exporters: [exporter.address] });
  prometheus = await startPrometheus(stringify(cfg), { 'pbxready-rules.yml': rulesFiringAtOnce(DEPLOY) });
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
  await exporter?.stop();
  await stopServices();
  await pbx?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The firing alerts of that name, as label sets. */
async function firing(alertname: string): Promise<Array<Record<string, string>>> {
  return (await query(prometheus.url, `ALERTS{alertname="${alertname}", alertstate="firing"}`)).map((s) => s.metric);
}

describe('certificate and host-key alerts through a real Prometheus', () => {
  test('a certificate expiring in 10 days: the 14-day alert fires for 443, the 7-day one does not', async () => {
    const cert = await eventually('the 14-day certificate alert', async () => {
      const a = await firing('PbxreadyCertificateExpiresIn14Days');
      return a.length ? a : undefined;
    });
    expect(cert).toEqual([expect.objectContaining({ instance: pbx.address, port: '443', customer: 'Acme', name: 'hq' })]);
    const left = Number((await query(prometheus.url, `pbxready_tls_cert_not_after_seconds{instance="${pbx.address}"} - time()`))[0]!.value[1]);
    expect(left / 86_400).toBeGreaterThan(9);
    expect(left / 86_400).toBeLessThan(10.1);
    expect(await firing('PbxreadyCertificateExpiresIn7Days')).toEqual([]);
  });

  test('the SSH host key replaced: PbxreadySshHostKeyChanged fires for 2020, and not before', async () => {
    // The first key has been seen (the probe reached SSH), and no change is alerted yet.
    await eventually('the first host key in Prometheus', async () => {
      const k = await query(prometheus.url, `pbxready_ssh_hostkey_info{instance="${pbx.address}", port="2020"}`);
      return k.length === 1 ? k : undefined;
    });
    expect(await firing('PbxreadySshHostKeyChanged')).toEqual([]);
    await stopServices();
    newHostKey();
    services = await startServices();
    const changed = await eventually('the host-key alert', async () => {
      const a = await firing('PbxreadySshHostKeyChanged');
      return a.length ? a : undefined;
    });
    expect(changed).toEqual([expect.objectContaining({ instance: pbx.address, port: '2020', severity: expect.any(String) })]);
    const seen = await query(prometheus.url, `count by (fingerprint) (max_over_time(pbxready_ssh_hostkey_info{instance="${pbx.address}", port="2020"}[1d]))`);
    expect(seen).toHaveLength(2);
  });
});
