// One way to open an SSH session, for the SSH probe (probes/ssh.ts) and the remote command runner
// (ssh-exec.ts): our own socket, a tap on the first bytes the server sends (banner), the host-key
// decision during the key exchange (before any credential leaves), and ssh2 settings both share.

import type { Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { ConnectConfig, ParsedKey } from 'ssh2';
import type { SshCredentials } from '../check-options.js';
import { preferredHostKeyAlgorithms, type KnownHostEntry } from './known-hosts.js';
import { secrets } from '../../shared/redact.js';

const { utils } = ssh2;

/** What this client calls itself in the server's logs. */
export const CLIENT_IDENT = 'pbxready';

const BANNER_CAPTURE_BYTES = 2048;
const BANNER_PREVIEW_CHARS = 120;
const SSH2_HOST_KEY_ALGORITHMS = new Set([
  'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-dss',
]);

/** First lines of services a port forward commonly lands on instead of sshd. */
const OTHER_PROTOCOL_GREETING = /^(HTTP\/\d|220[ -]|\+OK|\* OK|RFB \d|<|\{|Asterisk Call Manager|[\x00-\x08]|.*mysql_native_password)/i;

/** Printable, one-line, bounded: what a non-SSH service sent is shown to people, not trusted. */
export function sanitiseBytes(bytes: Buffer): string {
  let out = '';
  for (const b of bytes.subarray(0, BANNER_PREVIEW_CHARS * 2)) {
    if (b === 0x0d) out += '\\r';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x09) out += '\\t';
    else if (b < 0x20 || b > 0x7e) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(b);
  }
  return out.length > BANNER_PREVIEW_CHARS ? out.slice(0, BANNER_PREVIEW_CHARS) + '…' : out;
}

/**
 * Watches the first bytes a server sends, beside ssh2's own parser (both listen to 'data'), so a
 * service that is not SSH can be shown by what it said.
 */
export class BannerTap {
  private bytes = Buffer.alloc(0);

  constructor(sock: Socket) {
    const onData = (chunk: Buffer) => {
      this.bytes = Buffer.concat([this.bytes, chunk]).subarray(0, BANNER_CAPTURE_BYTES);
      if (this.bytes.length >= BANNER_CAPTURE_BYTES) sock.off('data', onData);
    };
    sock.on('data', onData);
  }

  get received(): boolean {
    return this.bytes.length > 0;
  }

  /** The SSH identification line, when one arrived (RFC 4253 allows other lines before it). */
  ident(): string | null {
    const text = this.bytes.toString('latin1');
    for (const line of text.split('\n').slice(0, -1)) {
      if (line.startsWith('SSH-')) return sanitiseBytes(Buffer.from(line.replace(/\r$/, ''), 'latin1'));
    }
    return null;
  }

  /**
   * The service speaks another protocol: no SSH line in everything captured, or a first line that
   * is unmistakably something else. RFC 4253 lets a server send text lines before its SSH line,
   * so only known greetings and binary data decide early; anything else waits for more bytes.
   */
  givenUp(): boolean {
    if (this.ident() !== null) return false;
    if (this.bytes.length >= BANNER_CAPTURE_BYTES) return true;
    const first = this.bytes[0];
    // A TLS record (0x16 handshake, 0x15 alert) or other binary cannot precede an SSH line.
    if (first !== undefined && (first === 0x16 || first === 0x15 || (first < 0x20 && first !== 0x0d && first !== 0x0a))) return true;
    const newline = this.bytes.indexOf(0x0a);
    if (newline < 0) return false;
    return OTHER_PROTOCOL_GREETING.test(this.bytes.subarray(0, newline).toString('latin1'));
  }

  /** What to report as the banner: the SSH line, else the first bytes, else null (silence). */
  banner(): string | null {
    return this.ident() ?? (this.received ? sanitiseBytes(this.bytes) : null);
  }
}

/** ssh2 algorithm options that ask first for the key types known_hosts pins for this host. */
export function hostKeyAlgorithmOptions(entries: KnownHostEntry[] | undefined, names: string[]): ConnectConfig['algorithms'] {
  const preferred = preferredHostKeyAlgorithms(entries ?? [], names).filter((a) => SSH2_HOST_KEY_ALGORITHMS.has(a));
  if (preferred.length === 0) return undefined;
  return { serverHostKey: { remove: preferred, prepend: preferred } } as unknown as ConnectConfig['algorithms'];
}

/** The ssh2 client settings both the probe and sshExec use: our socket, our verifier, our auth steps. */
export function clientConfig(
  sock: Socket,
  username: string,
  hostVerifier: (key: Buffer) => boolean,
  authHandler: unknown,
  knownHosts: KnownHostEntry[] | undefined,
  names: string[],
): ConnectConfig {
  // readyTimeout 0: the caller's own timer bounds the whole exchange, banner included.
  const config: ConnectConfig = {
    sock,
    username,
    readyTimeout: 0,
    ident: CLIENT_IDENT,
    hostVerifier,
    authHandler: authHandler as ConnectConfig['authHandler'],
  };
  const algorithms = hostKeyAlgorithmOptions(knownHosts, names);
  if (algorithms) config.algorithms = algorithms;
  return config;
}

/** A private key ssh2 can sign with, or the reason it cannot (wrong passphrase, unknown format). */
export function parsePrivateKey(key: Buffer, passphrase?: string): ParsedKey | string {
  const parsed = utils.parseKey(key, passphrase);
  if (parsed instanceof Error) return `the private key cannot be used: ${parsed.message}`;
  const first = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!first || !first.isPrivateKey()) return 'the key file holds no private key';
  return first;
}

/** Remember secrets so every output scrubs them, even if a library echoed one into a message. */
export function registerSecrets(credentials: SshCredentials | undefined): void {
  secrets.add(credentials?.password);
  secrets.add(credentials?.passphrase);
}
