// A finished TLS handshake (or its failure) → findings. Pure: the probe only reports facts.

import { finding } from '../findings.js';
import type { Finding, PortResult, TlsFacts } from '../model.js';

/** Certificates expiring within this many days are worth a warning. */
export const EXPIRING_DAYS = 14;

const DAY_MS = 86_400_000;

/** Whole days from `now` to `validTo` (negative once expired). */
export function daysLeft(validTo: Date, now: Date): number {
  return Math.floor((validTo.getTime() - now.getTime()) / DAY_MS);
}

export interface TlsContext {
  host: string;
  timeoutMs: number;
}

export function tlsFindings(p: PortResult, ctx: TlsContext): Finding[] {
  const t: TlsFacts | undefined = p.tls;
  if (!t) return [];
  const where = { port: p.port, address: p.address };
  if (t.error !== undefined) {
    return t.timedOut
      ? [finding('TLS_HANDSHAKE_TIMEOUT', { timeoutMs: ctx.timeoutMs }, where)]
      : [finding('TLS_HANDSHAKE_FAILED', { reason: t.error }, where)];
  }
  const out: Finding[] = [];
  // daysLeft is floored (−1 from the first second after expiry), so whole days since expiry is −daysLeft−1.
  if (t.daysLeft !== null && t.daysLeft < 0) out.push(finding('TLS_CERT_EXPIRED', { days: -t.daysLeft - 1, validTo: t.validTo }, where));
  else if (t.daysLeft !== null && t.daysLeft <= EXPIRING_DAYS) out.push(finding('TLS_CERT_EXPIRING', { days: t.daysLeft, validTo: t.validTo }, where));
  if (t.selfSigned) out.push(finding('TLS_SELF_SIGNED', { subject: t.subject ?? 'no subject' }, where));
  if (t.hostnameMatch === false) {
    const names = t.subjectAltNames.length ? t.subjectAltNames.join(', ') : (t.subject ?? 'no name');
    out.push(finding('TLS_HOSTNAME_MISMATCH', { host: ctx.host, names }, where));
  }
  return out;
}
