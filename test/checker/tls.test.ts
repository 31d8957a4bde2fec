// probeTls against real TLS servers with certificates made in the test, then the pure TLS rules.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDeadline } from '../../checker/probes/probe.js';
import { probeTls as probe } from '../../checker/probes/tls.js';

/** The caller's side of the contract: one deadline of `timeoutMs` per handshake. */
const probeTls = (address: string, port: number, o: { host: string; timeoutMs: number }) =>
  withDeadline(o.timeoutMs, undefined, (signal) => probe({ address, port, host: o.host }, { signal }));
import type { PortResult } from '../../shared/model.js';
import { tlsFindings } from '../../shared/rules/tls.js';
import { makeCertificates, type TestCertificates } from '../harness/tls-certs.js';
import { startGreetingServer, startSilentServer, startTlsServer, type TestServer } from '../harness/servers.js';

let certs: TestCertificates;
const servers: Record<string, TestServer> = {};

beforeAll(async () => {
  certs = await makeCertificates();
  servers.valid = await startTlsServer(certs.valid);
  servers.expired = await startTlsServer(certs.expired);
  servers.expiring = await startTlsServer(certs.expiringIn5Days);
  servers.selfSigned = await startTlsServer(certs.selfSigned);
  servers.otherName = await startTlsServer(certs.otherName);
  servers.silent = await startSilentServer();
  servers.smtp = await startGreetingServer('220 mail.example.test ESMTP ready\r\n');
});
afterAll(() => Promise.all(Object.values(servers).map((s) => s.stop())));

const port = (tls: PortResult['tls'], n = 443): PortResult => ({ port: n, address: '127.0.0.1', purpose: 'gui', required: true, state: 'open', reason: 'connected', latencyMs: 1, ...(tls ? { tls } : {}) });
const codes = (tls: PortResult['tls']) => tlsFindings(port(tls), { host: 'localhost', timeoutMs: 700 }).map((f) => f.code);

describe('probeTls', () => {
  it('a CA-signed certificate: names, validity, fingerprint, hostname match, not self-signed', async () => {
    const t = await probeTls('127.0.0.1', servers.valid!.port, { host: 'localhost', timeoutMs: 3000 });
    expect(t.error).toBeUndefined();
    expect(t.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(t.cipher).toBeTruthy();
    expect(t.subject).toBe('CN=localhost');
    expect(t.issuer).toBe('CN=pbxready test CA');
    expect(t.subjectAltNames).toEqual(expect.arrayContaining(['DNS:localhost', 'IP Address:127.0.0.1']));
    expect(t.daysLeft).toBeGreaterThanOrEqual(198);
    expect(t.selfSigned).toBe(false);
    expect(t.hostnameMatch).toBe(true);
    expect(t.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(codes(t)).toEqual([]);
  });

  it('an IP literal target is matched against IP SANs', async () => {
    const t = await probeTls('127.0.0.1', servers.valid!.port, { host: '127.0.0.1', timeoutMs: 3000 });
    expect(t.hostnameMatch).toBe(true);
  });

  it('expired → TLS_CERT_EXPIRED (warn)', async () => {
    const t = await probeTls('127.0.0.1', servers.expired!.port, { host: 'localhost', timeoutMs: 3000 });
    expect(t.daysLeft).toBeLessThan(0);
    const f = tlsFindings(port(t), { host: 'localhost', timeoutMs: 3000 });
    expect(f.map((x) => [x.code, x.severity])).toEqual([['TLS_CERT_EXPIRED', 'warn']]);
    expect(f[0]!.message).toMatch(/expired 3 day\(s\) ago/);
  });

  it('expiring in 5 days → TLS_CERT_EXPIRING', async () => {
    const t = await probeTls('127.0.0.1', servers.expiring!.port, { host: 'localhost', timeoutMs: 3000 });
    expect(t.daysLeft).toBe(5);
    expect(codes(t)).toEqual(['TLS_CERT_EXPIRING']);
  });

  it('self-signed → TLS_SELF_SIGNED (info), and the name does not match', async () => {
    const t = await probeTls('127.0.0.1', servers.selfSigned!.port, { host: 'localhost', timeoutMs: 3000 });
    expect(t.selfSigned).toBe(true);
    expect(t.subject).toBe(t.issuer);
    expect(codes(t)).toEqual(['TLS_SELF_SIGNED']);
  });

  it('a certificate for another name → TLS_HOSTNAME_MISMATCH (info)', async () => {
    const t = await probeTls('127.0.0.1', servers.otherName!.port, { host: 'pbx.customer.test', timeoutMs: 3000 });
    expect(t.hostnameMatch).toBe(false);
    const f = tlsFindings(port(t), { host: 'pbx.customer.test', timeoutMs: 3000 });
    expect(f.map((x) => [x.code, x.severity])).toEqual([['TLS_HOSTNAME_MISMATCH', 'info']]);
    expect(f[0]!.message).toContain('DNS:router.example.test');
  });

  it('a server that accepts and never speaks → timed out within the limit → TLS_HANDSHAKE_TIMEOUT', async () => {
    const t = await probeTls('127.0.0.1', servers.silent!.port, { host: 'localhost', timeoutMs: 700 });
    expect(t).toMatchObject({ timedOut: true, error: 'no TLS handshake within 700 ms', protocol: null });
    expect(codes(t)).toEqual(['TLS_HANDSHAKE_TIMEOUT']);
  });

  it('a server speaking another protocol → TLS_HANDSHAKE_FAILED with the reason', async () => {
    const t = await probeTls('127.0.0.1', servers.smtp!.port, { host: 'localhost', timeoutMs: 3000 });
    expect(t.timedOut).toBeUndefined();
    expect(t.error).toBe('the server does not speak TLS (wrong version number)');
    const f = tlsFindings(port(t), { host: 'localhost', timeoutMs: 3000 });
    expect(f.map((x) => x.code)).toEqual(['TLS_HANDSHAKE_FAILED']);
    expect(f[0]!.message).toContain('wrong version number');
  });
});

describe('tlsFindings (pure)', () => {
  const base = { protocol: 'TLSv1.3', cipher: 'X', subject: 'CN=a', issuer: 'CN=ca', subjectAltNames: ['DNS:a'], validFrom: null, validTo: '2030-01-01T00:00:00.000Z', selfSigned: false, hostnameMatch: true, fingerprint256: null };
  it.each([
    [15, []],
    [14, ['TLS_CERT_EXPIRING']],
    [0, ['TLS_CERT_EXPIRING']],
    [-1, ['TLS_CERT_EXPIRED']],
  ])('daysLeft %i → %j', (daysLeft, expected) => {
    expect(codes({ ...base, daysLeft })).toEqual(expected);
  });
  it('no TLS facts → no findings', () => {
    expect(codes(undefined)).toEqual([]);
  });
});
