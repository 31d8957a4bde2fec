// TLS handshake facts: protocol, cipher, the certificate's names, validity and fingerprint.
// Certificates are never verified here (PBXs often run self-signed ones): they are described,
// and shared/rules/tls.ts judges them.

import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { checkServerIdentity, connect, type DetailedPeerCertificate } from 'node:tls';
import type { TlsFacts } from '../../shared/model.js';
import { daysLeft } from '../../shared/rules/tls.js';
import { deadlineMs, onAbort, type ProbeContext } from './probe.js';

export interface TlsTarget {
  address: string;
  port: number;
  /** The name the user asked for: SNI (when not an IP) and the hostname match. */
  host: string;
}

function failed(error: string, timedOut = false): TlsFacts {
  return {
    protocol: null,
    cipher: null,
    subject: null,
    issuer: null,
    subjectAltNames: [],
    validFrom: null,
    validTo: null,
    daysLeft: null,
    selfSigned: false,
    hostnameMatch: null,
    fingerprint256: null,
    error,
    ...(timedOut ? { timedOut } : {}),
  };
}

function dn(name: Record<string, string | string[]> | undefined): string | null {
  if (!name) return null;
  const parts = Object.entries(name).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`);
  return parts.length ? parts.join(', ') : null;
}

/**
 * Self-signed means: names itself as issuer and is signed by its own key, not merely subject ==
 * issuer. (X509Certificate.checkIssued would also demand keyCertSign, which self-signed leaves lack.)
 */
function isSelfSigned(raw: Buffer): boolean {
  try {
    const x = new X509Certificate(raw);
    return x.subject === x.issuer && x.verify(x.publicKey);
  } catch {
    return false;
  }
}

export function describeCertificate(cert: DetailedPeerCertificate, host: string, now: Date): Omit<TlsFacts, 'protocol' | 'cipher'> {
  const validTo = cert.valid_to ? new Date(cert.valid_to) : null;
  return {
    subject: dn(cert.subject as unknown as Record<string, string>),
    issuer: dn(cert.issuer as unknown as Record<string, string>),
    subjectAltNames: (cert.subjectaltname ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    validFrom: cert.valid_from ? new Date(cert.valid_from).toISOString() : null,
    validTo: validTo ? validTo.toISOString() : null,
    daysLeft: validTo ? daysLeft(validTo, now) : null,
    selfSigned: cert.raw ? isSelfSigned(cert.raw) : false,
    hostnameMatch: checkServerIdentity(host, cert) === undefined,
    fingerprint256: cert.fingerprint256 ?? null,
  };
}

/** One handshake, bounded by the caller's deadline (connect + handshake: a silent server cannot hold us). */
export function probeTls(target: TlsTarget, { signal, now = () => new Date() }: ProbeContext): Promise<TlsFacts> {
  const { address, port, host } = target;
  const stopped = (): TlsFacts => {
    const ms = deadlineMs(signal);
    return ms === null ? failed('aborted') : failed(`no TLS handshake within ${ms} ms`, true);
  };
  if (signal.aborted) return Promise.resolve(stopped());
  return new Promise((resolve) => {
    let settled = false;
    const socket = connect({
      host: address,
      port,
      rejectUnauthorized: false,
      // SNI must be a name; RFC 6066 forbids IP literals there.
      ...(isIP(host) ? {} : { servername: host }),
    });
    const settle = (facts: TlsFacts) => {
      if (settled) return;
      settled = true;
      unsubscribe();
      socket.destroy();
      resolve(facts);
    };
    const unsubscribe = onAbort(signal, () => settle(stopped()));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate(true);
      if (!cert || !cert.raw) return settle(failed('the server sent no certificate'));
      settle({
        protocol: socket.getProtocol() ?? null,
        cipher: socket.getCipher()?.name ?? null,
        ...describeCertificate(cert, host, now()),
      });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => settle(failed(tlsErrorReason(err))));
    socket.once('close', () => settle(failed('connection closed during the handshake')));
  });
}

/** OpenSSL's messages are long and cryptic; keep the useful part. */
function tlsErrorReason(err: NodeJS.ErrnoException): string {
  if (err.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long/i.test(err.message)) {
    return 'the server does not speak TLS (wrong version number)';
  }
  if (err.code === 'ECONNRESET') return 'connection reset during the handshake (ECONNRESET)';
  const line = err.message.split('\n')[0] ?? String(err);
  return err.code && !line.includes(err.code) ? `${line} (${err.code})` : line;
}
