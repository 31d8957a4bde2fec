// Where this machine stands towards a target: the source address the kernel picks for it (a UDP
// connect() is a route lookup — no packet is sent), and this machine's own networks. The pure
// decision (shared/rules/vantage.ts) turns them into the report's vantage point.

import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { LocalNetwork, RouteFact } from '../../shared/rules/vantage.js';
import type { Probe } from './probe.js';

export interface RouteTarget {
  address: string;
}

/** Any port does for a route lookup; 9 is "discard", so even a stray datagram would be harmless. */
const LOOKUP_PORT = 9;

/**
 * One UDP socket per address family, reused: connect() (the route lookup), read the source address,
 * disconnect(), next. A fleet scan asks once per host; a socket of its own each time (create, bind,
 * close) cost more than the lookup. Lookups on one socket run one after another.
 */
class RouteLookups {
  private socket: Socket | null = null;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly type: 'udp4' | 'udp6') {}

  lookup(address: string, signal: AbortSignal): Promise<string | null> {
    const run = this.tail.then(() => (signal.aborted ? null : this.once(address)));
    this.tail = run;
    return run;
  }

  private close(): void {
    this.socket?.close();
    this.socket = null;
  }

  private once(address: string): Promise<string | null> {
    return new Promise((resolve) => {
      let socket = this.socket;
      if (!socket) {
        socket = this.socket = createSocket(this.type);
        // Kept for the next lookup, but never what keeps the process running.
        socket.unref();
        // A datagram socket's error after connect (an ICMP answer to nothing we sent) is no fact.
        socket.on('error', () => {});
      }
      const s = socket;
      const done = (local: string | null) => resolve(local);
      try {
        s.connect(LOOKUP_PORT, address, (err?: Error) => {
          if (err) return done(null);
          let local: string | null = null;
          try {
            local = s.address().address;
            s.disconnect();
          } catch {
            this.close(); // a socket in a state we did not expect: a fresh one for the next lookup
          }
          done(local);
        });
      } catch {
        this.close();
        done(null);
      }
    });
  }
}

const LOOKUPS = { 4: new RouteLookups('udp4'), 6: new RouteLookups('udp6') } as const;

/** The local address the kernel would send from to reach the target; null when it has no route. */
export const probeRoute: Probe<RouteTarget, RouteFact> = async ({ address }, { signal }) => {
  const family = isIP(address);
  if (family !== 4 && family !== 6) return { address, localAddress: null };
  if (signal.aborted) return { address, localAddress: null };
  return { address, localAddress: await LOOKUPS[family].lookup(address, signal) };
};

/** How long this machine's interface list is reused: a fleet scan checks hundreds of hosts a second. */
const NETWORKS_TTL_MS = 1000;
let networksCache: { at: number; list: LocalNetwork[] } | null = null;

/** This machine's interface addresses with their prefixes (re-read at most once a second). */
export function localNetworks(): LocalNetwork[] {
  const now = performance.now();
  if (networksCache && now - networksCache.at < NETWORKS_TTL_MS) return networksCache.list;
  const list = Object.entries(networkInterfaces()).flatMap(([name, l]) => (l ?? []).filter((i) => i.cidr).map((i) => ({ interface: name, cidr: i.cidr! })));
  networksCache = { at: now, list };
  return list;
}
