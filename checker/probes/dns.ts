// Name → every A and AAAA address. A literal address is its own answer (no DNS query).

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

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

export type Resolver = (host: string, timeoutMs: number, signal?: AbortSignal) => Promise<string[]>;

/** Throws DnsFailure with a readable reason; never resolves to an empty list. */
export const resolveHost: Resolver = async (host, timeoutMs, signal) => {
  if (isIP(host)) return [host];
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  // getaddrinfo cannot be cancelled; an abort (or the timeout) just stops waiting for it.
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DnsFailure(`no answer within ${timeoutMs} ms`)), timeoutMs);
    onAbort = () => reject(new DnsFailure('stopped before an answer (the check was aborted)'));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const answers = await Promise.race([lookup(host, { all: true, verbatim: true }), timeout]);
    const addresses = [...new Set(answers.map((a) => a.address))];
    if (addresses.length === 0) throw new DnsFailure('no A or AAAA record');
    return addresses;
  } catch (err) {
    if (err instanceof DnsFailure) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new DnsFailure(DNS_REASONS[code ?? ''] ?? `${code ?? 'lookup failed'}`);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
};
