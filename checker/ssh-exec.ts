// Run one command on a host over SSH (the host agent run remotely; later, collection scripts fed on
// stdin). It rides the same session opener as the SSH probe (probes/ssh-session.ts), so the same
// host-key pinning holds: the key is checked during the key exchange, before any credential is
// sent, and a mismatch refuses the session. The caller's signal is the one time limit (connect,
// handshake, login and the command); output is capped; failures are typed errors.

import type { ClientChannel, Client as SshClient } from 'ssh2';
import type { SshCredentials } from './check-options.js';
import type { SshFacts } from '../shared/model.js';
import { PbxreadyError } from '../shared/errors.js';
import { secrets } from '../shared/redact.js';
import type { ProbeContext } from './probes/probe.js';
import { openSshSession, parsePrivateKey, registerSecrets, type SshSessionEnd, type SshSessionTarget } from './probes/ssh-session.js';

export interface SshExecTarget extends SshSessionTarget {
  credentials: SshCredentials;
}

export interface SshCommand {
  /** One shell command line, run by the login shell of the remote user. */
  command: string;
  /** Written to the command's stdin, then end of file (e.g. a script for `sh -s`). */
  stdin?: string | Buffer;
  /** stdout and stderr together; more is an error, not a silent cut (a cut JSON report is useless). */
  maxOutputBytes: number;
}

export interface SshExecResult {
  /** null when the command died by a signal or the server sent no exit status. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  hostKey: NonNullable<SshFacts['hostKey']>;
  fingerprint: string | null;
}

export type SshExecErrorCode =
  | 'E_SSH_CONNECT'
  | 'E_SSH_NOT_SSH'
  | 'E_SSH_HOSTKEY_MISMATCH'
  | 'E_SSH_KEY'
  | 'E_SSH_AUTH'
  | 'E_SSH_TIMEOUT'
  | 'E_SSH_OUTPUT_LIMIT'
  | 'E_SSH_EXEC';

export class SshExecError extends PbxreadyError {
  declare readonly code: SshExecErrorCode;
  /** The host key seen, when the key exchange got that far. */
  readonly fingerprint: string | null;
  constructor(code: SshExecErrorCode, message: string, fingerprint: string | null = null) {
    super(code, secrets.scrub(message));
    this.fingerprint = fingerprint;
  }
}

type ChannelInternals = { outgoing?: { state?: string; id?: number }; _client?: { _protocol?: { signal?: (id: number, name: string) => void } } };

/**
 * Ask sshd to KILL the command. ssh2's channel.signal() sends nothing once our side sent end of
 * file (after stdin input), though RFC 4254 §5.3 lets channel requests follow EOF; then the same
 * request goes out through ssh2's protocol object directly.
 */
function killRemote(channel: ClientChannel): void {
  const c = channel as unknown as ChannelInternals;
  const protocol = c._client?._protocol;
  if (c.outgoing?.state === 'eof' && c.outgoing.id !== undefined && protocol?.signal) protocol.signal(c.outgoing.id, 'KILL');
  else channel.signal('KILL');
}

/** One command on a fresh session: log in, run it, close (the session below, for a single command). */
export async function sshExec(target: SshExecTarget, run: SshCommand, context: ProbeContext): Promise<SshExecResult> {
  const session = await openSshCommandSession(target, context);
  try {
    return { ...(await session.run(run)), hostKey: session.hostKey, fingerprint: session.fingerprint };
  } finally {
    session.close();
  }
}

/** A logged-in session that runs commands one after another (the agentless collector's phases). */
export interface SshCommandSession {
  /** Run one command (stdin written, then end of file); rejects with SshExecError. */
  run(run: SshCommand): Promise<Omit<SshExecResult, 'hostKey' | 'fingerprint'>>;
  readonly hostKey: NonNullable<SshFacts['hostKey']>;
  /** The host key seen (SHA256:…). */
  readonly fingerprint: string | null;
  close(): void;
}

/**
 * Log in once and keep the session for several commands: one connection for intrusion protection
 * to count, one host-key decision (before any credential leaves). The caller's signal bounds the
 * login and every command until close(); a command still running when the session ends is killed.
 */
export async function openSshCommandSession(target: SshExecTarget, { signal }: ProbeContext): Promise<SshCommandSession> {
  const creds = target.credentials;
  registerSecrets(creds);
  const key = creds.privateKey ? parsePrivateKey(creds.privateKey, creds.passphrase) : undefined;
  if (typeof key === 'string') throw new SshExecError('E_SSH_KEY', key);
  if (!key && creds.password === undefined) throw new SshExecError('E_SSH_AUTH', `no password or key given for ${creds.user}`);
  const where = `${target.address}:${target.port}`;
  let authTried = false;
  let ready: SshClient | null = null;
  let channel: ClientChannel | undefined;
  let ended: SshExecError | null = null;
  /** Whoever waits now (the login, or the running command) hears how the session ended. */
  let waiter: ((e: SshExecError) => void) | null = null;
  const error = (code: SshExecErrorCode, message: string) => new SshExecError(code, `ssh ${where}: ${message}`, session.decision?.fingerprint ?? null);
  const end = (e: SshExecError) => {
    if (ended) return;
    ended = e;
    if (channel) {
      try {
        killRemote(channel);
      } catch {
        /* channel already closed */
      }
    }
    session.close(true);
    waiter?.(e);
  };
  const onEnd = (why: SshSessionEnd) => {
    const { tap, decision } = session;
    if (why.kind === 'stopped') {
      const stage = channel ? 'the command' : decision ? 'the login' : tap.received ? 'the SSH handshake' : 'the SSH banner';
      return end(error('E_SSH_TIMEOUT', why.deadlineMs === null ? `stopped while waiting for ${stage}` : `timed out after ${why.deadlineMs} ms waiting for ${stage}`));
    }
    const fallback = why.kind === 'error' ? why.message : why.kind === 'not-ssh' ? 'no SSH identification' : why.kind === 'auth-ended' ? (key ? 'the key was rejected' : 'the password was rejected') : 'the connection closed';
    if (tap.received && tap.ident() === null) return end(error('E_SSH_NOT_SSH', `the service does not speak SSH (it sent: ${tap.banner()})`));
    if (decision?.verdict === 'mismatch') return end(error('E_SSH_HOSTKEY_MISMATCH', `refusing to log in: ${decision.reason ?? 'host key mismatch'}`));
    if (authTried && !ready) return end(error('E_SSH_AUTH', `login as ${creds.user} failed: ${fallback}`));
    return end(error(ready ? 'E_SSH_EXEC' : 'E_SSH_CONNECT', fallback));
  };
  let loggedIn!: (client: SshClient) => void;
  const login = new Promise<SshClient>((resolve, reject) => {
    loggedIn = resolve;
    waiter = reject;
  });
  const session = openSshSession(target, signal, {
    username: creds.user,
    authenticate: () => {
      if (authTried) return false;
      authTried = true;
      if (key) return { type: 'publickey', key };
      return { type: 'password', password: creds.password ?? '' };
    },
    onReady: (c) => {
      ready = c;
      waiter = null;
      loggedIn(c);
    },
    onEnd,
  });
  const client = await login;
  return {
    hostKey: session.decision?.verdict ?? 'unpinned',
    fingerprint: session.decision?.fingerprint ?? null,
    run(run) {
      if (ended) return Promise.reject(ended);
      return new Promise((resolve, reject) => {
        let exitCode: number | null = null;
        let bytes = 0;
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let settled = false;
        const settle = (e: SshExecError | null) => {
          if (settled) return;
          settled = true;
          waiter = null;
          channel = undefined;
          if (e) reject(e);
          else resolve({ exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
        };
        waiter = settle;
        const collect = (sink: Buffer[]) => (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > run.maxOutputBytes) return end(error('E_SSH_OUTPUT_LIMIT', `the command wrote more than ${run.maxOutputBytes} bytes`));
          sink.push(chunk);
        };
        client.exec(run.command, (e, stream) => {
          if (e) return settle(error('E_SSH_EXEC', `could not start the command: ${e.message}`));
          channel = stream;
          stream.on('data', collect(out));
          stream.stderr.on('data', collect(err));
          stream.on('exit', (code: number | null) => {
            exitCode = typeof code === 'number' ? code : null;
          });
          stream.on('close', () => settle(null));
          if (run.stdin !== undefined) stream.end(run.stdin);
        });
      });
    },
    close() {
      if (!ended) {
        ended = error('E_SSH_EXEC', 'the session is closed');
        session.close(true);
      }
    },
  };
}
