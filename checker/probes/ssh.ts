// The SSH probe: banner, host key (type, SHA256 fingerprint, pinning), the auth methods the server
// offers, and an optional credential test. Facts only; shared/rules/ssh.ts turns them into findings.
//
// One TCP connection per probe, on purpose: the auth-methods query (a `none` request, which sends no
// credential) and the credential test run on the same SSH session. Intrusion protection (fail2ban,
// Bicom's SIPProt) counts connections and failed logins per source; a second connection would add
// to the count for no new fact, and OpenSSH refuses to change the user name within a session
// anyway, so the `none` query uses the credential's user when there is one.

import { Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type { AuthenticationType, ConnectConfig, ParsedKey } from 'ssh2';
import type { SshCredentials } from '../check-options.js';
import type { SshAuthResult, SshFacts } from '../../shared/model.js';
import {
  decideHostKey,
  lookupNames,
  parseKnownHosts,
  preferredHostKeyAlgorithms,
  type HostKeyDecision,
  type KnownHostEntry,
} from '../../shared/known-hosts.js';
import { SSH_ERRORS } from '../../shared/rules/ssh.js';
import { UsageError } from '../../shared/errors.js';
import { secrets } from '../../shared/redact.js';

const { Client, utils } = ssh2;

export interface SshProbeOptions {
  timeoutMs: number;
  /** The name the user gave (known_hosts lookup); `address` is what was connected to. */
  host: string;
  credentials?: SshCredentials;
  expectedFingerprint?: string;
  knownHosts?: KnownHostEntry[];
  /** Stops the probe at once (SIGTERM, a scraper that went away): the socket is destroyed. */
  signal?: AbortSignal;
}

/** Who the `none` query names when no credential is given: root exists on every PBX, so the query
 * does not log as an "invalid user" (which fail2ban's default sshd filter counts). */
export const PROBE_USER = 'root';

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

export async function loadKnownHosts(file: string): Promise<KnownHostEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`cannot read known_hosts file ${file}: ${code}`, { cause: err });
  }
  return parseKnownHosts(text);
}

type Phase = 'banner' | 'kex' | 'methods' | 'auth';

export async function probeSsh(address: string, port: number, options: SshProbeOptions): Promise<SshFacts> {
  const facts: SshFacts = { banner: null, hostKeyType: null, fingerprint: null, authMethods: [], timeoutMs: options.timeoutMs };
  const creds = options.credentials;
  registerSecrets(creds);
  const names = lookupNames(options.host, address, port);
  const method: SshAuthResult['method'] | undefined = creds ? (creds.privateKey ? 'publickey' : 'password') : undefined;
  const key = creds?.privateKey ? parsePrivateKey(creds.privateKey, creds.passphrase) : undefined;
  const username = creds?.user ?? PROBE_USER;

  return new Promise<SshFacts>((resolve) => {
    let phase: Phase = 'banner';
    let done = false;
    let lastError: string | undefined;
    const sock = new Socket();
    const tap = new BannerTap(sock);
    const client = new Client();

    const setAuth = (ok: boolean, error?: string) => {
      if (!creds || !method) return;
      facts.auth = { user: creds.user, method, ok };
      if (error !== undefined) facts.auth.error = secrets.scrub(error);
    };

    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      facts.banner = tap.banner();
      if (facts.hostKey !== 'mismatch') {
        if (!tap.received) {
          if (facts.timedOut) facts.error = SSH_ERRORS.bannerTimeout(options.timeoutMs);
          else facts.error = lastError && !/before handshake/i.test(lastError) ? lastError : SSH_ERRORS.closedBeforeBanner();
        } else if (tap.ident() === null) {
          facts.error = SSH_ERRORS.notSsh();
        } else if (phase === 'kex' || phase === 'banner') {
          facts.error = facts.timedOut ? SSH_ERRORS.handshakeTimeout(options.timeoutMs) : (lastError ?? 'the connection closed during the key exchange');
        } else if (phase === 'methods' && lastError !== undefined) {
          facts.error = lastError;
        }
      }
      if (facts.error !== undefined) facts.error = secrets.scrub(facts.error);
      client.removeAllListeners();
      client.on('error', () => {});
      client.end();
      sock.destroy();
      resolve(facts);
    };

    const onTimeout = () => {
      facts.timedOut = true;
      if (phase === 'auth') setAuth(false, `no answer within ${options.timeoutMs} ms`);
      finish();
    };
    let timer = setTimeout(onTimeout, options.timeoutMs);
    const onAbort = () => {
      lastError = 'stopped before an answer (the check was aborted)';
      if (phase === 'auth') setAuth(false, lastError);
      finish();
    };

    const verifyHostKey = (blob: Buffer): boolean => {
      phase = 'kex';
      const decision: HostKeyDecision = decideHostKey(blob, names, options);
      facts.hostKeyType = decision.keyType;
      facts.fingerprint = decision.fingerprint;
      facts.hostKey = decision.verdict;
      if (decision.verdict === 'mismatch') {
        facts.pinnedFingerprints = decision.expected;
        facts.error = SSH_ERRORS.hostKeyMismatch(decision.fingerprint, decision.expected, decision.reason ?? 'the key differs');
        return false;
      }
      return true;
    };

    // ssh2 calls this first with null (we send `none`), then with the methods the server lists.
    const authHandler = (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, next: (auth: unknown) => void) => {
      if (methodsLeft === null) {
        phase = 'methods';
        return next({ type: 'none', username });
      }
      if (phase === 'methods') {
        facts.authMethods = [...methodsLeft];
        if (!creds || !method) return finish();
        if (typeof key === 'string') {
          setAuth(false, key);
          return finish();
        }
        if (!methodsLeft.includes(method)) {
          setAuth(false, `the server does not offer ${method} authentication (it offers ${methodsLeft.join(', ') || 'nothing'})`);
          return finish();
        }
        phase = 'auth';
        // The credential test gets its own time window: a slow but working login is not a failure.
        clearTimeout(timer);
        timer = setTimeout(onTimeout, options.timeoutMs);
        if (method === 'publickey') return next({ type: 'publickey', username: creds.user, key });
        return next({ type: 'password', username: creds.user, password: creds.password ?? '' });
      }
      setAuth(false, method === 'password' ? 'the password was rejected' : 'the key was rejected');
      return finish();
    };

    client.on('ready', () => {
      // `none` accepted: the server asks for no credential at all.
      if (phase === 'methods') facts.authMethods = ['none'];
      setAuth(true);
      finish();
    });
    client.on('error', (err: Error) => {
      lastError = err.message;
      finish();
    });
    client.on('close', finish);
    sock.on('data', () => {
      if (tap.givenUp()) finish();
    });

    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    sock.connect({ host: address, port });
    try {
      client.connect(clientConfig(sock, username, verifyHostKey, authHandler, options.knownHosts, names));
    } catch (err) {
      lastError = (err as Error).message;
      finish();
    }
  });
}
