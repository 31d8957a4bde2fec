// Run one command on a host over SSH (used to run the host agent remotely). Same host-key pinning as
// the probe: the key is checked during the key exchange, before any credential is sent, and a
// mismatch refuses the session. One overall time limit; output capped; failures are typed errors.

import { Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { ClientChannel } from 'ssh2';
import type { SshCredentials } from './check-options.js';
import type { SshFacts } from '../shared/model.js';
import { PbxreadyError } from '../shared/errors.js';
import { decideHostKey, lookupNames, type HostKeyDecision, type KnownHostEntry } from './probes/known-hosts.js';
import { secrets } from '../shared/redact.js';
import { BannerTap, clientConfig, parsePrivateKey, registerSecrets } from './probes/ssh-session.js';

const { Client } = ssh2;

export interface SshExecOptions {
  host: string;
  credentials: SshCredentials;
  expectedFingerprint?: string;
  knownHosts?: KnownHostEntry[];
  /** For the whole run: connect, handshake, login and the command. */
  timeoutMs: number;
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

export async function sshExec(address: string, port: number, options: SshExecOptions, command: string): Promise<SshExecResult> {
  const creds = options.credentials;
  registerSecrets(creds);
  const key = creds.privateKey ? parsePrivateKey(creds.privateKey, creds.passphrase) : undefined;
  if (typeof key === 'string') throw new SshExecError('E_SSH_KEY', key);
  if (!key && creds.password === undefined) throw new SshExecError('E_SSH_AUTH', `no password or key given for ${creds.user}`);
  const names = lookupNames(options.host, address, port);
  const where = `${address}:${port}`;

  return new Promise<SshExecResult>((resolve, reject) => {
    let settled = false;
    let decision: HostKeyDecision | undefined;
    let channel: ClientChannel | undefined;
    let authTried = false;
    let exitCode: number | null = null;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outputBytes = 0;
    const sock = new Socket();
    const tap = new BannerTap(sock);
    const client = new Client();

    const close = () => {
      clearTimeout(timer);
      client.removeAllListeners();
      client.on('error', () => {});
      // Do not leave the command running on the host: ask sshd to kill it before disconnecting.
      if (channel) {
        try {
          channel.signal('KILL');
        } catch {
          /* channel already closed */
        }
      }
      client.end();
      setTimeout(() => sock.destroy(), 200).unref();
    };
    const fail = (code: SshExecErrorCode, message: string) => {
      if (settled) return;
      settled = true;
      close();
      reject(new SshExecError(code, `ssh ${where}: ${message}`, decision?.fingerprint ?? null));
    };
    const succeed = () => {
      if (settled) return;
      settled = true;
      close();
      resolve({
        exitCode,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        hostKey: decision?.verdict ?? 'unpinned',
        fingerprint: decision?.fingerprint ?? null,
      });
    };
    /** Why the connection ended before the command ran, in the most telling terms available. */
    const failEarly = (fallback: string) => {
      if (tap.received && tap.ident() === null) return fail('E_SSH_NOT_SSH', `the service does not speak SSH (it sent: ${tap.banner()})`);
      if (decision?.verdict === 'mismatch') return fail('E_SSH_HOSTKEY_MISMATCH', `refusing to log in: ${decision.reason ?? 'host key mismatch'}`);
      if (authTried && !channel) return fail('E_SSH_AUTH', `login as ${creds.user} failed: ${fallback}`);
      return fail(channel ? 'E_SSH_EXEC' : 'E_SSH_CONNECT', fallback);
    };

    const timer = setTimeout(() => {
      const stage = channel ? 'the command' : decision ? 'the login' : tap.received ? 'the SSH handshake' : 'the SSH banner';
      fail('E_SSH_TIMEOUT', `timed out after ${options.timeoutMs} ms waiting for ${stage}`);
    }, options.timeoutMs);

    const hostVerifier = (blob: Buffer): boolean => {
      decision = decideHostKey(blob, names, options);
      return decision.verdict !== 'mismatch';
    };

    const authHandler = (_methods: unknown, _partial: unknown, next: (auth: unknown) => void) => {
      if (authTried) return failEarly(creds.privateKey ? 'the key was rejected' : 'the password was rejected');
      authTried = true;
      if (key) return next({ type: 'publickey', username: creds.user, key });
      return next({ type: 'password', username: creds.user, password: creds.password });
    };

    const collect = (sink: Buffer[]) => (chunk: Buffer) => {
      outputBytes += chunk.length;
      if (outputBytes > options.maxOutputBytes) return fail('E_SSH_OUTPUT_LIMIT', `the command wrote more than ${options.maxOutputBytes} bytes`);
      sink.push(chunk);
    };

    client.on('ready', () => {
      client.exec(command, (e, stream) => {
        if (e) return fail('E_SSH_EXEC', `could not start the command: ${e.message}`);
        channel = stream;
        stream.on('data', collect(out));
        stream.stderr.on('data', collect(err));
        stream.on('exit', (code: number | null) => {
          exitCode = typeof code === 'number' ? code : null;
        });
        stream.on('close', succeed);
      });
    });
    client.on('error', (e: Error) => failEarly(e.message));
    client.on('close', () => failEarly('the connection closed'));
    sock.on('data', () => {
      if (tap.givenUp()) failEarly('no SSH identification');
    });

    sock.connect({ host: address, port });
    try {
      client.connect(clientConfig(sock, creds.user, hostVerifier, authHandler, options.knownHosts, names));
    } catch (e) {
      fail('E_SSH_CONNECT', (e as Error).message);
    }
  });
}
