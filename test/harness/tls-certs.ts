// Certificates made inside the test run (selfsigned, EC keys for speed): a CA and leaves signed by
// it (valid, expired, expiring soon), and a self-signed one. Names cover localhost and 127.0.0.1.

import { generate } from 'selfsigned';

export interface KeyPair {
  key: string;
  cert: string;
}

export interface TestCertificates {
  ca: KeyPair;
  valid: KeyPair;
  expired: KeyPair;
  expiringIn5Days: KeyPair;
  selfSigned: KeyPair;
  /** CA-signed for another name only: the hostname does not match. */
  otherName: KeyPair;
}

const DAY = 86_400_000;

function leafExtensions(names: string[], ips: string[]) {
  return [
    { name: 'basicConstraints' as const, cA: false },
    { name: 'keyUsage' as const, digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage' as const, serverAuth: true },
    { name: 'subjectAltName' as const, altNames: [...names.map((value) => ({ type: 2 as const, value })), ...ips.map((ip) => ({ type: 7 as const, ip }))] },
  ];
}

async function leaf(cn: string, from: Date, to: Date, ca: KeyPair | undefined, names = ['localhost'], ips = ['127.0.0.1', '::1']): Promise<KeyPair> {
  const pems = await generate([{ name: 'commonName', value: cn }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: from,
    notAfterDate: to,
    extensions: leafExtensions(names, ips),
    ...(ca ? { ca: { key: ca.key, cert: ca.cert } } : {}),
  });
  return { key: pems.private, cert: pems.cert };
}

export async function makeCertificates(now = new Date()): Promise<TestCertificates> {
  const t = now.getTime();
  const caPems = await generate([{ name: 'commonName', value: 'pbxready test CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: new Date(t - 400 * DAY),
    notAfterDate: new Date(t + 3650 * DAY),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const ca = { key: caPems.private, cert: caPems.cert };
  const [valid, expired, expiringIn5Days, selfSigned, otherName] = await Promise.all([
    leaf('localhost', new Date(t - DAY), new Date(t + 200 * DAY), ca),
    leaf('localhost', new Date(t - 60 * DAY), new Date(t - 3 * DAY), ca),
    // Five days and an hour: whole days left is 5, inside the 14-day warning window.
    leaf('localhost', new Date(t - 80 * DAY), new Date(t + 5 * DAY + 3_600_000), ca),
    leaf('pbx.selfsigned.test', new Date(t - DAY), new Date(t + 200 * DAY), undefined),
    leaf('router.example.test', new Date(t - DAY), new Date(t + 200 * DAY), ca, ['router.example.test'], []),
  ]);
  return { ca, valid, expired, expiringIn5Days, selfSigned, otherName };
}

/** A self-signed certificate for `cn` that expires `days` from `now` (the certificate alerts' windows). */
export function expiringIn(days: number, cn = 'pbx.example.com', now = new Date()): Promise<KeyPair> {
  return leaf(cn, new Date(now.getTime() - DAY), new Date(now.getTime() + days * DAY), undefined, [cn], []);
}
