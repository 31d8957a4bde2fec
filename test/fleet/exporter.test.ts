// The exporter scraped like Prometheus would, against real servers: HTTP GUIs, HTTPS with a
// certificate made here, a real OpenSSH sshd. The exposition is parsed by a strict grammar check.

import { once } from 'node:events';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEPS } from '../../checker/check.js';
import { createExporter, scrapeBudgetMs } from '../../checker/exporter/server.js';
import { LISTEN_DEFAULTS } from '../../checker/commands/exporter.js';
import { parseListen as parseAnyListen } from '../../shared/cli/flags.js';

const parseListen = (v: string) => parseAnyListen(v, LISTEN_DEFAULTS);
import { closedPort, page, PAGES, startHttpServer, startHttpsServer, startSilentServer, type TestServer } from '../harness/servers.js';
import { startSshd, type SshdServer } from '../harness/sshd.js';
import { makeCertificates } from '../harness/tls-certs.js';

interface Parsed {
  types: Map<string, string>;
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}

/** Text format 0.0.4, strictly: HELP/TYPE before samples, valid names, quoted escaped labels, numeric values. */
function parseExposition(text: string): Parsed {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
  const types = new Map<string, string>();
  const helped = new Set<string>();
  const samples: Parsed['samples'] = [];
  for (const [i, line] of text.slice(0, -1).split('\n').entries()) {
    const where = `line ${i + 1} "${line}"`;
    let m: RegExpExecArray | null;
    if ((m = /^# HELP (\S+) (.*)$/.exec(line))) {
      if (!NAME.test(m[1]!) || helped.has(m[1]!)) throw new Error(`bad/duplicate HELP at ${where}`);
      helped.add(m[1]!);
    } else if ((m = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line))) {
      if (types.has(m[1]!)) throw new Error(`duplicate TYPE at ${where}`);
      types.set(m[1]!, m[2]!);
    } else if ((m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line))) {
      const [, name, labelText, valueText] = m;
      if (!types.has(name!)) throw new Error(`sample before its TYPE at ${where}`);
      const labels: Record<string, string> = {};
      if (labelText !== undefined) {
        const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"(,|$)/y;
        let pos = 0;
        while (pos < labelText.length) {
          re.lastIndex = pos;
          const lm = re.exec(labelText);
          if (!lm) throw new Error(`bad label syntax at ${where}`);
          labels[lm[1]!] = lm[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
          pos = re.lastIndex;
        }
      }
      const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
      if (valueText !== 'NaN' && Number.isNaN(value)) throw new Error(`bad value at ${where}`);
      samples.push({ name: name!, labels, value });
    } else throw new Error(`unparseable ${where}`);
  }
  return { types, samples };
}

let http80: TestServer;
let http81: TestServer;
let https443: TestServer;
let sshd: SshdServer;
let closed: number;
let exporter: Server;
let base: string;
let notAfter: number;

beforeAll(async () => {
  const certs = await makeCertificates();
  notAfter = Math.floor(new Date(new (await import('node:crypto')).X509Certificate(certs.valid.cert).validTo).getTime() / 1000);
  http80 = await startHttpServer(page(PAGES.pbxware));
  http81 = await startHttpServer(page(PAGES.pbxware));
  https443 = await startHttpsServer(certs.valid, page(PAGES.pbxware));
  sshd = await startSshd();
  closed = await closedPort();
  exporter = createExporter(
    { timeoutMs: 3000, perHostConcurrency: 4, allowPrivate: true, probes: 'full', maxInFlight: 8 },
    { ...DEFAULT_DEPS, portMap: { 80: http80.port, 81: http81.port, 443: https443.port, 2020: sshd.port, 2222: closed, 3306: closed, 5038: closed } },
  );
  exporter.listen(0, '127.0.0.1');
  await once(exporter, 'listening');
  base = `http://127.0.0.1:${(exporter.address() as { port: number }).port}`;
});

afterAll(async () => {
  exporter?.closeAllConnections();
  await new Promise<void>((r) => (exporter ? exporter.close(() => r()) : r()));
  await Promise.all([http80?.stop(), http81?.stop(), https443?.stop(), sshd?.stop()]);
});

const value = (p: Parsed, name: string, labels: Record<string, string> = {}) =>
  p.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).map((s) => s.value);

describe('pbxready exporter', () => {
  it('/probe?module=pbxware: a ready host in valid exposition with every promised metric', async () => {
    const res = await fetch(`${base}/probe?target=127.0.0.1&module=pbxware`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const p = parseExposition(await res.text());
    expect(value(p, 'pbxready_probe_success')).toEqual([1]);
    expect(value(p, 'pbxready_verdict', { verdict: 'ready', product: 'pbxware' })).toEqual([0]);
    for (const port of ['80', '81', '443', '2020']) {
      expect(value(p, 'pbxready_port_state', { port, state: 'open' })).toEqual([1]);
      expect(value(p, 'pbxready_port_state', { port, state: 'filtered' })).toEqual([0]);
    }
    expect(value(p, 'pbxready_port_state', { port: '3306', state: 'closed', required: 'false' })).toEqual([1]);
    expect(value(p, 'pbxready_tls_cert_not_after_seconds', { port: '443' })).toEqual([notAfter]);
    expect(value(p, 'pbxready_ssh_hostkey_info', { port: '2020' })).toEqual([1]);
    const fp = p.samples.find((s) => s.name === 'pbxready_ssh_hostkey_info')!.labels.fingerprint;
    expect(Object.values(sshd.hostKeyFingerprints)).toContain(fp);
    for (const port of ['80', '81', '443', '2020', '3306']) {
      const [connect] = value(p, 'pbxready_port_connect_seconds', { port });
      expect(connect).toBeGreaterThan(0);
      expect(connect).toBeLessThan(1);
    }
    expect(p.types.get('pbxready_port_connect_seconds')).toBe('gauge');
    const [duration] = value(p, 'pbxready_probe_duration_seconds');
    expect(duration).toBeGreaterThan(0);
    expect(duration).toBeLessThan(10);
    expect(p.types.get('pbxready_port_state')).toBe('gauge');
  });

  it('/probe?module=serverware: 2222 closed makes the probe fail, still HTTP 200 (blackbox style)', async () => {
    const res = await fetch(`${base}/probe?target=127.0.0.1&module=serverware`);
    expect(res.status).toBe(200);
    const p = parseExposition(await res.text());
    expect(value(p, 'pbxready_probe_success')).toEqual([0]);
    expect(value(p, 'pbxready_verdict', { verdict: 'not-ready' })).toEqual([2]);
    expect(value(p, 'pbxready_port_state', { port: '2222', state: 'closed', required: 'true' })).toEqual([1]);
  });

  it('bad parameters are 400 with a reason; /metrics counts the probes answered', async () => {
    const bad = await fetch(`${base}/probe?target=127.0.0.1&module=asterisk`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe('module must be one of: pbxware, serverware, issabel\n');
    expect((await fetch(`${base}/probe?target=a%20b&module=pbxware`)).status).toBe(400);
    const m = parseExposition(await (await fetch(`${base}/metrics`)).text());
    expect(value(m, 'pbxready_exporter_probes_total', { module: 'pbxware', verdict: 'ready' })).toEqual([1]);
    expect(value(m, 'pbxready_exporter_probes_total', { module: 'serverware', verdict: 'not-ready' })).toEqual([1]);
    expect(value(m, 'pbxready_exporter_probes_in_flight')).toEqual([0]);
    expect(value(m, 'process_resident_memory_bytes')[0]).toBeGreaterThan(1e6);
  });

  it('the scrape budget: a little under X-Prometheus-Scrape-Timeout-Seconds, never above --timeout-ms', () => {
    expect(scrapeBudgetMs('10', 30_000)).toBe(9500);
    expect(scrapeBudgetMs('1.5', 30_000)).toBe(1000);
    expect(scrapeBudgetMs('0.9', 30_000)).toBe(600);
    expect(scrapeBudgetMs('60', 5000)).toBe(5000);
    expect(scrapeBudgetMs(undefined, 5000)).toBe(5000);
    expect(scrapeBudgetMs('nonsense', 5000)).toBe(5000);
    expect(scrapeBudgetMs('0', 5000)).toBe(5000);
  });

  describe('against a tarpit (accepts, never speaks) with a 10 s --timeout-ms', () => {
    const SLOW_TIMEOUT_MS = 10_000;
    let tarpit: TestServer;
    let slow: Server;
    let slowBase: string;
    beforeAll(async () => {
      tarpit = await startSilentServer();
      const all = Object.fromEntries([80, 81, 443, 2020, 2222, 3306, 5038].map((p) => [p, tarpit.port]));
      slow = createExporter({ timeoutMs: SLOW_TIMEOUT_MS, perHostConcurrency: 4, allowPrivate: true, probes: 'full', maxInFlight: 8 }, { ...DEFAULT_DEPS, portMap: all });
      slow.listen(0, '127.0.0.1');
      await once(slow, 'listening');
      slowBase = `http://127.0.0.1:${(slow.address() as { port: number }).port}`;
    });
    afterAll(async () => {
      slow?.closeAllConnections();
      await new Promise<void>((r) => (slow ? slow.close(() => r()) : r()));
      await tarpit?.stop();
    });

    it('a scrape with X-Prometheus-Scrape-Timeout-Seconds: 1.5 is answered after its budget, long before --timeout-ms; the unfinished services as failures', async () => {
      // Bounds relative to the configured times, not a window a busy machine can miss: it waited
      // the whole budget (so it did wait for the services), and the header (not the 10 s
      // --timeout-ms) set the wait.
      const budgetMs = scrapeBudgetMs('1.5', SLOW_TIMEOUT_MS);
      const t0 = performance.now();
      const res = await fetch(`${slowBase}/probe?target=127.0.0.1&module=pbxware`, { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '1.5' } });
      const body = await res.text();
      const ms = performance.now() - t0;
      expect(res.status).toBe(200);
      expect(ms).toBeGreaterThanOrEqual(budgetMs);
      expect(ms).toBeLessThan(SLOW_TIMEOUT_MS / 2);
      const p = parseExposition(body);
      // Open ports whose services never answered: HTTP/TLS/SSH failures (warnings in the catalogue).
      expect(value(p, 'pbxready_verdict', { verdict: 'warnings' })).toEqual([1]);
      expect(value(p, 'pbxready_findings', { severity: 'warn' })[0]).toBeGreaterThanOrEqual(5);
      expect(value(p, 'pbxready_port_state', { port: '443', state: 'open' })).toEqual([1]);
      expect(value(p, 'pbxready_probe_duration_seconds')[0]).toBeLessThan(SLOW_TIMEOUT_MS / 2 / 1000);
    });

    it('a scraper that hangs up stops the probe (in-flight back to 0 long before --timeout-ms)', async () => {
      const inFlight = async () => value(parseExposition(await (await fetch(`${slowBase}/metrics`)).text()), 'pbxready_exporter_probes_in_flight')[0];
      await expect(fetch(`${slowBase}/probe?target=127.0.0.1&module=pbxware`, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
      const t0 = performance.now();
      let now = await inFlight();
      while (now !== 0 && performance.now() - t0 < SLOW_TIMEOUT_MS) {
        await new Promise((r) => setTimeout(r, 50));
        now = await inFlight();
      }
      expect(now).toBe(0);
      expect(performance.now() - t0).toBeLessThan(SLOW_TIMEOUT_MS / 2);
    });
  });

  it('--listen parsing: ADDR:PORT, [v6]:PORT; anything else is a usage error', () => {
    expect(parseListen('127.0.0.1:9740')).toEqual({ host: '127.0.0.1', port: 9740 });
    expect(parseListen('[::1]:9740')).toEqual({ host: '::1', port: 9740 });
    expect(() => parseListen('9740')).toThrow('--listen "9740" must be ADDR:PORT');
  });
});
