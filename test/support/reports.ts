// Small builders for CheckReport / AgentReport fixtures in the pure table tests.
// Only the fields a rule reads are varied; the rest are plausible constants.

import type { AgentReport, CheckReport, ListeningSocket, PortResult, PortState } from '../../shared/model.js';
import { SCHEMA_VERSION } from '../../shared/model.js';

export function port(port: number, state: PortState, over: Partial<PortResult> = {}): PortResult {
  return {
    port,
    address: '203.0.113.10',
    purpose: port === 2020 || port === 22 || port === 2222 ? 'ssh' : port === 3306 || port === 5038 ? 'exposure' : 'gui',
    required: !(port === 3306 || port === 5038),
    state,
    reason: state === 'open' ? 'connected' : state === 'closed' ? 'ECONNREFUSED' : 'timeout after 3000 ms',
    latencyMs: state === 'filtered' ? null : 1.2,
    ...over,
  };
}

export function checkReport(ports: PortResult[], over: Partial<CheckReport> = {}): CheckReport {
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'check',
    tool: { name: 'pbxready', version: '0.0.0-test' },
    generatedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1000,
    target: { host: 'pbx.example.com', addresses: ['203.0.113.10'], product: 'pbxware', productReason: 'test' },
    verdict: 'ready',
    ports,
    icmp: { measured: false, reason: 'test', alive: null, rttMs: null },
    findings: [],
    ...over,
  };
}

export function listen(port: number, address = '0.0.0.0', process: string | null = 'sshd'): ListeningSocket {
  return { port, address, process };
}

export function agentReport(over: Partial<AgentReport> = {}): AgentReport {
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'agent',
    tool: { name: 'pbxready-agent', version: '0.0.0-test' },
    generatedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 200,
    verdict: 'ready',
    host: { hostname: 'pbx', os: 'Debian 12', kernel: '6.1', uptimeSeconds: 1000 },
    product: { name: 'pbxware', version: '7.1.0', edition: 'Business' },
    asterisk: { version: '18.20.0', running: true, activeCalls: 0, endpoints: { total: 10, reachable: 10 }, trunks: [] },
    disks: [{ mount: '/', sizeBytes: 100 * 1024 ** 3, usedBytes: 20 * 1024 ** 3, availBytes: 80 * 1024 ** 3, usePercent: 20, holds: ['database', 'backups'] }],
    database: { reachable: true, version: '10.11.6-MariaDB', schemas: [] },
    cdr: {
      table: 'pbxware.cdr',
      engine: 'InnoDB',
      rows: 100_000,
      rowsExact: false,
      dataBytes: 50 * 1024 ** 2,
      indexBytes: 10 * 1024 ** 2,
      oldest: '2024-01-01 00:00:00',
      newest: '2026-01-01 00:00:00',
      lastHour: { calls: 10, failed: 0, failedRatio: 0 },
    },
    listening: [listen(2020), listen(80, '0.0.0.0', 'nginx'), listen(81, '0.0.0.0', 'nginx'), listen(443, '::', 'nginx')],
    custom: { customConfFiles: [], agiScripts: [], modifiedPackageFiles: [], newestBackup: { path: '/opt/backup/today.tgz', ageDays: 0 } },
    findings: [],
    ...over,
  };
}
