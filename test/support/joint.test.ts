import { describe, expect, it } from 'vitest';
import { addressMismatch, insideView, jointFindings } from '../../shared/rules/joint.js';
import type { ListeningSocket, PortState } from '../../shared/model.js';
import { agentReport, checkReport, listen, port } from '../fixtures/reports.js';

type Inside = 'reachable' | 'loopback-only' | 'none' | 'unknown';

const LISTENING: Record<Inside, ListeningSocket[]> = {
  reachable: [listen(2020, '0.0.0.0'), listen(22, '127.0.0.1')],
  'loopback-only': [listen(2020, '127.0.0.1'), listen(2020, '::1'), listen(22, '0.0.0.0')],
  none: [listen(22, '0.0.0.0')],
  unknown: [],
};

// Every combination of outside state × inside listening, for the SSH port 2020.
const MATRIX: Array<[PortState, Inside, string | null]> = [
  ['open', 'reachable', null],
  ['open', 'loopback-only', 'SERVICE_NOT_LISTENING'],
  ['open', 'none', 'PORT_FORWARDED_ELSEWHERE'],
  ['open', 'unknown', null],
  ['closed', 'reachable', 'PORT_REFUSED_UPSTREAM'],
  ['closed', 'loopback-only', 'SERVICE_NOT_LISTENING'],
  ['closed', 'none', 'SERVICE_NOT_LISTENING'],
  ['closed', 'unknown', null],
  ['filtered', 'reachable', 'PORT_BLOCKED_UPSTREAM'],
  ['filtered', 'loopback-only', 'SERVICE_NOT_LISTENING'],
  ['filtered', 'none', 'SERVICE_NOT_LISTENING'],
  ['filtered', 'unknown', null],
];

describe('joint diagnosis: outside state × inside listening', () => {
  it.each(MATRIX)('outside %s, inside %s → %s', (state, inside, code) => {
    // Unknown: /proc/net/tcp could not be read (the agent names it as an unreadable source).
    const unreadable = inside === 'unknown' ? [{ source: '/proc/net/tcp', reason: 'permission denied' }] : [];
    const found = jointFindings(checkReport([port(2020, state)]), agentReport({ listening: LISTENING[inside], unreadable }));
    expect(found.map((f) => f.code)).toEqual(code ? [code] : []);
    if (code) {
      expect(found[0]!.port).toBe(2020);
      expect(found[0]!.address).toBe('203.0.113.10');
      expect(found[0]!.message).not.toMatch(/\{\w+\}/);
      expect(found[0]!.remedy).not.toMatch(/\{\w+\}/);
    }
  });

  it('says a loopback-only listener cannot be reached from outside, naming the listener', () => {
    const [f] = jointFindings(checkReport([port(2020, 'filtered')]), agentReport({ listening: LISTENING['loopback-only'] }));
    expect(f!.message).toContain('listens only on loopback');
    expect(f!.message).toContain('127.0.0.1:2020 (sshd)');
    expect(f!.message).toContain('is filtered');
  });

  it('loopback-only but open outside: says whatever answers is not this host', () => {
    const [f] = jointFindings(checkReport([port(2020, 'open')]), agentReport({ listening: LISTENING['loopback-only'] }));
    expect(f!.message).toContain('not this host');
  });

  it('names the listener in PORT_BLOCKED_UPSTREAM', () => {
    const [f] = jointFindings(checkReport([port(443, 'filtered')]), agentReport({ listening: [listen(443, '::', 'nginx')] }));
    expect(f!.code).toBe('PORT_BLOCKED_UPSTREAM');
    expect(f!.message).toContain('[::]:443 (nginx)');
  });

  it('a listener on a specific LAN address counts as reachable (the forward targets it)', () => {
    expect(insideView(agentReport({ listening: [listen(2020, '192.168.1.10')] }), 2020, '203.0.113.10').state).toBe('reachable');
  });

  it('IPv4-only listener checked over IPv6 is not listening for IPv6; "::" serves both families', () => {
    const v4only = agentReport({ listening: [listen(2020, '0.0.0.0')] });
    expect(insideView(v4only, 2020, '2001:db8::10').state).toBe('other-family-only');
    const [f] = jointFindings(checkReport([port(2020, 'closed', { address: '2001:db8::10' })]), v4only);
    expect(f!.code).toBe('SERVICE_NOT_LISTENING');
    expect(f!.message).toContain('IPv6');
    expect(insideView(agentReport({ listening: [listen(2020, '::')] }), 2020, '203.0.113.10').state).toBe('reachable');
    expect(insideView(agentReport({ listening: [listen(2020, '::ffff:127.0.0.1')] }), 2020, '203.0.113.10').state).toBe('loopback-only');
  });

  it('an empty socket table that was read means nothing listens on the watched ports', () => {
    const [f] = jointFindings(checkReport([port(2020, 'filtered')]), agentReport({ listening: [] }));
    expect(f!.code).toBe('SERVICE_NOT_LISTENING');
  });

  it('a port the agent does not watch is unknown, not "nothing listens"', () => {
    const agent = agentReport({ listening: [listen(2020)] });
    expect(insideView(agent, 8080, '203.0.113.10').state).toBe('unknown');
    expect(jointFindings(checkReport([port(8080, 'filtered', { purpose: 'custom' })]), agent)).toEqual([]);
    // Watched ports are the product's: Issabel's SSH is 22, so 2020 is not watched there.
    expect(insideView(agentReport({ product: { name: 'issabel', version: '4' }, listening: [] }), 2020, '203.0.113.10').state).toBe('unknown');
    expect(insideView(agentReport({ product: { name: 'unknown', version: null }, listening: [] }), 2222, '203.0.113.10').state).toBe('none');
    // A port it was told to watch shows up in the list, so it counts as watched.
    expect(insideView(agentReport({ listening: [listen(8080)] }), 8080, '203.0.113.10').state).toBe('reachable');
  });

  it('leaves exposure ports and ports not required alone', () => {
    const ports = [port(3306, 'open'), port(22, 'filtered', { required: false })];
    expect(jointFindings(checkReport(ports), agentReport({ listening: [listen(3306, '0.0.0.0', 'mariadbd'), listen(22)] }))).toEqual([]);
  });

  it('one diagnosis per outside address', () => {
    const ports = [port(2020, 'filtered'), port(2020, 'open', { address: '203.0.113.11' })];
    const found = jointFindings(checkReport(ports), agentReport({ listening: [listen(2020)] }));
    expect(found.map((f) => [f.code, f.address])).toEqual([['PORT_BLOCKED_UPSTREAM', '203.0.113.10']]);
  });
});

describe('ADDRESS_MISMATCH', () => {
  const check = checkReport([port(2020, 'open')]);
  it.each([
    [undefined, null],
    [[], null],
    [['203.0.113.10'], null],
    [['::ffff:203.0.113.10'], null],
    [['198.51.100.7'], 'ADDRESS_MISMATCH'],
    [['198.51.100.7', '203.0.113.10'], null],
    // Different families cannot be compared: the host only knows its IPv6 address.
    [['2001:db8::1'], null],
  ] as Array<[string[] | undefined, string | null]>)('host sees %j → %s', (seen, code) => {
    const f = addressMismatch(check, agentReport(seen === undefined ? {} : { publicAddresses: seen }));
    expect(f?.code ?? null).toBe(code);
    if (f) {
      expect(f.message).toContain('198.51.100.7');
      expect(f.message).toContain('203.0.113.10');
    }
  });

  it('is part of jointFindings', () => {
    const found = jointFindings(check, agentReport({ publicAddresses: ['198.51.100.7'] }));
    expect(found.map((f) => f.code)).toEqual(['ADDRESS_MISMATCH']);
  });
});
