// The checker's pure rules as tables: port states, targets, host names.

import { describe, expect, it } from 'vitest';
import type { PortResult } from '../../shared/model.js';
import { addressFindings, portFindings } from '../../shared/rules/ports.js';
import { parseHost, targetFindings } from '../../shared/rules/target.js';

const p = (over: Partial<PortResult>): PortResult => ({ port: 443, address: '203.0.113.9', purpose: 'gui', required: true, state: 'open', reason: 'connected', latencyMs: 1, ...over });

describe('portFindings', () => {
  it.each([
    [{ state: 'open' }, []],
    [{ state: 'closed' }, [['PORT_CLOSED', 'fail']]],
    [{ state: 'filtered', reason: 'no answer within 3000 ms' }, [['PORT_FILTERED', 'fail']]],
    [{ state: 'closed', required: false }, []],
    [{ state: 'filtered', required: false }, []],
    [{ port: 3306, purpose: 'exposure', required: false, state: 'open' }, [['EXPOSED_MYSQL', 'warn']]],
    [{ port: 5038, purpose: 'exposure', required: false, state: 'open' }, [['EXPOSED_AMI', 'warn']]],
    [{ port: 3306, purpose: 'exposure', required: false, state: 'closed' }, []],
    [{ port: 5038, purpose: 'exposure', required: false, state: 'filtered' }, []],
  ] as const)('%j → %j', (over, expected) => {
    expect(portFindings(p(over as Partial<PortResult>)).map((f) => [f.code, f.severity])).toEqual(expected);
  });

  it('PORT_FILTERED carries the reason', () => {
    expect(portFindings(p({ state: 'filtered', reason: 'EHOSTUNREACH (ICMP host unreachable)', port: 2020, purpose: 'ssh' }))[0]!.message).toBe(
      'Port 2020 (ssh) on 203.0.113.9 is filtered: EHOSTUNREACH (ICMP host unreachable).',
    );
  });
});

describe('addressFindings', () => {
  it('all filtered → only HOST_UNREACHABLE for that address', () => {
    const ports = [p({ state: 'filtered' }), p({ port: 2020, state: 'filtered' }), p({ port: 3306, purpose: 'exposure', required: false, state: 'filtered' }), p({ address: '203.0.113.10', state: 'closed' })];
    expect(addressFindings('203.0.113.9', ports).map((f) => [f.code, f.address])).toEqual([['HOST_UNREACHABLE', '203.0.113.9']]);
    expect(addressFindings('203.0.113.9', ports)[0]!.message).toBe('No TCP port answers on 203.0.113.9: every probed port is filtered.');
    expect(addressFindings('203.0.113.9', ports, true)[0]!.message).toBe(
      'No TCP port answers on 203.0.113.9: every probed port is filtered (the host answers ping: it is up, and a firewall drops TCP).',
    );
    expect(addressFindings('203.0.113.10', ports).map((f) => f.code)).toEqual(['PORT_CLOSED']);
  });
  it('one port answering (even closed) → per-port findings', () => {
    expect(addressFindings('203.0.113.9', [p({ state: 'filtered' }), p({ port: 2020, state: 'closed' })]).map((f) => f.code)).toEqual(['PORT_FILTERED', 'PORT_CLOSED']);
  });
  it('no ports → nothing', () => {
    expect(addressFindings('203.0.113.9', [])).toEqual([]);
  });
});

describe('targetFindings', () => {
  it.each([
    ['8.8.8.8', false, []],
    ['2a00:1450:4001:80b::200e', false, []],
    ['10.1.2.3', false, [['TARGET_NOT_PUBLIC', 'warn', 'private']]],
    ['100.64.1.1', false, [['TARGET_NOT_PUBLIC', 'warn', 'CGNAT']]],
    ['169.254.1.1', false, [['TARGET_NOT_PUBLIC', 'warn', 'link-local']]],
    ['::1', false, [['TARGET_NOT_PUBLIC', 'warn', 'loopback']]],
    ['127.0.0.1', true, [['TARGET_NOT_PUBLIC', 'info', 'loopback']]],
  ] as const)('%s (allow-private %s) → %j', (address, allow, expected) => {
    expect(targetFindings([address], allow).map((f) => [f.code, f.severity, /is an? (\S+) address/.exec(f.message)?.[1]])).toEqual(expected);
  });
});

describe('parseHost', () => {
  it.each([
    ['pbx.example.com', 'pbx.example.com'],
    ['PBX.Example.com.', 'PBX.Example.com'],
    ['  192.0.2.7 ', '192.0.2.7'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['::1', '::1'],
    ['localhost', 'localhost'],
    ['my_pbx.lan', 'my_pbx.lan'],
  ])('%j → %j', (input, out) => {
    expect(parseHost(input)).toBe(out);
  });
  it.each(['', '   ', 'a..b', '-pbx.example.com', 'pbx-.example.com', 'pbx example', '300.1.2.3', '1.2.3', 'http://pbx.example.com', `${'a'.repeat(64)}.com`, 'pbx.example.com:443'])('%j is rejected', (input) => {
    expect(() => parseHost(input)).toThrow(/host/);
  });
});
