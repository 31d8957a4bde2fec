// The reports the help-desk tests file: one customer's PBX, as `pbxready check --format json` and
// `pbxready-agent report --format json` write them, built on the shared report builder.

import { finding } from '../../shared/findings.js';
import type { AgentReport, CheckReport, PrecheckReport } from '../../shared/model.js';
import * as build from '../fixtures/reports.js';

const HOST = 'pbx1.customer.example';
const ADDRESS = '203.0.113.10';

export function agentReport(options: { emergency: boolean }): AgentReport {
  const calls = 40;
  const failed = options.emergency ? 26 : 3;
  const base = build.agentReport();
  return build.agentReport({
    generatedAt: '2025-03-01T10:00:00.000Z',
    verdict: options.emergency ? 'not-ready' : 'ready',
    host: { hostname: HOST, os: 'Debian GNU/Linux 12', kernel: '6.1.0-18-amd64', uptimeSeconds: 86400 },
    product: { name: 'pbxware', version: '7.2.1', edition: 'Multi-Tenant', licence: 'LIC-123456', evidence: '/opt/pbxware/pw/etc/pbxware/pbxware.ini' },
    asterisk: { ...base.asterisk, activeCalls: 4, endpoints: { total: 20, reachable: 18 } },
    cdr: { ...base.cdr!, lastHour: { calls, failed, failedRatio: failed / calls } },
    findings: options.emergency
      ? [finding('EMERGENCY_CRITERIA_MET', { criterion: '50% of calls or more unable to pass', evidence: `${failed} of ${calls} calls in the last hour could not pass (${Math.round((failed / calls) * 100)}%)` })]
      : [],
  });
}

export function checkReport(options: { agent?: AgentReport; host?: string; bulk?: number } = {}): CheckReport {
  const host = options.host ?? HOST;
  const r = build.checkReport(
    [
      build.port(443, 'open', { address: ADDRESS, latencyMs: 12.5 }),
      build.port(2020, 'filtered', { address: ADDRESS }),
    ],
    {
      generatedAt: '2025-03-01T10:00:05.000Z',
      target: { host, addresses: [ADDRESS], product: 'pbxware', productReason: 'given with --product' },
      verdict: 'not-ready',
      findings: [finding('PORT_FILTERED', { purpose: 'ssh', reason: 'timeout after 3000 ms' }, { port: 2020, address: ADDRESS })],
    },
  );
  // A padded report to push attachments over a desk's limit.
  if (options.bulk) r.findings.push({ code: 'PORT_CLOSED', severity: 'warn', message: 'x'.repeat(options.bulk), remedy: 'none' });
  if (options.agent) r.agent = options.agent;
  return r;
}

export function precheckReport(): PrecheckReport {
  return build.precheckReport({
    check: checkReport({ agent: agentReport({ emergency: false }) }),
    currentVersion: '7.2.1',
    decision: 'no-go',
    verdict: 'not-ready',
    summary: 'SSH is not reachable for the upgrade.',
    items: [{ id: 'reach-ssh', title: 'SSH reachable for the upgrade', status: 'fail', evidence: 'port 2020 filtered', action: 'Open TCP 2020' }],
    actions: ['Open TCP 2020 to the vendor'],
    downtime: { minMinutes: 15, maxMinutes: 35, basis: 'vendor 15–30 min + CDR rebuild' },
  });
}
