// Reports as `pbxready check --format json` and `pbxready-agent report --format json` write them.

import { finding } from '../../shared/findings.js';
import type { AgentReport, CheckReport, PrecheckReport } from '../../shared/model.js';

export function agentReport(options: { emergency: boolean }): AgentReport {
  const calls = 40;
  const failed = options.emergency ? 26 : 3;
  const findings = options.emergency
    ? [finding('EMERGENCY_CRITERIA_MET', { criterion: '50% of calls or more unable to pass', evidence: `${failed} of ${calls} calls in the last hour could not pass (${Math.round((failed / calls) * 100)}%)` })]
    : [];
  return {
    schemaVersion: 1,
    kind: 'agent',
    tool: { name: 'pbxready-agent', version: '0.1.0' },
    generatedAt: '2025-03-01T10:00:00.000Z',
    durationMs: 812,
    verdict: options.emergency ? 'not-ready' : 'ready',
    host: { hostname: 'pbx1.customer.example', os: 'Debian GNU/Linux 12', kernel: '6.1.0-18-amd64', uptimeSeconds: 86400 },
    product: { name: 'pbxware', version: '7.2.1', edition: 'Multi-Tenant', licence: 'LIC-123456', evidence: '/opt/pbxware/pw/etc/pbxware/pbxware.ini' },
    asterisk: { version: '18.20.0', running: true, activeCalls: 4, endpoints: { total: 20, reachable: 18 }, trunks: [] },
    disks: [],
    database: { reachable: true, version: '10.11.6-MariaDB', schemas: [] },
    cdr: { table: 'pbxware.cdr', engine: 'InnoDB', rows: 120000, rowsExact: false, dataBytes: 5e7, indexBytes: 1e7, oldest: null, newest: null, lastHour: { calls, failed, failedRatio: failed / calls } },
    listening: [],
    findings,
  };
}

export function checkReport(options: { agent?: AgentReport; host?: string; bulk?: number } = {}): CheckReport {
  const host = options.host ?? 'pbx1.customer.example';
  const r: CheckReport = {
    schemaVersion: 1,
    kind: 'check',
    tool: { name: 'pbxready', version: '0.1.0' },
    generatedAt: '2025-03-01T10:00:05.000Z',
    durationMs: 2310,
    target: { host, addresses: ['203.0.113.10'], product: 'pbxware', productReason: 'given with --product' },
    verdict: 'not-ready',
    ports: [
      { port: 443, address: '203.0.113.10', purpose: 'gui', required: true, state: 'open', reason: 'connected', latencyMs: 12.5 },
      { port: 2020, address: '203.0.113.10', purpose: 'ssh', required: true, state: 'filtered', reason: 'timeout after 3000 ms', latencyMs: null },
    ],
    icmp: { measured: false, reason: 'not permitted', alive: null, rttMs: null },
    findings: [finding('PORT_FILTERED', { purpose: 'ssh', reason: 'timeout after 3000 ms' }, { port: 2020, address: '203.0.113.10' })],
  };
  // A padded report to push attachments over a desk's limit.
  if (options.bulk) r.findings.push({ code: 'PORT_CLOSED', severity: 'warn', message: 'x'.repeat(options.bulk), remedy: 'none' });
  if (options.agent) r.agent = options.agent;
  return r;
}

export function precheckReport(): PrecheckReport {
  const check = checkReport({ agent: agentReport({ emergency: false }) });
  return {
    schemaVersion: 1,
    kind: 'precheck',
    tool: { name: 'pbxready', version: '0.1.0' },
    generatedAt: '2025-03-01T10:01:00.000Z',
    durationMs: 3100,
    target: check.target,
    targetVersion: '7.3.0',
    currentVersion: '7.2.1',
    decision: 'no-go',
    verdict: 'not-ready',
    summary: 'SSH is not reachable for the upgrade.',
    items: [{ id: 'reach-ssh', title: 'SSH reachable for the upgrade', status: 'fail', evidence: 'port 2020 filtered', action: 'Open TCP 2020' }],
    actions: ['Open TCP 2020 to the vendor'],
    downtime: { minMinutes: 15, maxMinutes: 35, basis: 'vendor 15–30 min + CDR rebuild' },
    check,
    findings: check.findings,
  };
}
