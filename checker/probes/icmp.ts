// ICMP echo, where the process may open raw sockets (root or CAP_NET_RAW). Informational only:
// support access is TCP, and many firewalls drop ping.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import type { IcmpResult } from '../../shared/model.js';

interface PingSession {
  pingHost(target: string, cb: (err: Error | null, target: string, sent?: Date, rcvd?: Date) => void): void;
  close(): void;
  on(event: 'error', cb: (err: Error) => void): void;
}
interface NetPing {
  createSession(options: { timeout: number; retries: number; networkProtocol?: number }): PingSession;
  NetworkProtocol: { IPv4: number; IPv6: number };
}

const CAP_NET_RAW = 13;

/** Root, or CAP_NET_RAW in the effective set (Linux: /proc/self/status CapEff). */
export function mayOpenRawSockets(): boolean {
  if (process.getuid?.() === 0) return true;
  try {
    const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return hex !== undefined && (BigInt(`0x${hex}`) & (1n << BigInt(CAP_NET_RAW))) !== 0n;
  } catch {
    return false;
  }
}

export interface IcmpProbeOptions {
  timeoutMs: number;
  /** Stops waiting for echo replies at once (the session is closed). */
  signal?: AbortSignal;
  /** Injected so "not permitted" can be tested as root, and root can be tested without root. */
  mayOpenRawSockets?: () => boolean;
}

/** Ping each address once; alive when any answers; RTT of the fastest. */
export async function probeIcmp(addresses: readonly string[], options: IcmpProbeOptions): Promise<IcmpResult> {
  if (!(options.mayOpenRawSockets ?? mayOpenRawSockets)()) {
    return { measured: false, reason: 'not permitted: needs root or CAP_NET_RAW', alive: null, rttMs: null };
  }
  if (addresses.length === 0) return { measured: false, reason: 'no address to ping', alive: null, rttMs: null };
  let ping: NetPing;
  try {
    ping = createRequire(import.meta.url)('net-ping') as NetPing;
  } catch (err) {
    return { measured: false, reason: `net-ping unavailable: ${(err as Error).message.split('\n')[0]}`, alive: null, rttMs: null };
  }
  const results = await Promise.all(addresses.map((a) => pingOnce(ping, a, options.timeoutMs, options.signal)));
  if (results.every((r) => r.stuck)) return { measured: false, reason: results[0]!.reason, alive: null, rttMs: null };
  const alive = results.filter((r) => r.rttMs !== null);
  if (alive.length > 0) {
    const best = alive.reduce((x, y) => ((x.rttMs ?? Infinity) <= (y.rttMs ?? Infinity) ? x : y));
    return { measured: true, reason: `echo reply from ${best.address}`, alive: true, rttMs: best.rttMs };
  }
  return { measured: true, reason: results.map((r) => `${r.address}: ${r.reason}`).join('; '), alive: false, rttMs: null };
}

/** Slack past net-ping's own timeout before we stop waiting for it. */
const GUARD_MS = 500;

function pingOnce(ping: NetPing, address: string, timeoutMs: number, signal?: AbortSignal): Promise<{ address: string; rttMs: number | null; reason: string; stuck?: boolean }> {
  return new Promise((done) => {
    let settled = false;
    // net-ping's raw socket can fail to deliver its send callback (seen under gVisor while the process
    // also holds a listening TCP socket); then neither reply nor its timeout ever comes. Never hang on it.
    const guard = setTimeout(() => {
      try {
        session?.close();
      } catch {
        /* already closed */
      }
      resolve({ address, rttMs: null, reason: `the raw socket gave no result within ${timeoutMs + GUARD_MS} ms`, stuck: true });
    }, timeoutMs + GUARD_MS);
    const resolve = (r: { address: string; rttMs: number | null; reason: string; stuck?: boolean }) => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      signal?.removeEventListener('abort', onAbort);
      done(r);
    };
    const onAbort = () => {
      // Settle first: closing the session calls back at once with "Socket closed".
      resolve({ address, rttMs: null, reason: 'stopped before an answer (the check was aborted)', stuck: true });
      try {
        session?.close();
      } catch {
        /* already closed */
      }
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let session: PingSession | undefined;
    try {
      const networkProtocol = isIP(address) === 6 ? ping.NetworkProtocol.IPv6 : ping.NetworkProtocol.IPv4;
      session = ping.createSession({ timeout: timeoutMs, retries: 0, networkProtocol });
    } catch (err) {
      return resolve({ address, rttMs: null, reason: `raw socket refused: ${(err as Error).message}` });
    }
    session.on('error', (err) => {
      session.close();
      resolve({ address, rttMs: null, reason: err.message });
    });
    const started = performance.now();
    session.pingHost(address, (err) => {
      const rtt = Math.round((performance.now() - started) * 10) / 10;
      session.close();
      if (err) resolve({ address, rttMs: null, reason: err.name === 'RequestTimedOutError' ? `no echo reply within ${timeoutMs} ms` : err.message });
      else resolve({ address, rttMs: rtt, reason: 'echo reply' });
    });
  });
}
