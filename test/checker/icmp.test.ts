// ICMP echo via net-ping (root here), and the honest "not measured" when raw sockets are not allowed.

import { describe, expect, it } from 'vitest';
import { ICMP_SLACK_MS, mayOpenRawSockets, probeIcmp } from '../../checker/probes/icmp.js';
import { withDeadline } from '../../checker/probes/probe.js';

describe('probeIcmp', () => {
  it('as root, pings loopback and measures the round trip', async () => {
    if (!mayOpenRawSockets()) throw new Error('not root and no CAP_NET_RAW: cannot open a raw ICMP socket here');
    const r = await withDeadline(2000 + ICMP_SLACK_MS, undefined, (signal) => probeIcmp({ addresses: ['127.0.0.1'], replyWithinMs: 2000 }, { signal }));
    expect(r).toMatchObject({ measured: true, alive: true, reason: 'echo reply from 127.0.0.1' });
    expect(r.rttMs).toBeGreaterThanOrEqual(0);
  });

  it('without root/CAP_NET_RAW: not measured, with the reason', async () => {
    const r = await probeIcmp({ addresses: ['127.0.0.1'], replyWithinMs: 2000, mayOpenRawSockets: () => false }, { signal: new AbortController().signal });
    expect(r).toEqual({ measured: false, reason: 'not permitted: needs root or CAP_NET_RAW', alive: null, rttMs: null });
  });
});
