// Name → every A and AAAA address. A literal address is its own answer (no DNS query).

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { deadlineMs, onAbort, STOPPED_REASON, type ProbeContext } from './probe.js';

export class DnsFailure extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

const DNS_REASONS: Record<string, string> = {
  ENOTFOUND: 'no such name (ENOTFOUND)',
  ENODATA: 'no A or AAAA record (ENODATA)',
  EAI_AGAIN: 'temporary DNS failure (EAI_AGAIN)',
  ESERVFAIL: 'the DNS server failed (ESERVFAIL)',
  ETIMEOUT: 'DNS timed out (ETIMEOUT)',
};

export type Resolver = (host: string, context: ProbeContext) => Promise<string[]>;

/** Throws DnsFailure with a readable reason; never resolves to an empty list. */
export const resolveHost: Resolver = async (host, { signal }) => {
  if (isIP(host)) return [host];
  const why = () => {
    const ms = deadlineMs(signal);
    return new DnsFailure(ms === null ? STOPPED_REASON : `no answer within ${ms} ms`);
  };
  if (signal.aborted) throw why();
  let unsubscribe = () => {};
  // getaddrinfo cannot be cancelled; the caller's deadline (or a stop) just stops waiting for it.
  const stopped = new Promise<never>((_, reject) => {
    unsubscribe = onAbort(signal, () => reject(why()));
  });
  try {
    const answers = await Promise.race([lookup(host, { all: true, verbatim: true }), stopped]);
    const addresses = [...new Set(answers.map((a) => a.address))];
    if (addresses.length === 0) throw new DnsFailure('no A or AAAA record');
    return addresses;
  } catch (err) {
    if (err instanceof DnsFailure) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new DnsFailure(DNS_REASONS[code ?? ''] ?? `${code ?? 'lookup failed'}`);
  } finally {
    unsubscribe();
  }
};
