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
    expect(systemDownFromOutside([port(443, 'closed'), port(2020, 'closed')], null)).toBe(
      'from outside every required port is dead (443 closed, 2020 closed) while the host still answers: it refuses 443, 2020 (a TCP reset: nothing listens)',
    );
  });

  it('the ping and other open ports back it', () => {
    expect(systemDownFromOutside([port(443, 'filtered'), port(2020, 'closed'), port(3306, 'open', false)], true)).toBe(
      'from outside every required port is dead (443 filtered, 2020 closed) while the host still answers: it answers ping; it refuses 2020 (a TCP reset: nothing listens); 3306 is open',
    );
  });

  it('all required ports filtered proves nothing (a firewall looks the same), even with ping or another port open', () => {
    expect(systemDownFromOutside([port(443, 'filtered'), port(2020, 'filtered')], true)).toBeNull();
    expect(systemDownFromOutside([port(443, 'filtered'), port(3306, 'open', false)], true)).toBeNull();
  });

  it('one required port open, or nothing required: no evidence', () => {
    expect(systemDownFromOutside([port(443, 'open'), port(2020, 'closed')], true)).toBeNull();
    expect(systemDownFromOutside([port(3306, 'open', false)], true)).toBeNull();
  });

  it('a host answering on a required port at another address is up', () => {
    expect(systemDownFromOutside([port(443, 'closed'), port(443, 'open', true, '203.0.113.11')], null)).toBeNull();
    expect(systemDownFromOutside([port(443, 'closed'), port(443, 'filtered', true, '2001:db8::10')], null)).toBe(
      'from outside every required port is dead (203.0.113.10 443 closed, 2001:db8::10 443 filtered) while the host still answers: it refuses 203.0.113.10 443 (a TCP reset: nothing listens)',
    );
  });
});
