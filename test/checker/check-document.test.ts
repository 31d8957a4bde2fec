// The check report as a document, rendered: a fixed report, snapshots of text and Markdown.

import { describe, expect, it } from 'vitest';
import type { CheckReport } from '../../shared/model.js';
import { finding } from '../../shared/findings.js';
import { checkDocument } from '../../shared/render/check-document.js';
import { renderReport } from '../../shared/render/index.js';
import { SecretRegistry } from '../../shared/redact.js';
import { checkReport, port } from '../fixtures/reports.js';

const report: CheckReport = checkReport(
  [
    port(443, 'open', {
      latencyMs: 12.34,
      tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', subject: 'CN=pbx.example.com', issuer: 'CN=R3', subjectAltNames: ['DNS:pbx.example.com'], validFrom: '2025-10-01T00:00:00.000Z', validTo: '2026-01-07T00:00:00.000Z', daysLeft: 4, selfSigned: false, hostnameMatch: true, fingerprint256: 'AB:CD' },
      http: { url: 'https://pbx.example.com/', status: 200, redirects: [], server: 'nginx', title: 'PBXware 7 - Login', recognized: 'pbxware', bodyBytes: 2048 },
    }),
    port(2020, 'filtered', { reason: 'no answer within 3000 ms' }),
    port(3306, 'open', { latencyMs: 11 }),
  ],
  {
    tool: { name: 'pbxready', version: '0.1.0' },
    generatedAt: '2026-01-02T03:04:05.000Z',
    durationMs: 1234,
    target: { host: 'pbx.example.com', addresses: ['203.0.113.10'], product: 'pbxware', productReason: 'SSH port 2020 answers and 2222 does not' },
    verdict: 'not-ready',
    icmp: { measured: false, reason: 'not permitted: needs root or CAP_NET_RAW', alive: null, rttMs: null },
    findings: [
      finding('PORT_FILTERED', { purpose: 'ssh', reason: 'no answer within 3000 ms' }, { port: 2020, address: '203.0.113.10' }),
      finding('TLS_CERT_EXPIRING', { days: 4, validTo: '2026-01-07T00:00:00.000Z' }, { port: 443, address: '203.0.113.10' }),
      finding('EXPOSED_MYSQL', {}, { port: 3306, address: '203.0.113.10' }),
    ],
  },
);

describe('checkDocument', () => {
  it('headline, facts and sections', () => {
    const doc = checkDocument(report);
    expect(doc.headline).toBe('1 of 2 required port checks open; 1 failure(s), 2 warning(s).');
    expect(doc.sections.map((s) => s.title)).toEqual(['Ports', 'TLS certificates', 'Web GUI', 'ICMP echo']);
    expect(doc.facts).toContainEqual(['Product', 'PBXware (SSH port 2020 answers and 2222 does not)']);
  });

  it('an open exposure port is a warning tone, not a success', () => {
    const row = checkDocument(report).sections[0]!.table!.rows[2]!;
    expect(row[4]).toEqual({ text: 'open', tone: 'warn' });
  });

  it('text rendering', () => {
    expect(renderReport(report, 'text', checkDocument, new SecretRegistry())).toMatchInlineSnapshot(`
      "pbxready check — pbx.example.com
      Verdict: NOT READY — 1 of 2 required port checks open; 1 failure(s), 2 warning(s).

      Target:     pbx.example.com
      Addresses:  203.0.113.10
      Product:    PBXware (SSH port 2020 answers and 2222 does not)
      Checked at: 2026-01-02T03:04:05.000Z
      Duration:   1.23 s

      Ports

        Port  Address       Purpose   Required  State     Reason                    Latency  Service
        ----  ------------  --------  --------  --------  ------------------------  -------  --------------------------------------------------------------
        443   203.0.113.10  gui       yes       open      connected                 12.3 ms  TLSv1.3, cert 4 d left; HTTP 200 “PBXware 7 - Login” (PBXware)
        2020  203.0.113.10  ssh       yes       filtered  no answer within 3000 ms  —        —
        3306  203.0.113.10  exposure  no        open      connected                 11.0 ms  —

      TLS certificates

        Port  Address       Protocol                        Subject             Issuer  Valid until               Days left  Self-signed  Name match
        ----  ------------  ------------------------------  ------------------  ------  ------------------------  ---------  -----------  ----------
        443   203.0.113.10  TLSv1.3 TLS_AES_256_GCM_SHA384  CN=pbx.example.com  CN=R3   2026-01-07T00:00:00.000Z  4          no           yes

      Web GUI

        Port  Address       URL                       Status  Redirects  Server  Title              Looks like
        ----  ------------  ------------------------  ------  ---------  ------  -----------------  ----------
        443   203.0.113.10  https://pbx.example.com/  200     —          nginx   PBXware 7 - Login  PBXware

      ICMP echo

        not measured: not permitted: needs root or CAP_NET_RAW

      Findings

        [FAIL] PORT_FILTERED: Port 2020 (ssh) on 203.0.113.10 is filtered: no answer within 3000 ms.
               fix: A firewall drops TCP 2020: allow it from the vendor's support addresses, and forward it to the PBX when it sits behind NAT.
        [WARN] EXPOSED_MYSQL: MySQL (TCP 3306) on 203.0.113.10 is reachable from here.
               fix: Against the vendor's recommendation: close TCP 3306 to the Internet (firewall or bind MySQL to localhost).
        [WARN] TLS_CERT_EXPIRING: The certificate on port 443 expires in 4 day(s) (2026-01-07T00:00:00.000Z).
               fix: Renew the GUI certificate before it expires.

      pbxready 0.1.0 · schema 1 · 2026-01-02T03:04:05.000Z
      "
    `);
  });

  it('a DNS failure reads as unknown with the reason as headline', () => {
    const r: CheckReport = { ...report, verdict: 'unknown', ports: [], target: { ...report.target, addresses: [] }, findings: [finding('DNS_FAILED', { host: 'pbx.example.com', reason: 'no such name (ENOTFOUND)' })] };
    expect(checkDocument(r).headline).toBe('The name pbx.example.com does not resolve: no such name (ENOTFOUND).');
  });
});
