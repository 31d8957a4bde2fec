// ICMP echo via net-ping (root here), and the honest "not measured" when raw sockets are not allowed.

import { describe, expect, it } from 'vitest';
import { mayOpenRawSockets, probeIcmp } from '../../checker/probes/icmp.js';

describe('probeIcmp', () => {
  it('as root, pings loopback and measures the round trip', async () => {
    if (!mayOpenRawSockets()) throw new Error('not root and no CAP_NET_RAW: cannot open a raw ICMP socket here');
    const r = await probeIcmp(['127.0.0.1'], { timeoutMs: 2000 });
    expect(r).toMatchObject({ measured: true, alive: true, reason: 'echo reply from 127.0.0.1' });
    expect(r.rttMs).toBeGreaterThanOrEqual(0);
  });

  it('without root/CAP_NET_RAW: not measured, with the reason', async () => {
    const r = await probeIcmp(['127.0.0.1'], { timeoutMs: 2000, mayOpenRawSockets: () => false });
    expect(r).toEqual({ measured: false, reason: 'not permitted: needs root or CAP_NET_RAW', alive: null, rttMs: null });
  });
});
