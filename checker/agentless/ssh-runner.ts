// One SSH connection, several commands: the agentless collector runs its phases (each a script fed
// on stdin) over ONE login, so intrusion protection sees one connection and the host key is
// decided once, during the key exchange, before any credential is sent (same pinning as the probe
// and sshExec: probes/ssh-session.ts). One overall time limit for everything; output capped per
// command; failures are the typed SshExecError the agent sources already map.

import { Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { ClientChannel } from 'ssh2';
import { decideHostKey, lookupNames, type HostKeyDecision } from '../probes/known-hosts.js';
import { BannerTap, clientConfig, parsePrivateKey, registerSecrets } from '../probes/ssh-session.js';
import { SshExecError, type SshExecErrorCode, type SshExecOptions } from '../ssh-exec.js';

const { Client } = ssh2;

export interface RemoteRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface RemoteSession {
  /** Run one command line with `stdin` written to it then closed; rejects with SshExecError. */
  run(command: string, stdin: string, maxOutputBytes: number): Promise<RemoteRun>;
  close(): void;
}

/** Log in once; `options.timeoutMs` bounds the login and every command run until close(). */
export async function openRemoteSession(address: string, port: number, options: Omit<SshExecOptions, 'maxOutputBytes'>): Promise<RemoteSession> {
  const creds = options.credentials;
  registerSecrets(creds);
  const key = creds.privateKey ? parsePrivateKey(creds.privateKey, creds.passphrase) : undefined;
  if (typeof key === 'string') throw new SshExecError('E_SSH_KEY', key);
  if (!key && creds.password === undefined) throw new SshExecError('E_SSH_AUTH', `no password or key given for ${creds.user}`);
  const names = lookupNames(options.host, address, port);
  const where = `ssh ${address}:${port}`;
  const sock = new Socket();
  const tap = new BannerTap(sock);
  const client = new Client();
  let decision: HostKeyDecision | undefined;
  let authTried = false;
  let ready = false;
  let ended: SshExecError | null = null;
  /** The command running now, told when the session ends under it. */
  let onEnd: ((e: SshExecError) => void) | null = null;
  let channel: ClientChannel | undefined;

  const error = (code: SshExecErrorCode, message: string) => new SshExecError(code, `${where}: ${message}`, decision?.fingerprint ?? null);
  const close = () => {
    clearTimeout(timer);
    client.removeAllListeners();
    client.on('error', () => {});
    if (channel) {
      try {
        // Do not leave a command running on the host.
        channel.signal('KILL');
      } catch {
        /* already closed */
      }
    }
    client.end();
    setTimeout(() => sock.destroy(), 200).unref();
  };
  const end = (e: SshExecError) => {
    if (ended) return;
    ended = e;
    close();
    onEnd?.(e);
  };
  const endEarly = (fallback: string) => {
    if (tap.received && tap.ident() === null) return end(error('E_SSH_NOT_SSH', `the service does not speak SSH (it sent: ${tap.banner()})`));
    if (decision?.verdict === 'mismatch') return end(error('E_SSH_HOSTKEY_MISMATCH', `refusing to log in: ${decision.reason ?? 'host key mismatch'}`));
    if (authTried && !ready) return end(error('E_SSH_AUTH', `login as ${creds.user} failed: ${fallback}`));
    return end(error(ready ? 'E_SSH_EXEC' : 'E_SSH_CONNECT', fallback));
  };
  const timer = setTimeout(() => {
    const stage = channel ? 'the collection' : decision ? 'the login' : tap.received ? 'the SSH handshake' : 'the SSH banner';
    end(error('E_SSH_TIMEOUT', `timed out after ${options.timeoutMs} ms waiting for ${stage}`));
  }, options.timeoutMs);

  await new Promise<void>((resolve, reject) => {
    onEnd = reject;
    const hostVerifier = (blob: Buffer): boolean => {
      decision = decideHostKey(blob, names, options);
      return decision.verdict !== 'mismatch';
    };
    const authHandler = (_methods: unknown, _partial: unknown, next: (auth: unknown) => void) => {
      if (authTried) return endEarly(creds.privateKey ? 'the key was rejected' : 'the password was rejected');
      authTried = true;
      if (key) return next({ type: 'publickey', username: creds.user, key });
      return next({ type: 'password', username: creds.user, password: creds.password });
    };
    client.on('ready', () => {
      ready = true;
      onEnd = null;
      resolve();
    });
    client.on('error', (e: Error) => endEarly(e.message));
    client.on('close', () => endEarly('the connection closed'));
    sock.on('data', () => {
      if (tap.givenUp()) endEarly('no SSH identification');
    });
    sock.connect({ host: address, port });
    try {
      client.connect(clientConfig(sock, creds.user, hostVerifier, authHandler, options.knownHosts, names));
    } catch (e) {
      end(error('E_SSH_CONNECT', (e as Error).message));
    }
  });

  return {
    run(command, stdin, maxOutputBytes) {
      if (ended) return Promise.reject(ended);
      return new Promise<RemoteRun>((resolve, reject) => {
        let done = false;
        let exitCode: number | null = null;
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let bytes = 0;
        const finish = (e: SshExecError | null) => {
          if (done) return;
          done = true;
          onEnd = null;
          channel = undefined;
          if (e) reject(e);
          else resolve({ exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
        };
        onEnd = finish;
        const sink = (to: Buffer[]) => (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > maxOutputBytes) return end(error('E_SSH_OUTPUT_LIMIT', `the collection wrote more than ${maxOutputBytes} bytes`));
          to.push(chunk);
        };
        client.exec(command, (e, stream) => {
          if (e) return finish(error('E_SSH_EXEC', `could not start the command: ${e.message}`));
          channel = stream;
          stream.on('data', sink(out));
          stream.stderr.on('data', sink(err));
          stream.on('exit', (code: number | null) => {
            exitCode = typeof code === 'number' ? code : null;
          });
          stream.on('close', () => finish(null));
          stream.end(stdin);
        });
      });
    },
    close: () => {
      if (!ended) {
        ended = error('E_SSH_EXEC', 'the session is closed');
        close();
      }
    },
  };
}
