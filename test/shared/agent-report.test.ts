// One agent-report validator, three readers: the checker's agent sources (parseAgentReport), the
// agent's own `diff` of snapshots (readAgentReport) and reports put on tickets (parseTicketReport).
// Each bad shape is refused by all three with the same reason.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readAgentReport } from '../../agent/state.js';
import { parseTicketReport } from '../../checker/tickets/report.js';
import { agentReportProblem, isAgentReport, parseAgentReport } from '../../shared/agent-report/validate.js';
import { agentReport, listen } from '../fixtures/reports.js';

const dir = mkdtempSync(join(tmpdir(), `pbxready-agent-report-${process.pid}-`));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function onDisk(value: unknown): string {
  const file = join(dir, `r${++n}.json`);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

const good = () => agentReport({ listening: [listen(22)], publicAddresses: ['203.0.113.10'] });

const BAD: Array<[string, unknown, string]> = [
  ['schema version', { ...good(), schemaVersion: 2 }, 'schemaVersion 2 is not 1'],
  ['no generatedAt', { ...good(), generatedAt: undefined }, 'generatedAt is missing'],
  ['no host', { ...good(), host: undefined }, 'host is missing'],
  ['no database', { ...good(), database: null }, 'database is missing'],
  ['disks not a list', { ...good(), disks: {} }, 'disks is not a list'],
  ['findings not a list', { ...good(), findings: 'none' }, 'findings is not a list'],
  ['listening not a list', { ...good(), listening: 7 }, 'listening is not a list'],
  ['a socket without a numeric port', { ...good(), listening: [{ port: '22', address: '0.0.0.0' }] }, 'listening[0] is not {port, address}'],
  ['no product name', { ...good(), product: { version: '7' } }, 'product.name is missing'],
  ['publicAddresses not a list', { ...good(), publicAddresses: '203.0.113.10' }, 'publicAddresses is not a list of addresses'],
];

describe('the one agent-report validator', () => {
  it('accepts an agent report, in all three readers', async () => {
    const r = good();
    expect(agentReportProblem(r)).toBeNull();
    expect(isAgentReport(r)).toBe(true);
    const parsed = parseAgentReport(JSON.stringify(r));
    expect('report' in parsed && parsed.report.host.hostname).toBe(r.host.hostname);
    expect((await readAgentReport(onDisk(r))).host.hostname).toBe(r.host.hostname);
    expect(parseTicketReport(JSON.stringify(r), 'r.json').kind).toBe('agent');
  });

  it.each(BAD)('%s: refused with the same reason by the checker, the agent and the ticket reader', async (_what, value, reason) => {
    expect(agentReportProblem(value)).toBe(reason);
    expect(isAgentReport(value)).toBe(false);
    const parsed = parseAgentReport(JSON.stringify(value));
    expect('problem' in parsed && parsed.problem).toBe(`not an agent report: ${reason}`);
    const file = onDisk(value);
    await expect(readAgentReport(file)).rejects.toThrow(`${file}: not a pbxready-agent report (${reason})`);
    // The ticket reader checks the contract every report kind shares (kind, verdict, findings) first.
    const ticketReason = reason === 'findings is not a list' ? 'r.json is not a pbxready report: findings is not a list' : `r.json is not a usable agent report (${reason})`;
    expect(() => parseTicketReport(JSON.stringify(value), 'r.json')).toThrow(ticketReason);
  });

  it('a ticket carrying an agent report with a bad shape names the validator\'s reason', () => {
    const value = { ...good(), listening: [{ port: 'x' }] };
    expect(() => parseTicketReport(JSON.stringify(value), 'r.json')).toThrow('r.json is not a usable agent report (listening[0] is not {port, address})');
  });

  it('an agent view embedded in a check passes the validator, or the ticket reader refuses the file naming why', async () => {
    const { agentOf } = await import('../../checker/tickets/report.js');
    const check = { kind: 'check', verdict: 'ready', findings: [], target: { host: 'pbx' }, ports: [] };
    expect(agentOf(parseTicketReport(JSON.stringify({ ...check, agent: good() }), 'c.json'))?.host.hostname).toBe(good().host.hostname);
    // Its strings go into a help desk's body: a bad inner view is refused, not silently dropped.
    expect(() => parseTicketReport(JSON.stringify({ ...check, agent: { ...good(), disks: 'x' } }), 'c.json')).toThrow('c.json is not a pbxready report: agent: disks is not a list');
  });
});
