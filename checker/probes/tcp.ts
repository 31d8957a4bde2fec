// TCP connect: the port state in nmap's words (open / closed / filtered), why, and how long it took.

import { Socket } from 'node:net';
import type { PortAttempt } from '../../shared/model.js';
import { deadlineMs, onAbort, type ProbeContext } from './probe.js';

export interface TcpTarget {
  address: string;
  port: number;
}

/** How a failed connect() maps to a port state: only a refusal (RST) means "closed". */
const ERROR_STATES: Record<string, Pick<PortAttempt, 'state' | 'reason'>> = {
  ECONNREFUSED: { state: 'closed', reason: 'ECONNREFUSED (refused)' },
  EHOSTUNREACH: { state: 'filtered', reason: 'EHOSTUNREACH (ICMP host unreachable)' },
  ENETUNREACH: { state: 'filtered', reason: 'ENETUNREACH (ICMP network unreachable)' },
  EACCES: { state: 'filtered', reason: 'EACCES/EPERM (administratively prohibited)' },
  EPERM: { state: 'filtered', reason: 'EACCES/EPERM (administratively prohibited)' },
  ETIMEDOUT: { state: 'filtered', reason: 'ETIMEDOUT (no answer)' },
};

export function classifyConnectError(code: string | undefined): Pick<PortAttempt, 'state' | 'reason'> {
  return ERROR_STATES[code ?? ''] ?? { state: 'filtered', reason: `${code ?? 'error'} (no connection)` };
}

/** Connect once, then close at once: nothing is sent, so nothing on the PBX is disturbed. */
export function probeTcp(target: TcpTarget, { signal }: ProbeContext): Promise<PortAttempt> {
  if (signal.aborted) {
    const ms = deadlineMs(signal);
    return Promise.resolve({ state: 'filtered', reason: ms === null ? 'aborted before an answer' : `no answer within ${ms} ms`, latencyMs: null });
  }
  return new Promise((resolve) => {
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
    const socket = new Socket();
    let settled = false;
    const settle = (attempt: PortAttempt) => {
      if (settled) return;
      settled = true;
      unsubscribe();
      socket.destroy();
      resolve(attempt);
    };
    const stopped = () => {
      const ms = deadlineMs(signal);
      if (ms === null) return settle({ state: 'filtered', reason: 'aborted before an answer', latencyMs: null });
      // "No answer" is decided one loop turn late (setImmediate runs after the next I/O poll): with
      // thousands of sockets in flight the loop runs behind, and a deadline firing in the same turn
      // as an answer that already arrived would otherwise win before the answer is read.
      setImmediate(() => settle({ state: 'filtered', reason: `no answer within ${ms} ms`, latencyMs: null }));
    };
    const unsubscribe = onAbort(signal, stopped);
    socket.once('connect', () => settle({ state: 'open', reason: 'connected', latencyMs: elapsed() }));
    socket.once('error', (err: NodeJS.ErrnoException) => settle({ ...classifyConnectError(err.code), latencyMs: elapsed() }));
    socket.connect({ host: target.address, port: target.port });
  });
}
