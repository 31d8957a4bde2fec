import { describe, expect, it } from 'vitest';
import { certBand, driftText, hostDrift, sortDrift } from '../../checker/history/drift.js';
import type { HostSummary } from '../../shared/model.js';
import { hostSummary } from '../fixtures/reports.js';

const base: HostSummary = hostSummary({
  customer: 'acme',
  host: 'hq.example.net',
  ports: [{ port: 443, state: 'open', required: true }, { port: 2020, state: 'open', required: true }],
  certs: [{ port: 443, notAfter: '2026-11-20T00:00:00.000Z', fingerprint: 'AA' }],
  hostKeys: [{ port: 2020, fingerprint: 'SHA256:old' }],
});

describe('drift between two runs of one host', () => {
  it('nothing changed: no drift', () => {
    expect(hostDrift(base, { ...base, checkedAt: '2026-11-02T02:00:00.000Z' })).toEqual([]);
  });

  it('certificate entering the 14-day, then the 7-day band; renewal', () => {
    const day = (d: string) => ({ ...base, checkedAt: d });
    expect(certBand('2026-11-20T00:00:00.000Z', '2026-11-05T00:00:00.000Z')).toBe(null);
    const into14 = hostDrift(day('2026-11-05T00:00:00.000Z'), day('2026-11-07T00:00:00.000Z'));
    expect(into14.map((c) => [c.kind, c.before, c.after, c.worse])).toEqual([['cert_expiring', null, '14d', true]]);
    const into7 = hostDrift(day('2026-11-07T00:00:00.000Z'), day('2026-11-14T00:00:00.000Z'));
    expect(into7.map((c) => [c.kind, c.after])).toEqual([['cert_expiring', '7d']]);
    const renewed = hostDrift(base, { ...base, certs: [{ port: 443, notAfter: '2027-02-18T00:00:00.000Z', fingerprint: 'BB' }] });
    expect(renewed.map((c) => [c.kind, c.worse, c.message])).toEqual([['cert_renewed', false, 'acme/hq: certificate on 443 renewed, valid to 2027-02-18T00:00:00.000Z (was 2026-11-20T00:00:00.000Z)']]);
  });

  it('host key, address, product, port state and verdict changes; worse ones sorted first', () => {
    const after: HostSummary = {
      ...base,
      address: '192.0.2.99',
      product: 'serverware',
      verdict: 'not-ready',
      ports: [{ port: 443, state: 'open', required: true }, { port: 2020, state: 'filtered', required: true }],
      hostKeys: [{ port: 2020, fingerprint: 'SHA256:new' }],
    };
    const changes = sortDrift(hostDrift(base, after));
    expect(changes.map((c) => [c.kind, c.worse])).toEqual([
      ['port_state', true],
      ['ssh_hostkey', true],
      ['verdict', true],
      ['address', false],
      ['product', false],
    ]);
    const text = driftText({ fromRun: 1, toRun: 2, changes });
    expect(text.split('\n')[0]).toBe('pbxready: 5 change(s) between run 1 and run 2');
    expect(text).toContain('• :red_circle: acme/hq: SSH host key on 2020 changed SHA256:old → SHA256:new');
  });

  it('hosts added and removed', () => {
    expect(hostDrift(undefined, base).map((c) => c.kind)).toEqual(['host_added']);
    expect(hostDrift(base, undefined).map((c) => c.kind)).toEqual(['host_removed']);
  });
});
