// ICMP echo, where the process may open raw sockets (root or CAP_NET_RAW). Informational only:
// support access is TCP, and many firewalls drop ping.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import type { IcmpResult } from '../../shared/model.js';
import { deadlineMs, onAbort, STOPPED_REASON, type ProbeContext } from './probe.js';

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

export interface IcmpTarget {
  addresses: readonly string[];
  /** How long net-ping waits for an echo reply (like ping -W): a protocol setting, not our timer.
   * The caller's deadline must leave some slack past it (ICMP_SLACK_MS). */
  replyWithinMs: number;
  /** Injected so "not permitted" can be tested as root, and root can be tested without root. */
  mayOpenRawSockets?: () => boolean;
}

/**
 * Slack the caller's deadline leaves past net-ping's own reply wait. net-ping's raw socket can fail
 * to deliver its send callback (seen under gVisor while the process also holds a listening TCP
 * socket); then neither reply nor its timeout ever comes, and the deadline says so.
 */
export const ICMP_SLACK_MS = 500;

type Ping = { address: string; rttMs: number | null; reason: string; stuck?: boolean };

/** Ping each address once; alive when any answers; RTT of the fastest. */
export async function probeIcmp(target: IcmpTarget, { signal }: ProbeContext): Promise<IcmpResult> {
  if (!(target.mayOpenRawSockets ?? mayOpenRawSockets)()) {
    return { measured: false, reason: 'not permitted: needs root or CAP_NET_RAW', alive: null, rttMs: null };
  }
  if (target.addresses.length === 0) return { measured: false, reason: 'no address to ping', alive: null, rttMs: null };
  let ping: NetPing;
  try {
    ping = createRequire(import.meta.url)('net-ping') as NetPing;
  } catch (err) {
    return { measured: false, reason: `net-ping unavailable: ${(err as Error).message.split('\n')[0]}`, alive: null, rttMs: null };
  }
  const results = await Promise.all(target.addresses.map((a) => pingOnce(ping, a, target.replyWithinMs, signal)));
  if (results.every((r) => r.stuck)) return { measured: false, reason: results[0]!.reason, alive: null, rttMs: null };
  const alive = results.filter((r) => r.rttMs !== null);
  if (alive.length > 0) {
    const best = alive.reduce((x, y) => ((x.rttMs ?? Infinity) <= (y.rttMs ?? Infinity) ? x : y));
    return { measured: true, reason: `echo reply from ${best.address}`, alive: true, rttMs: best.rttMs };
  }
  return { measured: true, reason: results.map((r) => `${r.address}: ${r.reason}`).join('; '), alive: false, rttMs: null };
}

function stoppedReason(signal: AbortSignal): string {
  const ms = deadlineMs(signal);
  return ms === null ? STOPPED_REASON : `the raw socket gave no result within ${ms} ms`;
}

function pingOnce(ping: NetPing, address: string, replyWithinMs: number, signal: AbortSignal): Promise<Ping> {
  if (signal.aborted) return Promise.resolve({ address, rttMs: null, reason: stoppedReason(signal), stuck: true });
  return new Promise((done) => {
    let settled = false;
    let session: PingSession | undefined;
    const resolve = (r: Ping) => {
      if (settled) return;
      settled = true;
      unsubscribe();
      done(r);
    };
    const unsubscribe = onAbort(signal, () => {
      // Settle first: closing the session calls back at once with "Socket closed".
      resolve({ address, rttMs: null, reason: stoppedReason(signal), stuck: true });
      try {
        session?.close();
      } catch {
        /* already closed */
      }
    });
    try {
      const networkProtocol = isIP(address) === 6 ? ping.NetworkProtocol.IPv6 : ping.NetworkProtocol.IPv4;
      session = ping.createSession({ timeout: replyWithinMs, retries: 0, networkProtocol });
    } catch (err) {
      return resolve({ address, rttMs: null, reason: `raw socket refused: ${(err as Error).message}` });
    }
    const open = session;
    open.on('error', (err) => {
      open.close();
      resolve({ address, rttMs: null, reason: err.message });
    });
    const started = performance.now();
    open.pingHost(address, (err) => {
      const rtt = Math.round((performance.now() - started) * 10) / 10;
      open.close();
      if (err) resolve({ address, rttMs: null, reason: err.name === 'RequestTimedOutError' ? `no echo reply within ${replyWithinMs} ms` : err.message });
      else resolve({ address, rttMs: rtt, reason: 'echo reply' });
    });
  });
}
