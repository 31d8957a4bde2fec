// Where this machine stands towards a target: the source address the kernel picks for it (a UDP
// connect() is a route lookup — no packet is sent), and this machine's own networks. The pure
// decision (shared/rules/vantage.ts) turns them into the report's vantage point.

import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { LocalNetwork, RouteFact } from '../../shared/rules/vantage.js';
import type { Probe } from './probe.js';

export interface RouteTarget {
  address: string;
}

/** Any port does for a route lookup; 9 is "discard", so even a stray datagram would be harmless. */
const LOOKUP_PORT = 9;

/** The local address the kernel would send from to reach the target; null when it has no route. */
export const probeRoute: Probe<RouteTarget, RouteFact> = ({ address }, { signal }) => {
  const family = isIP(address);
  if (!family) return Promise.resolve({ address, localAddress: null });
  return new Promise((resolve) => {
    const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
    let settled = false;
    const settle = (localAddress: string | null) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      socket.close();
      resolve({ address, localAddress });
    };
    const onAbort = () => settle(null);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', () => settle(null));
    socket.connect(LOOKUP_PORT, address, () => {
      try {
        settle(socket.address().address);
      } catch {
        settle(null);
      }
    });
  });
};

/** This machine's interface addresses with their prefixes. */
export function localNetworks(): LocalNetwork[] {
  return Object.entries(networkInterfaces()).flatMap(([name, list]) => (list ?? []).filter((i) => i.cidr).map((i) => ({ interface: name, cidr: i.cidr! })));
}
