// The pure snapshot diff.

import { expect, test } from 'vitest';
import type { AgentReport } from '../../shared/model.js';
import { diffAgentReports } from '../../shared/snapshot-diff.js';

const base: AgentReport = {
  schemaVersion: 1,
  kind: 'agent',
  tool: { name: 'pbxready', version: '0' },
  generatedAt: '2024-01-01T00:00:00Z',
  durationMs: 1,
  verdict: 'ready',
  host: { hostname: 'pbx', os: 'Linux', kernel: '6.1', uptimeSeconds: 1 },
  product: { name: 'pbxware', version: '7.1' },
  asterisk: { version: '18.20.0', running: true, activeCalls: 3, endpoints: { total: 10, reachable: 10 }, trunks: [{ name: 'main', state: 'Registered' }] },
  disks: [{ mount: '/', sizeBytes: 100, usedBytes: 50, availBytes: 50, usePercent: 50, holds: [] }],
  database: { reachable: true, version: '10.11', schemas: [] },
  cdr: { table: 'pbxware.cdr', engine: 'InnoDB', rows: 100, rowsExact: false, dataBytes: 1, indexBytes: 1, oldest: null, newest: null, lastHour: { calls: 10, failed: 1, failedRatio: 0.1 } },
  listening: [],
  findings: [],
};

test('an upgrade: versions, endpoints, trunks, calls, disks and findings', () => {
  const after: AgentReport = {
    ...base,
    generatedAt: '2024-01-02T00:00:00Z',
    verdict: 'warnings',
    product: { name: 'pbxware', version: '7.2' },
    asterisk: { ...base.asterisk, version: '20.5.2', activeCalls: 1, endpoints: { total: 10, reachable: 8 }, trunks: [{ name: 'main', state: 'Rejected' }, { name: 'new', state: 'Registered' }] },
    disks: [{ ...base.disks[0]!, usePercent: 60.5 }],
    cdr: { ...base.cdr!, lastHour: { calls: 10, failed: 4, failedRatio: 0.4 } },
    findings: [{ code: 'TRUNK_UNREGISTERED', severity: 'warn', message: 'Trunk main is Rejected, not registered.', remedy: 'r' }],
  };
  const d = diffAgentReports(base, after);
  const by = (item: string) => d.changes.find((c) => c.item === item);
  expect(by('product')).toMatchObject({ before: 'pbxware 7.1', after: 'pbxware 7.2' });
  expect(by('asterisk')).toMatchObject({ area: 'version', before: '18.20.0', after: '20.5.2' });
  expect(by('reachable')).toMatchObject({ before: '10', after: '8', worse: true });
  expect(by('main')).toMatchObject({ before: 'Registered', after: 'Rejected', worse: true });
  expect(by('new')).toMatchObject({ before: 'absent', after: 'Registered' });
  expect(by('new')?.worse).toBeUndefined();
  expect(by('active calls')).toMatchObject({ before: '3', after: '1' });
  expect(by('failed in the last hour')).toMatchObject({ before: '1', after: '4', worse: true });
  expect(by('/')).toMatchObject({ area: 'disk', before: '50% used', after: '60.5% used', worse: true });
  expect(by('verdict')).toMatchObject({ before: 'ready', after: 'warnings', worse: true });
  expect(d.newFindings.map((f) => f.code)).toEqual(['TRUNK_UNREGISTERED']);
  expect(d.resolvedFindings).toEqual([]);
});

test('no change, and disk noise under one point, give an empty diff', () => {
  const d = diffAgentReports(base, { ...base, disks: [{ ...base.disks[0]!, usePercent: 50.4 }] });
  expect(d.changes).toEqual([]);
});
