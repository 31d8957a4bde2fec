// "System down" from outside (issue 13): every required port dead while the host still answers.

import { describe, expect, it } from 'vitest';
import type { PortResult, PortState } from '../../shared/model.js';
import { systemDownFromOutside } from '../../shared/rules/system-down.js';

const A = '203.0.113.10';
function port(n: number, state: PortState, required = true, address = A): PortResult {
  return { port: n, address, purpose: n === 3306 ? 'exposure' : 'gui', required, state, reason: state, latencyMs: 1 };
}

describe('systemDownFromOutside', () => {
  it('every required port refused: the host answers with resets, nothing listens', () => {
    expect(systemDownFromOutside(A, [port(443, 'closed'), port(2020, 'closed')], null)).toBe(
      'from outside every required port of 203.0.113.10 is dead (443 closed, 2020 closed) while the host still answers: it refuses 443, 2020 (a TCP reset: nothing listens)',
    );
  });

  it('every required port filtered but the host answers ping, or another port is open', () => {
    expect(systemDownFromOutside(A, [port(443, 'filtered'), port(2020, 'filtered')], true)).toContain('while the host still answers: it answers ping');
    expect(systemDownFromOutside(A, [port(443, 'filtered'), port(3306, 'open', false)], false)).toContain('3306 is open');
  });

  it('no sign of life, or one required port open, or nothing required: no evidence', () => {
    expect(systemDownFromOutside(A, [port(443, 'filtered'), port(2020, 'filtered'), port(3306, 'filtered', false)], false)).toBeNull();
    expect(systemDownFromOutside(A, [port(443, 'open'), port(2020, 'closed')], true)).toBeNull();
    expect(systemDownFromOutside(A, [port(3306, 'open', false)], true)).toBeNull();
  });

  it('per address: another address answering says nothing about this one', () => {
    const ports = [port(443, 'filtered'), port(443, 'open', true, '203.0.113.11')];
    expect(systemDownFromOutside(A, ports, null)).toBeNull();
  });
});
