// runCheck end to end against real servers: loopback for services, a network namespace for firewalls,
// real sshd for auto-detection. Profiles are exercised by the injected portMap (profile port → test port).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEPS, portPlan, runCheck, type CheckDeps } from '../../checker/check.js';
import { CHECK_DEFAULTS, type CheckOptions } from '../../checker/check-options.js';
import { deadlineMs } from '../../checker/probes/probe.js';
import type { CheckReport, Finding } from '../../shared/model.js';
import { EXIT_CODE } from '../../shared/verdict.js';
import { createNetns, type TestNetns } from '../harness/netns.js';
import { startSshd, type SshdServer } from '../harness/sshd.js';
import { makeCertificates, type TestCertificates } from '../harness/tls-certs.js';
import { PAGES, closedPort, page, startGreetingServer, startHttpServer, startHttpsServer, startSilentServer, type TestServer } from '../harness/servers.js';

let certs: TestCertificates;
const s: Record<string, TestServer> = {};
let closed: number;

beforeAll(async () => {
  certs = await makeCertificates();
  s.pbxHttp = await startHttpServer(page(PAGES.pbxware));
  s.router = await startHttpServer(page(PAGES.router, 'micro_httpd'));
  s.pbxHttpsExpired = await startHttpsServer(certs.expired, page(PAGES.pbxware));
  s.pbxHttpsValid = await startHttpsServer(certs.valid, page(PAGES.pbxware));
  s.issabelHttps = await startHttpsServer(certs.selfSigned, page(PAGES.issabel));
  s.mysql = await startGreetingServer(Buffer.from('4a0000000a382e302e3333', 'hex'));
  s.ami = await startGreetingServer('Asterisk Call Manager/7.0.3\r\n');
  s.silent = await startSilentServer();
  s.httpOnSsh = await startGreetingServer('HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\n');
  s.smtp = await startGreetingServer('220 mail.example.test ESMTP\r\n');
  closed = await closedPort();
});
afterAll(() => Promise.all(Object.values(s).map((x) => x.stop())));

const options = (over: Partial<CheckOptions> = {}): CheckOptions => ({ ...CHECK_DEFAULTS, host: '127.0.0.1', allowPrivate: true, timeoutMs: 3000, ...over });
const deps = (portMap: Record<number, number>, over: Partial<CheckDeps> = {}): CheckDeps => ({ ...DEFAULT_DEPS, portMap, ...over });
const codes = (r: CheckReport) => r.findings.map((f) => f.code).sort();
const at = (r: CheckReport, code: string, port?: number): Finding | undefined => r.findings.find((f) => f.code === code && (port === undefined || f.port === port));

/** Every profile and exposure port mapped somewhere, so no test ever dials a real 80 or 443. */
function allClosedExcept(map: Record<number, number>): Record<number, number> {
  const base = Object.fromEntries([22, 80, 81, 443, 2020, 2222, 3306, 5038].map((p) => [p, closed]));
  return { ...base, ...map };
}

describe('runCheck: PBXware profile on loopback', () => {
  let r: CheckReport;
  beforeAll(async () => {
    const map = allClosedExcept({ 80: s.pbxHttp!.port, 81: s.router!.port, 443: s.pbxHttpsExpired!.port, 3306: s.mysql!.port, 5038: s.ami!.port });
    r = await runCheck(options({ product: 'pbxware' }), deps(map));
  });

  it('fills the report contract', () => {
    expect(r).toMatchObject({ schemaVersion: 1, kind: 'check', tool: { name: 'pbxready' }, target: { host: '127.0.0.1', addresses: ['127.0.0.1'], product: 'pbxware', productReason: 'chosen with --product' } });
    expect(r.ports.map((p) => [p.port, p.purpose, p.required, p.state])).toEqual([
      [80, 'gui', true, 'open'],
      [81, 'gui', true, 'open'],
      [443, 'gui', true, 'open'],
      [2020, 'ssh', true, 'closed'],
      [3306, 'exposure', false, 'open'],
      [5038, 'exposure', false, 'open'],
    ]);
    expect(r.icmp.measured).toBe(true);
  });

  it('judges each port: expired certificate, router page, closed SSH, exposed MySQL and AMI', () => {
    expect(codes(r)).toEqual(['CHECKED_FROM_INSIDE', 'EXPOSED_AMI', 'EXPOSED_MYSQL', 'GUI_NOT_RECOGNIZED', 'PORT_CLOSED', 'TARGET_NOT_PUBLIC', 'TLS_CERT_EXPIRED']);
    expect(at(r, 'PORT_CLOSED')).toMatchObject({ port: 2020, severity: 'fail' });
    expect(at(r, 'GUI_NOT_RECOGNIZED')).toMatchObject({ port: 81, severity: 'warn' });
    expect(at(r, 'TLS_CERT_EXPIRED')).toMatchObject({ port: 443, severity: 'warn' });
    expect(at(r, 'EXPOSED_MYSQL')).toMatchObject({ port: 3306, severity: 'warn' });
    expect(at(r, 'EXPOSED_AMI')).toMatchObject({ port: 5038, severity: 'warn' });
    expect(at(r, 'TARGET_NOT_PUBLIC')?.severity).toBe('info');
    expect(r.verdict).toBe('not-ready');
    expect(EXIT_CODE[r.verdict]).toBe(2);
  });

  it('records TLS and HTTP facts on the GUI ports', () => {
    const https = r.ports.find((p) => p.port === 443)!;
    expect(https.tls?.daysLeft).toBeLessThan(0);
    expect(https.http).toMatchObject({ status: 200, recognized: 'pbxware' });
    expect(r.ports.find((p) => p.port === 80)!.http?.recognized).toBe('pbxware');
  });
});

describe('runCheck: services that misbehave are bounded and named', () => {
  it('accept-and-never-speak everywhere: TLS, HTTP and SSH all end at the timeout', async () => {
    const map = allClosedExcept({ 80: s.silent!.port, 81: s.silent!.port, 443: s.silent!.port, 2020: s.silent!.port });
    const r = await runCheck(options({ product: 'pbxware', timeoutMs: 500 }), deps(map));
    expect(at(r, 'TLS_HANDSHAKE_TIMEOUT', 443)?.message).toContain('500 ms');
    expect(at(r, 'SSH_BANNER_TIMEOUT', 2020)?.severity).toBe('fail');
    expect(at(r, 'HTTP_FAILED', 80)?.message).toContain('no HTTP response within 500 ms');
    expect(at(r, 'HTTP_FAILED', 81)).toBeDefined();
    expect(r.verdict).toBe('not-ready');
  });

  it('the wrong protocol: HTTP on the SSH port → SSH_NOT_SSH; SMTP on 443 → TLS_HANDSHAKE_FAILED', async () => {
    const map = allClosedExcept({ 80: s.pbxHttp!.port, 81: s.pbxHttp!.port, 443: s.smtp!.port, 2020: s.httpOnSsh!.port });
    const r = await runCheck(options({ product: 'pbxware' }), deps(map));
    expect(at(r, 'SSH_NOT_SSH', 2020)?.message).toContain('HTTP/1.1 400 Bad Request');
    expect(at(r, 'TLS_HANDSHAKE_FAILED', 443)?.message).toContain('does not speak TLS');
    expect(r.verdict).toBe('not-ready');
  });

  it('self-signed GUI certificate → TLS_SELF_SIGNED (info) and a ready verdict when all else is fine', async () => {
    const map = allClosedExcept({ 443: s.issabelHttps!.port });
    const r = await runCheck(options({ product: 'issabel', ports: [443] }), deps(map));
    expect(codes(r)).toEqual(['CHECKED_FROM_INSIDE', 'TARGET_NOT_PUBLIC', 'TLS_SELF_SIGNED']);
    expect(r.findings.every((f) => f.severity === 'info')).toBe(true);
    expect(r.verdict).toBe('ready');
  });

  it('a certificate expiring in 5 days → TLS_CERT_EXPIRING', async () => {
    const srv = await startHttpsServer(certs.expiringIn5Days, page(PAGES.pbxware));
    try {
      const r = await runCheck(options({ host: 'localhost', ports: [443] }), deps(allClosedExcept({ 443: srv.port })));
      expect(at(r, 'TLS_CERT_EXPIRING', 443)?.message).toContain('expires in 5 day(s)');
      expect(r.verdict).toBe('warnings');
    } finally {
      await srv.stop();
    }
  });

  it('a custom port answering TLS gets its certificate judged; one that does not is left alone', async () => {
    const tlsSrv = await startHttpsServer(certs.expired, page('<html></html>'));
    try {
      const r = await runCheck(options({ ports: [9001, 9002] }), deps(allClosedExcept({ 9001: tlsSrv.port, 9002: s.smtp!.port })));
      expect(r.ports.find((p) => p.port === 9001)!.tls?.daysLeft).toBeLessThan(0);
      expect(r.ports.find((p) => p.port === 9002)!.tls).toBeUndefined();
      expect(codes(r)).toEqual(['CHECKED_FROM_INSIDE', 'PRODUCT_AUTO_GUESS', 'TARGET_NOT_PUBLIC', 'TLS_CERT_EXPIRED']);
    } finally {
      await tlsSrv.stop();
    }
  });

  it('ICMP never decides the verdict', async () => {
    const icmp = async () => ({ measured: true, reason: 'no echo reply within 3000 ms', alive: false, rttMs: null });
    const r = await runCheck(options({ ports: [443] }), deps(allClosedExcept({ 443: s.pbxHttpsValid!.port }), { icmp }));
    expect(r.icmp.alive).toBe(false);
    expect(r.verdict).toBe('ready');
  });
});

describe('runCheck: --ports and exposure', () => {
  it('--ports replaces the profile; exposure ports are still probed, never required', () => {
    expect(portPlan({ product: 'pbxware', ports: [443, 8080] }).map((p) => [p.port, p.purpose])).toEqual([
      [443, 'gui'],
      [8080, 'gui'],
      [3306, 'exposure'],
      [5038, 'exposure'],
    ]);
    expect(portPlan({ product: 'auto' }).map((p) => p.port)).toEqual([22, 80, 81, 443, 2020, 2222, 3306, 5038]);
    expect(portPlan({ product: 'issabel' }).map((p) => p.port)).toEqual([443, 22, 3306, 5038]);
  });
});

describe('runCheck: names and addresses', () => {
  it('a name that does not resolve → DNS_FAILED, verdict unknown, nothing probed', async () => {
    let probed = 0;
    const tcp: CheckDeps['tcp'] = async (...a) => (probed++, DEFAULT_DEPS.tcp(...a));
    const r = await runCheck(options({ host: 'no-such-pbx.invalid' }), { ...DEFAULT_DEPS, tcp });
    expect(codes(r)).toEqual(['DNS_FAILED']);
    expect(r.findings[0]!.message).toMatch(/^The name no-such-pbx\.invalid does not resolve: /);
    expect(r.verdict).toBe('unknown');
    expect(EXIT_CODE[r.verdict]).toBe(3);
    expect(r.ports).toEqual([]);
    expect(probed).toBe(0);
  });

  it('a name is resolved with the system resolver (localhost → 127.0.0.1)', async () => {
    const r = await runCheck(options({ host: 'localhost', ports: [443] }), deps(allClosedExcept({ 443: s.pbxHttpsValid!.port })));
    expect(r.target.addresses).toContain('127.0.0.1');
    expect(r.ports.find((p) => p.port === 443)!.tls?.hostnameMatch).toBe(true);
  });

  it('every address the name resolves to is checked on its own', async () => {
    const resolve = async () => ['127.0.0.1', '127.0.0.2'];
    const r = await runCheck(options({ host: 'pbx.lab.test', ports: [2020] }), deps(allClosedExcept({ 2020: s.silent!.port }), { resolve }));
    expect(r.target.addresses).toEqual(['127.0.0.1', '127.0.0.2']);
    const states = r.ports.filter((p) => p.port === 2020).map((p) => [p.address, p.state]);
    expect(states).toEqual([
      ['127.0.0.1', 'open'],
      ['127.0.0.2', 'closed'],
    ]);
    expect(r.findings.filter((f) => f.code === 'PORT_CLOSED').map((f) => f.address)).toEqual(['127.0.0.2']);
    expect(r.findings.filter((f) => f.code === 'TARGET_NOT_PUBLIC')).toHaveLength(2);
  });

  it('a private target without --allow-private → TARGET_NOT_PUBLIC warn', async () => {
    const r = await runCheck(options({ allowPrivate: false, ports: [443] }), deps(allClosedExcept({ 443: s.pbxHttpsValid!.port })));
    expect(at(r, 'TARGET_NOT_PUBLIC')).toMatchObject({ severity: 'warn', address: '127.0.0.1' });
    expect(at(r, 'TARGET_NOT_PUBLIC')!.message).toContain('loopback');
    expect(r.verdict).toBe('warnings');
  });
});

describe('runCheck: the per-host connection cap', () => {
  /** Wrap every connection-opening probe and record how many run at once. */
  function counting(): { deps: Partial<CheckDeps>; max: () => number; total: () => number } {
    let active = 0;
    let max = 0;
    let total = 0;
    const wrap = <A extends unknown[], R>(fn: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
      active++;
      total++;
      max = Math.max(max, active);
      try {
        return await fn(...a);
      } finally {
        active--;
      }
    };
    return { deps: { tcp: wrap(DEFAULT_DEPS.tcp), tls: wrap(DEFAULT_DEPS.tls), http: wrap(DEFAULT_DEPS.http), ssh: wrap(DEFAULT_DEPS.ssh) }, max: () => max, total: () => total };
  }
  const ports = [9101, 9102, 9103, 9104, 9105, 9106, 9107, 9108];
  const silentMap = () => allClosedExcept(Object.fromEntries(ports.map((p) => [p, s.silent!.port])));

  it.each([1, 2, 4])('never more than %i connections at once, and exactly that many when there is work', async (cap) => {
    const c = counting();
    const r = await runCheck(options({ ports, perHostConcurrency: cap, timeoutMs: 300, icmp: false }), deps(silentMap(), c.deps));
    // 10 connects + 8 TLS sniffs of silent custom ports.
    expect(c.total()).toBe(18);
    expect(c.max()).toBe(cap);
    expect(r.ports.filter((p) => p.state === 'open')).toHaveLength(8);
  });
});

describe('runCheck: auto-detection (real sshd)', () => {
  let sshd: SshdServer;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(() => sshd?.stop());

  it('SSH on 2222 → SERVERware, and it says why', async () => {
    const map = allClosedExcept({ 80: s.pbxHttp!.port, 81: s.pbxHttp!.port, 443: s.pbxHttpsValid!.port, 2020: sshd.port, 2222: sshd.port });
    const r = await runCheck(options({ host: 'localhost' }), deps(map));
    const why = 'the GUI on 80, 81, 443 looks like PBXware; SSH answers on 2222 (SERVERware host SSH); SSH answers on 2020 (Bicom SSH: PBXware or SERVERware)';
    expect(r.target).toMatchObject({ product: 'serverware', productReason: why });
    expect(r.target.productCandidates).toBeUndefined();
    expect(at(r, 'PRODUCT_AUTO_GUESS')?.message).toBe(`Product chosen automatically: SERVERware (${why}).`);
    expect(r.ports.filter((p) => p.required).map((p) => p.port)).toEqual([80, 81, 443, 2020, 2222]);
    expect(r.ports.find((p) => p.port === 2222)!.ssh?.banner).toMatch(/^SSH-2\.0-OpenSSH/);
    expect(codes(r)).toEqual(['CHECKED_FROM_INSIDE', 'PRODUCT_AUTO_GUESS', 'TARGET_NOT_PUBLIC']);
    expect(r.verdict).toBe('ready');
  });

  it('SSH on 22 and HTTPS on 443 without 2020 → Issabel; PBXware ports are not required', async () => {
    const map = allClosedExcept({ 22: sshd.port, 443: s.issabelHttps!.port });
    const r = await runCheck(options({ host: 'localhost' }), deps(map));
    expect(r.target.product).toBe('issabel');
    expect(r.ports.filter((p) => p.required).map((p) => p.port)).toEqual([22, 443]);
    expect(r.findings.filter((f) => f.code === 'PORT_CLOSED')).toEqual([]);
    expect(codes(r)).toEqual(['CHECKED_FROM_INSIDE', 'PRODUCT_AUTO_GUESS', 'TARGET_NOT_PUBLIC', 'TLS_SELF_SIGNED']);
  });

  it('something that is not SSH on 2222 does not make it SERVERware', async () => {
    const map = allClosedExcept({ 80: s.pbxHttp!.port, 81: s.pbxHttp!.port, 443: s.pbxHttpsValid!.port, 2020: sshd.port, 2222: s.httpOnSsh!.port });
    const r = await runCheck(options({ host: 'localhost' }), deps(map));
    expect(r.target).toMatchObject({ product: 'pbxware', productReason: 'the GUI on 80, 81, 443 looks like PBXware; SSH answers on 2020 (Bicom SSH: PBXware or SERVERware)' });
    expect(r.verdict).toBe('ready');
  });

  it('auto sends credentials only to the chosen product\'s SSH ports, after deciding', async () => {
    const seen: Array<[number, boolean]> = [];
    const ssh: CheckDeps['ssh'] = (target, c) => (seen.push([target.port, target.credentials !== undefined]), DEFAULT_DEPS.ssh(target, c));
    const other = await startSshd();
    try {
      const map = allClosedExcept({ 22: other.port, 443: s.pbxHttpsValid!.port, 2020: sshd.port });
      const r = await runCheck(options({ host: 'localhost', ssh: { user: sshd.user, password: sshd.password } }), deps(map, { ssh }));
      expect(r.target.product).toBe('pbxware');
      expect(seen.filter(([, creds]) => creds)).toEqual([[sshd.port, true]]);
      expect(seen.filter(([p]) => p === other.port)).toEqual([[other.port, false]]);
      expect(at(r, 'SSH_AUTH_OK', 2020)).toBeDefined();
    } finally {
      await other.stop();
    }
  });
});

describe('runCheck owns each probe\'s deadline', () => {
  it('the SSH login gets a window of its own, and every window is cleared when the probe returns', async () => {
    const timeoutMs = 400;
    let session: AbortSignal | undefined;
    let login: AbortSignal | undefined;
    let loginAbortedWhenSessionRanOut: boolean | undefined;
    // Stands in for a probe whose login starts late: it asks for the login window at once, then
    // waits until the session's deadline runs out.
    const ssh: CheckDeps['ssh'] = async (_target, c) => {
      session = c.signal;
      login = c.loginSignal?.();
      await new Promise<void>((resolve) => c.signal.addEventListener('abort', () => resolve(), { once: true }));
      loginAbortedWhenSessionRanOut = login?.aborted;
      return { banner: 'SSH-2.0-test', hostKeyType: null, fingerprint: null, authMethods: [] };
    };
    const r = await runCheck(options({ product: 'pbxware', ports: [2020], timeoutMs, icmp: false }), deps(allClosedExcept({ 2020: s.silent!.port }), { ssh }));
    expect(deadlineMs(session!)).toBe(timeoutMs);
    expect(login).toBeDefined();
    expect(login).not.toBe(session);
    expect(loginAbortedWhenSessionRanOut).toBe(false);
    expect(r.ports[0]!.ssh).toMatchObject({ banner: 'SSH-2.0-test', timeoutMs });
    // Cleared with the probe: the login window never runs out afterwards (no timer left behind).
    await new Promise((resolve) => setTimeout(resolve, timeoutMs * 2));
    expect(login!.aborted).toBe(false);
  });
});

describe('runCheck through a real firewall (network namespace)', () => {
  let ns: TestNetns;
  beforeAll(async () => {
    ns = await createNetns({ open: [80], drop: [443], reset: [81], adminProhibited: [2020] });
  });
  afterAll(() => ns?.stop());

  it('DROP → PORT_FILTERED (no answer), reset → PORT_CLOSED, admin-prohibited → PORT_FILTERED (ICMP)', async () => {
    const r = await runCheck(options({ host: ns.address, product: 'pbxware', timeoutMs: 600, allowPrivate: false }), DEFAULT_DEPS);
    const state = (p: number) => r.ports.find((x) => x.port === p);
    expect(state(443)).toMatchObject({ state: 'filtered', reason: 'no answer within 600 ms' });
    expect(state(81)).toMatchObject({ state: 'closed' });
    expect(state(2020)).toMatchObject({ state: 'filtered', reason: 'EHOSTUNREACH (ICMP host unreachable)' });
    expect(at(r, 'PORT_FILTERED', 443)?.message).toContain('no answer within 600 ms');
    expect(at(r, 'PORT_FILTERED', 2020)?.message).toContain('EHOSTUNREACH');
    expect(at(r, 'PORT_CLOSED', 81)).toBeDefined();
    expect(at(r, 'TARGET_NOT_PUBLIC')).toMatchObject({ severity: 'warn', message: `${ns.address} is a private address: public reachability is not proven from here.` });
    expect(at(r, 'HOST_UNREACHABLE')).toBeUndefined();
    expect(r.verdict).toBe('not-ready');
  });

  it('every port filtered → one HOST_UNREACHABLE instead of a PORT_FILTERED per port', async () => {
    const r = await runCheck(options({ host: ns.deadAddress, product: 'issabel', timeoutMs: 400 }), DEFAULT_DEPS);
    expect(r.ports.every((p) => p.state === 'filtered')).toBe(true);
    expect(codes(r)).toEqual(['CHECKED_FROM_INSIDE', 'HOST_UNREACHABLE', 'TARGET_NOT_PUBLIC']);
    expect(r.verdict).toBe('not-ready');
  });

  it('fleet retries keep both attempts as evidence', async () => {
    const r = await runCheck(options({ host: ns.address, ports: [443], timeoutMs: 300, retryFiltered: true, probes: 'tcp' }), DEFAULT_DEPS);
    const p = r.ports.find((x) => x.port === 443)!;
    expect(p.attempts?.map((a) => a.state)).toEqual(['filtered', 'filtered']);
    expect(r.icmp).toMatchObject({ measured: false, reason: 'not requested' });
  });
});
