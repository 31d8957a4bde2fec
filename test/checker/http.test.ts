// probeHttp against real HTTP(S) servers: GUI recognition, redirects, body cap, silence; then the pure rules.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpTimedOut, probeHttp as probe, type HttpTarget } from '../../checker/probes/http.js';
import { withDeadline } from '../../checker/probes/probe.js';

/** The caller's side of the contract: one deadline of `timeoutMs` per fetch. */
const probeHttp = (address: string, port: number, o: Omit<HttpTarget, 'address' | 'port'> & { timeoutMs: number }) => {
  const { timeoutMs, ...rest } = o;
  return withDeadline(timeoutMs, undefined, (signal) => probe({ address, port, ...rest }, { signal }));
};
import type { HttpFacts, PortResult } from '../../shared/model.js';
import { httpFindings, pageTitle } from '../../shared/rules/http.js';
import { makeCertificates } from '../harness/tls-certs.js';
import { PAGES, page, startHttpServer, startHttpsServer, startSilentServer, type TestServer } from '../harness/servers.js';

const servers: Record<string, TestServer> = {};
const hosts: string[] = [];

beforeAll(async () => {
  const certs = await makeCertificates();
  servers.pbxware = await startHttpServer((req, res) => {
    hosts.push(req.headers.host ?? '');
    page(PAGES.pbxware, 'Apache')(req, res);
  });
  servers.router = await startHttpServer(page(PAGES.router, 'micro_httpd'));
  servers.httpsSelfSigned = await startHttpsServer(certs.selfSigned, page(PAGES.issabel));
  servers.redirect = await startHttpServer((req, res) => {
    if (req.url === '/') res.writeHead(302, { Location: '/index.php?menu=login' }).end();
    else if (req.url === '/loop') res.writeHead(302, { Location: '/loop' }).end();
    else page(PAGES.pbxware)(req, res);
  });
  servers.offsite = await startHttpServer((_req, res) => res.writeHead(301, { Location: 'https://elsewhere.example.test/' }).end());
  servers.loop = await startHttpServer((_req, res) => res.writeHead(302, { Location: '/again' }).end());
  servers.huge = await startHttpServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.write('<html><head><title>Big</title></head><body>');
    // 2 MiB, far over the cap; the probe must stop reading early.
    for (let i = 0; i < 2048; i++) res.write('x'.repeat(1024));
    res.end('</body></html>');
  });
  servers.silent = await startSilentServer();
  // Thinks for a fifth of the timeout before its first byte, then sends the body in two parts.
  const slowly: Parameters<typeof startHttpServer>[0] = (_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.write('<html><head><title>Slow</title></head><body>');
      setTimeout(() => res.end('done</body></html>'), GAP_MS);
    }, DELAY_MS);
  };
  servers.slow = await startHttpServer(slowly);
  servers.slowTls = await startHttpsServer(certs.selfSigned, slowly);
});
afterAll(() => Promise.all(Object.values(servers).map((s) => s.stop())));

const opts = { host: 'pbx.customer.test', scheme: 'http' as const, timeoutMs: 3000 };

/** The slow servers' pauses, as parts of the timeout the timing tests give the probe. */
const TIMING_TIMEOUT_MS = 5000;
const DELAY_MS = TIMING_TIMEOUT_MS / 5;
const GAP_MS = TIMING_TIMEOUT_MS / 10;
/** Timers may fire a little early against performance.now(); never by this much. */
const CLOCK_SLACK_MS = 20;

describe('probeHttp', () => {
  it('recognises a PBXware login page, with status, Server and title; Host names the user\'s host', async () => {
    const h = await probeHttp('127.0.0.1', servers.pbxware!.port, opts);
    expect(h).toMatchObject({ status: 200, server: 'Apache', title: 'PBXware 7 - Login', recognized: 'pbxware', redirects: [] });
    expect(h.url).toBe(`http://pbx.customer.test:${servers.pbxware!.port}/`);
    expect(hosts).toContain(`pbx.customer.test:${servers.pbxware!.port}`);
  });

  it('a router\'s page is not recognised', async () => {
    const h = await probeHttp('127.0.0.1', servers.router!.port, opts);
    expect(h).toMatchObject({ status: 200, recognized: null, title: 'RT-AX58U Router Login', server: 'micro_httpd' });
  });

  it('HTTPS on a self-signed certificate is still fetched (TLS is judged elsewhere)', async () => {
    const h = await probeHttp('127.0.0.1', servers.httpsSelfSigned!.port, { ...opts, scheme: 'https' });
    expect(h).toMatchObject({ status: 200, recognized: 'issabel' });
  });

  it('follows same-host redirects and records them', async () => {
    const h = await probeHttp('127.0.0.1', servers.redirect!.port, opts);
    expect(h.redirects).toEqual([`http://pbx.customer.test:${servers.redirect!.port}/index.php?menu=login`]);
    expect(h).toMatchObject({ status: 200, recognized: 'pbxware' });
  });

  it('records but never follows a redirect to another host', async () => {
    const h = await probeHttp('127.0.0.1', servers.offsite!.port, opts);
    expect(h).toMatchObject({ status: 301, redirects: ['https://elsewhere.example.test/'], recognized: null });
  });

  it('stops after the redirect bound', async () => {
    const h = await probeHttp('127.0.0.1', servers.loop!.port, { ...opts, maxRedirects: 3 });
    expect(h.redirects).toHaveLength(3);
    expect(h.status).toBe(302);
    expect(h.error).toBeUndefined();
  });

  it('reads at most the body cap', async () => {
    const h = await probeHttp('127.0.0.1', servers.huge!.port, { ...opts, maxBodyBytes: 64 * 1024 });
    expect(h.bodyBytes).toBe(64 * 1024);
    expect(h.title).toBe('Big');
  });

  it('phase timings: the first byte\'s delay is processing, the gap inside the body is transfer', async () => {
    const h = await probeHttp('127.0.0.1', servers.slow!.port, { ...opts, timeoutMs: TIMING_TIMEOUT_MS });
    expect(h.error).toBeUndefined();
    expect(h.title).toBe('Slow');
    const t = h.timings!;
    expect(t.tlsMs).toBeNull();
    expect(t.connectMs).toBeGreaterThanOrEqual(0);
    expect(t.connectMs!).toBeLessThan(DELAY_MS);
    expect(t.processingMs).toBeGreaterThanOrEqual(DELAY_MS - CLOCK_SLACK_MS);
    expect(t.processingMs!).toBeLessThan(TIMING_TIMEOUT_MS);
    expect(t.transferMs).toBeGreaterThanOrEqual(GAP_MS - CLOCK_SLACK_MS);
    expect(t.transferMs!).toBeLessThan(TIMING_TIMEOUT_MS);
  });

  it('phase timings over HTTPS: the handshake is its own phase, not processing', async () => {
    const h = await probeHttp('127.0.0.1', servers.slowTls!.port, { ...opts, scheme: 'https', timeoutMs: TIMING_TIMEOUT_MS });
    expect(h.error).toBeUndefined();
    const t = h.timings!;
    expect(t.tlsMs).toBeGreaterThan(0);
    expect(t.tlsMs!).toBeLessThan(DELAY_MS);
    expect(t.processingMs).toBeGreaterThanOrEqual(DELAY_MS - CLOCK_SLACK_MS);
    expect(t.processingMs!).toBeLessThan(TIMING_TIMEOUT_MS);
    expect(t.transferMs).toBeGreaterThanOrEqual(GAP_MS - CLOCK_SLACK_MS);
  });

  it('phase timings when the server never answers: connected, no first byte', async () => {
    const h = await probeHttp('127.0.0.1', servers.silent!.port, { ...opts, timeoutMs: 600 });
    expect(h.timings).toMatchObject({ tlsMs: null, processingMs: null, transferMs: null });
    expect(h.timings!.connectMs).toBeGreaterThanOrEqual(0);
  });

  it('a server that accepts and never answers is bounded by the timeout', async () => {
    const h = await probeHttp('127.0.0.1', servers.silent!.port, { ...opts, timeoutMs: 600 });
    expect(h.error).toBe('no HTTP response within 600 ms');
    expect(httpTimedOut(h)).toBe(true);
    expect(h.status).toBeNull();
  });
});

const port = (http: HttpFacts): PortResult => ({ port: 443, address: '192.0.2.1', purpose: 'gui', required: true, state: 'open', reason: 'connected', latencyMs: 1, http });
const facts = (over: Partial<HttpFacts>): HttpFacts => ({ url: 'https://x/', status: 200, redirects: [], server: null, title: null, recognized: null, bodyBytes: 10, ...over });

describe('httpFindings (pure)', () => {
  it.each([
    ['pbxware', 'pbxware', []],
    ['serverware', 'pbxware', []],
    ['pbxware', 'serverware', []],
    ['issabel', 'issabel', []],
    ['issabel', 'pbxware', ['GUI_NOT_RECOGNIZED']],
    ['pbxware', null, ['GUI_NOT_RECOGNIZED']],
  ] as const)('expected %s, page looks like %s → %j', (expected, seen, codes) => {
    expect(httpFindings(port(facts({ recognized: seen })), expected).map((f) => f.code)).toEqual(codes);
  });

  it('GUI_NOT_RECOGNIZED names status, Server and title', () => {
    const [f] = httpFindings(port(facts({ status: 200, server: 'micro_httpd', title: 'Router' })), 'pbxware');
    expect(f).toMatchInlineSnapshot(`
      {
        "address": "192.0.2.1",
        "code": "GUI_NOT_RECOGNIZED",
        "message": "Port 443 answers HTTP (200, Server: micro_httpd) but the page does not look like the PBXware GUI (its title is “Router”).",
        "port": 443,
        "remedy": "The forward may land on another device (often the router's own admin page): point TCP 443 at the PBX.",
        "severity": "warn",
      }
    `);
  });

  it('a failed request → HTTP_FAILED', () => {
    expect(httpFindings(port(facts({ status: null, error: 'socket hang up (ECONNRESET)' })), 'pbxware').map((f) => [f.code, f.message])).toEqual([
      ['HTTP_FAILED', 'Port 443 is open but the HTTP request failed: socket hang up (ECONNRESET).'],
    ]);
  });

  it.each([
    ['<title>PBXware</title>', 'PBXware'],
    ['<TITLE lang="en">\n  A &amp; B\n</TITLE>', 'A & B'],
    ['<title></title>', null],
    ['no title', null],
  ])('pageTitle(%j) = %j', (html, title) => {
    expect(pageTitle(html)).toBe(title);
  });
});
