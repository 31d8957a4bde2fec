import { describe, expect, it } from 'vitest';
import { finding } from '../../shared/findings.js';
import type { CheckReport } from '../../shared/model.js';
import { SecretRegistry } from '../../shared/redact.js';
import { checkDocument } from '../../shared/render/check-document.js';
import { formatBytes, formatDuration } from '../../shared/render/document.js';
import { FORMATS, parseFormat, renderReport } from '../../shared/render/index.js';
import { mdEscape } from '../../shared/render/markdown.js';
import { htmlEscape } from '../../shared/render/html.js';
import { verdictOf } from '../../shared/verdict.js';
import { checkReport, port } from '../fixtures/reports.js';

function report(): CheckReport {
  const findings = [
    finding('PORT_FILTERED', { purpose: 'ssh', reason: 'no answer within 3000 ms' }, { port: 2020, address: '192.0.2.10' }),
    finding('TLS_SELF_SIGNED', { subject: 'CN=pbx.example.com' }, { port: 443, address: '192.0.2.10' }),
  ];
  return checkReport(
    [
      port(443, 'open', {
        address: '192.0.2.10',
        latencyMs: 12.34,
        tls: {
          protocol: 'TLSv1.3',
          cipher: 'TLS_AES_256_GCM_SHA384',
          subject: 'CN=pbx.example.com',
          issuer: 'CN=pbx.example.com',
          subjectAltNames: ['DNS:pbx.example.com'],
          validFrom: '2026-01-01T00:00:00.000Z',
          validTo: '2027-01-01T00:00:00.000Z',
          daysLeft: 38,
          selfSigned: true,
          hostnameMatch: true,
          fingerprint256: 'AA:BB',
        },
        http: { url: 'https://pbx.example.com/', status: 200, redirects: [], server: 'nginx', title: 'PBXware | Login', recognized: 'pbxware', bodyBytes: 5120 },
      }),
      port(2020, 'filtered', { address: '192.0.2.10', reason: 'no answer within 3000 ms' }),
    ],
    {
      tool: { name: 'pbxready', version: '0.1.0' },
      generatedAt: '2026-11-23T10:00:00.000Z',
      durationMs: 3012,
      target: { host: 'pbx.example.com', addresses: ['192.0.2.10'], product: 'pbxware', productReason: 'given with --product' },
      verdict: verdictOf(findings),
      icmp: { measured: false, reason: 'not permitted: needs root or CAP_NET_RAW', alive: null, rttMs: null },
      findings,
    },
  );
}

describe('renderers', () => {
  it('parses formats and names the bad one', () => {
    expect(FORMATS.map(parseFormat)).toEqual(['text', 'json', 'markdown', 'html']);
    expect(() => parseFormat('pdf')).toThrow('unknown format "pdf" (expected one of: text, json, markdown, html)');
  });

  it('JSON is the report itself, stable field names', () => {
    const parsed = JSON.parse(renderReport(report(), 'json', checkDocument));
    expect(Object.keys(parsed)).toEqual(['schemaVersion', 'kind', 'tool', 'generatedAt', 'durationMs', 'target', 'verdict', 'ports', 'icmp', 'findings']);
    expect(parsed.verdict).toBe('not-ready');
    expect(Object.keys(parsed.findings[0])).toEqual(['code', 'severity', 'message', 'remedy', 'port', 'address']);
  });

  it('text shows verdict, ports and findings with remedies', () => {
    const text = renderReport(report(), 'text', checkDocument);
    expect(text).toContain('Verdict: NOT READY — 1 of 2 required port checks open; 1 failure(s), 0 warning(s).');
    expect(text).toMatch(/2020\s+192\.0\.2\.10\s+ssh\s+yes\s+filtered\s+no answer within 3000 ms/);
    expect(text).toContain('[FAIL] PORT_FILTERED: Port 2020 (ssh) on 192.0.2.10 is filtered: no answer within 3000 ms.');
    expect(text).toContain('fix: A firewall drops TCP 2020');
    expect(text).toContain('not measured: not permitted: needs root or CAP_NET_RAW');
  });

  it('Markdown is a ticket-ready summary with tables', () => {
    const md = renderReport(report(), 'markdown', checkDocument);
    expect(md.split('\n').slice(0, 3)).toEqual(['## pbxready check — pbx.example.com', '', '**Verdict: NOT READY** — 1 of 2 required port checks open; 1 failure(s), 0 warning(s).']);
    expect(md).toContain('| Port | Address | Purpose | Required | State | Reason | Latency | Service |');
    expect(md).toContain('- ❌ **FAIL `PORT_FILTERED`**');
    expect(md).toContain('PBXware \\| Login'); // a pipe in a cell must not break the table
  });

  it('HTML is one self-contained page', () => {
    const html = renderReport(report(), 'html', checkDocument);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('data-verdict="not-ready"');
    expect(html).toContain('data-code="PORT_FILTERED"');
    expect(html).not.toMatch(/<script|<link|src=|href=/);
  });

  it('escapes hostile text in every format', () => {
    const r = report();
    r.ports[0]!.http!.title = '<script>alert(1)</script> | *x*';
    expect(renderReport(r, 'html', checkDocument)).not.toContain('<script>alert');
    expect(htmlEscape('<a href="x">&</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
    expect(mdEscape('a|b\nc*d')).toBe('a\\|b c\\*d');
  });

  it('redacts before rendering, in every format', () => {
    const registry = new SecretRegistry();
    registry.add('Tr0ub4dor&3');
    const r = report();
    r.ports[0]!.http!.title = 'login failed for Tr0ub4dor&3';
    (r.target as unknown as Record<string, unknown>).password = 'anything';
    for (const format of FORMATS) {
      const out = renderReport(r, format, checkDocument, registry);
      expect(out, format).not.toContain('Tr0ub4dor&3');
      expect(out, format).not.toContain('anything');
    }
  });

  it('formats sizes and durations for people', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
    expect(formatBytes(null)).toBe('—');
    expect(formatDuration(90061)).toBe('1d 1h');
    expect(formatDuration(3700)).toBe('1h 1m');
    expect(formatDuration(61)).toBe('1m 1s');
  });
});
