// One way to open an SSH session, for the SSH probe (probes/ssh.ts) and the remote command runner
// (ssh-exec.ts): our own socket, a tap on the first bytes the server sends (banner), the host-key
// decision during the key exchange (before any credential leaves), the auth steps the user of the
// session chooses, and the phase the session is in when it ends. It owns no timer: the caller's
// AbortSignal bounds it (and may be swapped, so a login can get a time window of its own).

import { Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { AuthenticationType, Client as SshClient, ConnectConfig, ParsedKey } from 'ssh2';
import type { SshCredentials } from '../check-options.js';
import { decideHostKey, lookupNames, preferredHostKeyAlgorithms, type HostKeyDecision, type KnownHostEntry } from './known-hosts.js';
import { deadlineMs } from './probe.js';
import { secrets } from '../../shared/redact.js';

const { Client, utils } = ssh2;

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

  /**
   * An SSH line still on its way: no complete line decided anything, and the unfinished one is
   * "SSH-…" so far. A banner dripped a byte at a time is slow, not another protocol.
   */
  stillArriving(): boolean {
    if (this.ident() !== null || this.givenUp()) return false;
    const text = this.bytes.toString('latin1');
    const tail = text.slice(text.lastIndexOf('\n') + 1);
    return tail.length > 0 && (tail.startsWith('SSH-') || 'SSH-'.startsWith(tail));
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

export interface SshSessionTarget {
  address: string;
  port: number;
  /** The name the user gave (known_hosts lookup); `address` is what is connected to. */
  host: string;
  expectedFingerprint?: string;
  knownHosts?: KnownHostEntry[];
}

/** banner → kex (host key seen) → methods (the `none` query) / auth (a credential sent) → ready. */
export type SshPhase = 'banner' | 'kex' | 'methods' | 'auth' | 'ready';

/** One auth step; the session adds the user name (fixed per session: OpenSSH refuses a change). */
export type SshAuthStep = { type: 'none' } | { type: 'password'; password: string } | { type: 'publickey'; key: ParsedKey };

/** Why a session ended, as the session saw it; its user words it (facts or a typed error). */
export type SshSessionEnd =
  /** The caller's signal aborted: `deadlineMs` when its time ran out, null when it was stopped. */
  | { kind: 'stopped'; deadlineMs: number | null }
  /** The server's first bytes are another protocol's. */
  | { kind: 'not-ssh' }
  /** The user's `authenticate` had no further step (done, or its credential was rejected). */
  | { kind: 'auth-ended' }
  | { kind: 'error'; message: string }
  | { kind: 'closed' };

export interface SshSessionHandlers {
  username: string;
  /** Called with null first, then with the methods the server still offers; false ends the session. */
  authenticate(methodsLeft: AuthenticationType[] | null): SshAuthStep | false;
  onReady(client: SshClient): void;
  /** Called once, unless the user closed the session first; the session is closed right after. */
  onEnd(end: SshSessionEnd): void;
}

export interface SshSession {
  readonly tap: BannerTap;
  readonly phase: SshPhase;
  /** The host-key decision, once the key exchange showed the key. */
  readonly decision: HostKeyDecision | undefined;
  /** Bound the rest of the session by another signal (a login with a time window of its own). */
  rebind(signal: AbortSignal): void;
  /** Idempotent. `graceful` lets queued packets (a channel signal, the disconnect) reach sshd first. */
  close(graceful?: boolean): void;
}

const CLOSE_LINGER_MS = 200;

/** Dial, tap the banner, decide the host key, run the user's auth steps; report the end once. */
export function openSshSession(target: SshSessionTarget, signal: AbortSignal, handlers: SshSessionHandlers): SshSession {
  const names = lookupNames(target.host, target.address, target.port);
  const sock = new Socket();
  const tap = new BannerTap(sock);
  const client = new Client();
  let phase: SshPhase = 'banner';
  let decision: HostKeyDecision | undefined;
  let closed = false;
  let bound = signal;

  const onStop = () => end({ kind: 'stopped', deadlineMs: deadlineMs(bound) });
  const close = (graceful = false) => {
    if (closed) return;
    closed = true;
    bound.removeEventListener('abort', onStop);
    client.removeAllListeners();
    client.on('error', () => {});
    client.end();
    if (!graceful) return sock.destroy();
    // Linger a moment before the reset: a socket destroyed with unread input sends RST, and sshd
    // then drops what it had not read yet (the KILL for a command still running). Not a deadline:
    // nothing waits on it, and it does not hold the process open.
    setTimeout(() => sock.destroy(), CLOSE_LINGER_MS).unref();
  };
  const end = (why: SshSessionEnd) => {
    if (closed) return;
    handlers.onEnd(why);
    close();
  };

  const session: SshSession = {
    tap,
    get phase() {
      return phase;
    },
    get decision() {
      return decision;
    },
    rebind(next) {
      if (closed) return;
      bound.removeEventListener('abort', onStop);
      bound = next;
      if (next.aborted) onStop();
      else next.addEventListener('abort', onStop, { once: true });
    },
    close,
  };

  const hostVerifier = (blob: Buffer): boolean => {
    phase = 'kex';
    decision = decideHostKey(blob, names, target);
    return decision.verdict !== 'mismatch';
  };
  const authHandler = (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, next: (auth: unknown) => void) => {
    const step = handlers.authenticate(methodsLeft === null ? null : [...methodsLeft]);
    if (closed) return;
    if (step === false) return end({ kind: 'auth-ended' });
    phase = step.type === 'none' ? 'methods' : 'auth';
    return next({ ...step, username: handlers.username });
  };

  client.on('ready', () => {
    phase = 'ready';
    handlers.onReady(client);
  });
  client.on('error', (err: Error) => end({ kind: 'error', message: err.message }));
  client.on('close', () => end({ kind: 'closed' }));
  sock.on('data', () => {
    if (tap.givenUp()) end({ kind: 'not-ssh' });
  });

  // Already stopped (queued behind the per-host cap): do not dial at all. The end is reported a
  // microtask later, so handlers always see the session returned first.
  if (signal.aborted) {
    queueMicrotask(onStop);
    return session;
  }
  signal.addEventListener('abort', onStop, { once: true });
  sock.connect({ host: target.address, port: target.port });
  try {
    client.connect(clientConfig(sock, handlers.username, hostVerifier, authHandler, target.knownHosts, names));
  } catch (err) {
    queueMicrotask(() => end({ kind: 'error', message: (err as Error).message }));
  }
  return session;
}
