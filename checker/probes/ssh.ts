// The SSH probe: banner, host key (type, SHA256 fingerprint, pinning), the auth methods the server
// offers, and an optional credential test. Facts only; shared/rules/ssh.ts turns them into findings.
//
// One TCP connection per probe, on purpose: the auth-methods query (a `none` request, which sends no
// credential) and the credential test run on the same SSH session. Intrusion protection (fail2ban,
// Bicom's SIPProt) counts connections and failed logins per source; a second connection would add
// to the count for no new fact, and OpenSSH refuses to change the user name within a session
// anyway, so the `none` query uses the credential's user when there is one.

import type { SshCredentials } from '../check-options.js';
import type { SshAuthResult, SshFacts } from '../../shared/model.js';
import { SSH_ERRORS } from '../../shared/rules/ssh.js';
import { secrets } from '../../shared/redact.js';
import { STOPPED_REASON, type ProbeContext } from './probe.js';
import { openSshSession, parsePrivateKey, registerSecrets, type SshSessionEnd, type SshSessionTarget } from './ssh-session.js';

export interface SshTarget extends SshSessionTarget {
  credentials?: SshCredentials;
}

export interface SshProbeContext extends ProbeContext {
  /**
   * The credential test gets a time window of its own (a slow but working login is not a failure):
   * the caller's, asked for when the login starts. Without it the login shares `signal`.
   */
  loginSignal?: () => AbortSignal;
}

/** Who the `none` query names when no credential is given: root exists on every PBX, so the query
 * does not log as an "invalid user" (which fail2ban's default sshd filter counts). */
export const PROBE_USER = 'root';

export function probeSsh(target: SshTarget, context: SshProbeContext): Promise<SshFacts> {
  const facts: SshFacts = { banner: null, hostKeyType: null, fingerprint: null, authMethods: [] };
  const creds = target.credentials;
  registerSecrets(creds);
  const method: SshAuthResult['method'] | undefined = creds ? (creds.privateKey ? 'publickey' : 'password') : undefined;
  const key = creds?.privateKey ? parsePrivateKey(creds.privateKey, creds.passphrase) : undefined;

  const setAuth = (ok: boolean, error?: string) => {
    if (!creds || !method) return;
    facts.auth = { user: creds.user, method, ok };
    if (error !== undefined) facts.auth.error = secrets.scrub(error);
  };

  return new Promise<SshFacts>((resolve) => {
    let done = false;
    const finish = (lastError?: string, deadline: number | null = null) => {
      if (done) return;
      done = true;
      const { tap, phase, decision } = session;
      facts.banner = tap.banner();
      if (decision) {
        facts.hostKeyType = decision.keyType;
        facts.fingerprint = decision.fingerprint;
        facts.hostKey = decision.verdict;
      }
      if (deadline !== null) facts.timedOut = true;
      if (decision?.verdict === 'mismatch') {
        facts.pinnedFingerprints = decision.expected;
        facts.error = SSH_ERRORS.hostKeyMismatch(decision.fingerprint, decision.expected, decision.reason ?? 'the key differs');
      } else if (!tap.received || (deadline !== null && tap.stillArriving())) {
        // Silence, or a banner dripping in too slowly to finish: both are a banner timeout.
        if (tap.received) facts.banner = null;
        if (deadline !== null) facts.error = SSH_ERRORS.bannerTimeout(deadline);
        else facts.error = lastError && !/before handshake/i.test(lastError) ? lastError : SSH_ERRORS.closedBeforeBanner();
      } else if (tap.ident() === null) {
        facts.error = SSH_ERRORS.notSsh();
      } else if (phase === 'kex' || phase === 'banner') {
        facts.error = deadline !== null ? SSH_ERRORS.handshakeTimeout(deadline) : (lastError ?? 'the connection closed during the key exchange');
      } else if (phase === 'methods' && lastError !== undefined) {
        facts.error = lastError;
      }
      if (facts.error !== undefined) facts.error = secrets.scrub(facts.error);
      session.close();
      resolve(facts);
    };

    const onEnd = (end: SshSessionEnd) => {
      if (end.kind === 'stopped') {
        const why = end.deadlineMs === null ? STOPPED_REASON : `no answer within ${end.deadlineMs} ms`;
        if (session.phase === 'auth') setAuth(false, why);
        return finish(end.deadlineMs === null ? STOPPED_REASON : undefined, end.deadlineMs);
      }
      if (end.kind === 'error') return finish(end.message);
      return finish();
    };

    // ssh2 asks first with null (we send `none`), then with the methods the server lists.
    let asked = 0;
    const authenticate = (methodsLeft: string[] | null) => {
      asked++;
      if (methodsLeft === null) return { type: 'none' } as const;
      if (asked === 2) {
        facts.authMethods = methodsLeft;
        if (!creds || !method) return false;
        if (typeof key === 'string') {
          setAuth(false, key);
          return false;
        }
        if (!methodsLeft.includes(method)) {
          setAuth(false, `the server does not offer ${method} authentication (it offers ${methodsLeft.join(', ') || 'nothing'})`);
          return false;
        }
        if (context.loginSignal) session.rebind(context.loginSignal());
        if (key) return { type: 'publickey', key } as const;
        return { type: 'password', password: creds.password ?? '' } as const;
      }
      setAuth(false, method === 'password' ? 'the password was rejected' : 'the key was rejected');
      return false;
    };

    const session = openSshSession(target, context.signal, {
      username: creds?.user ?? PROBE_USER,
      authenticate,
      onReady: () => {
        // `none` accepted: the server asks for no credential at all.
        if (asked < 2) facts.authMethods = ['none'];
        setAuth(true);
        finish();
      },
      onEnd,
    });
  });
}
