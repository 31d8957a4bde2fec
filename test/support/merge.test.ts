import { describe, expect, it } from 'vitest';
import { mergeAgent } from '../../checker/agent-source/merge.js';
import { parseAgentReport } from '../../shared/agent-report/validate.js';
import { finding } from '../../shared/findings.js';
import { agentReport, checkReport, listen, port } from '../fixtures/reports.js';

describe('mergeAgent', () => {
  const outside = () => {
    const c = checkReport([port(443, 'filtered'), port(2020, 'open')]);
    c.findings = [finding('PORT_FILTERED', { purpose: 'gui', reason: 'timeout' }, { port: 443, address: '203.0.113.10' })];
    c.verdict = 'not-ready';
    return c;
  };

  it('adds the agent and the joint diagnosis, which replaces the bare port-state finding it explains', () => {
    const merged = mergeAgent(outside(), { ok: true, via: 'file', report: agentReport({ listening: [listen(443, '::', 'nginx'), listen(2020)] }) });
    expect(merged.agent?.kind).toBe('agent');
    expect(merged.findings.map((f) => f.code)).toEqual(['PORT_BLOCKED_UPSTREAM']);
    expect(merged.verdict).toBe('not-ready');
  });

  it('a failed source keeps the outside view and adds AGENT_UNAVAILABLE with the reason; verdict recomputed', () => {
    const c = checkReport([port(2020, 'open')]);
    const merged = mergeAgent(c, { ok: false, via: 'ssh', failure: { kind: 'timeout', reason: 'timed out after 30000 ms waiting for the command' } });
    expect(merged.agent).toBeUndefined();
    expect(merged.findings).toHaveLength(1);
    expect(merged.findings[0]!.message).toContain('timed out after 30000 ms');
    expect(merged.verdict).toBe('warnings');
  });

  it('does not change the report it was given', () => {
    const c = outside();
    mergeAgent(c, { ok: true, via: 'file', report: agentReport() });
    expect(c.agent).toBeUndefined();
    expect(c.findings.map((f) => f.code)).toEqual(['PORT_FILTERED']);
  });
});

describe('parseAgentReport', () => {
  it.each([
    ['', /not JSON .*it is empty/],
    ['<html>502 Bad Gateway</html>', /not JSON .*starts with "<html>502 Bad Gateway<\/html>"/],
    ['[]', /not an agent report: not a JSON object/],
    [JSON.stringify({ ...agentReport(), kind: 'check' }), /kind is "check", not "agent"/],
    [JSON.stringify({ ...agentReport(), schemaVersion: 2 }), /schemaVersion 2 is not 1/],
    [JSON.stringify({ ...agentReport(), listening: [{ port: '22', address: '0.0.0.0' }] }), /listening\[0\] is not \{port, address\}/],
    [JSON.stringify({ ...agentReport(), publicAddresses: 'x' }), /publicAddresses is not a list/],
  ])('%j → problem', (text, problem) => {
    const r = parseAgentReport(text);
    expect('problem' in r && r.problem).toMatch(problem);
  });

  it('accepts an agent report', () => {
    const r = parseAgentReport(JSON.stringify(agentReport()));
    expect('report' in r && r.report.kind).toBe('agent');
  });
});
