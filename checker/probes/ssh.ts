// The SSH probe: banner, host key (type, SHA256 fingerprint, pinning), the auth methods the server
// offers, and an optional credential test. Facts only; shared/rules/ssh.ts turns them into findings.
//
// One TCP connection per probe, on purpose: the auth-methods query (a `none` request, which sends no
// credential) and the credential test run on the same SSH session. Intrusion protection (fail2ban,
// Bicom's SIPProt) counts connections and failed logins per source; a second connection would add
// to the count for no new fact, and OpenSSH refuses to change the user name within a session
// anyway, so the `none` query uses the credential's user when there is one.

import { Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { AuthenticationType } from 'ssh2';
import type { SshCredentials } from '../check-options.js';
import type { SshAuthResult, SshFacts } from '../../shared/model.js';
import { decideHostKey, lookupNames, type HostKeyDecision, type KnownHostEntry } from './known-hosts.js';
import { SSH_ERRORS } from '../../shared/rules/ssh.js';
import { secrets } from '../../shared/redact.js';
import { BannerTap, clientConfig, parsePrivateKey, registerSecrets } from './ssh-session.js';

const { Client } = ssh2;

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
