// sshExec against a real OpenSSH sshd: exit codes, both streams, pinning, time limit, output cap.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { withDeadline } from '../../checker/probes/probe.js';
import { sshExec as exec, SshExecError, type SshCommand, type SshExecTarget } from '../../checker/ssh-exec.js';
import { PbxreadyError } from '../../shared/errors.js';
import { startSshd, TEST_USER, type SshdServer } from '../harness/sshd.js';
import { startHttpServer } from '../harness/servers.js';

const run = promisify(execFile);
let sshd: SshdServer;

beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});

type SshExecOptions = Omit<SshExecTarget, 'address' | 'port'> & Omit<SshCommand, 'command'> & { timeoutMs: number };

/** The caller's side: one deadline of `timeoutMs` for the whole run. */
function sshExec(address: string, port: number, o: SshExecOptions, command: string) {
  const { timeoutMs, maxOutputBytes, stdin, ...target } = o;
  return withDeadline(timeoutMs, undefined, (signal) => exec({ address, port, ...target }, { command, maxOutputBytes, ...(stdin !== undefined ? { stdin } : {}) }, { signal }));
}

function options(extra: Partial<SshExecOptions> = {}): SshExecOptions {
  return {
    host: '127.0.0.1',
    credentials: { user: sshd.user, password: sshd.password },
    timeoutMs: 10_000,
    maxOutputBytes: 64 * 1024,
    ...extra,
  };
}

async function rejection(p: Promise<unknown>): Promise<SshExecError> {
  const err = await p.then(
    () => {
      throw new Error('expected sshExec to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SshExecError);
  expect(err).toBeInstanceOf(PbxreadyError);
  return err as SshExecError;
}

/** A sleep no other run on this machine uses (other suites may run the same tests at once as the same user). */
const UNIQUE = `37.${String(process.pid % 1000).padStart(3, '0')}`;
const LIMIT_MS = 4000;

/** Poll until the test user runs `command` (a busy machine may take a while to log in), at most `withinMs`. */
async function startedWithin(command: string, withinMs: number): Promise<string[]> {
  const until = Date.now() + withinMs;
  let found = await userProcesses(command);
  while (found.length === 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    found = await userProcesses(command);
  }
  return found;
}

/** Processes of the test user running exactly `command` (pgrep exits 1 when there are none). */
async function userProcesses(command: string): Promise<string[]> {
  const out = await run('pgrep', ['-u', TEST_USER, '-f', `^${command}$`]).then((r) => r.stdout, () => '');
  return out.split('\n').filter(Boolean);
}

describe('sshExec', () => {
  test('runs a command: exit code, stdout and stderr apart', async () => {
    const result = await sshExec('127.0.0.1', sshd.port, options(), 'echo hello; echo err >&2; exit 3');
    expect(result).toEqual({ exitCode: 3, stdout: 'hello\n', stderr: 'err\n', hostKey: 'unpinned', fingerprint: sshd.hostKeyFingerprints.ed25519 });
  });

  test('stdin reaches the command, then end of file (a script for `sh -s`)', async () => {
    const result = await sshExec('127.0.0.1', sshd.port, options({ stdin: 'echo from-stdin; wc -c </dev/null\nexit 4\n' }), 'sh -s');
    expect(result).toMatchObject({ exitCode: 4, stdout: 'from-stdin\n0\n', stderr: '' });
  });

  test('key login with a matching pinned fingerprint', async () => {
    const privateKey = await readFile(sshd.privateKeyPath);
    const result = await sshExec(
      '127.0.0.1',
      sshd.port,
      options({ credentials: { user: sshd.user, privateKey }, expectedFingerprint: sshd.hostKeyFingerprints.ed25519 }),
      'id -un',
    );
    expect(result).toMatchObject({ exitCode: 0, stdout: `${sshd.user}\n`, hostKey: 'match' });
  });

  test('a host key mismatch refuses to log in or run anything', async () => {
    const before = sshd.log().length;
    const err = await rejection(
      sshExec('127.0.0.1', sshd.port, options({ expectedFingerprint: sshd.hostKeyFingerprints.rsa }), 'touch /tmp/pbxready-must-not-exist'),
    );
    expect(err.code).toBe('E_SSH_HOSTKEY_MISMATCH');
    expect(err.message).toContain('refusing to log in');
    expect(err.message).toContain(sshd.hostKeyFingerprints.ed25519);
    expect(err.message).toContain(sshd.hostKeyFingerprints.rsa);
    expect(err.fingerprint).toBe(sshd.hostKeyFingerprints.ed25519);
    expect(err.message).not.toContain(sshd.password);
    await new Promise((r) => setTimeout(r, 300));
    expect(sshd.log().slice(before)).not.toMatch(/password|publickey|Accepted/i);
  });

  test('a wrong password is E_SSH_AUTH and the password is in no message', async () => {
    const wrong = 'not-the-Password-99';
    const err = await rejection(sshExec('127.0.0.1', sshd.port, options({ credentials: { user: sshd.user, password: wrong } }), 'true'));
    expect(err.code).toBe('E_SSH_AUTH');
    expect(err.message).toContain(`login as ${sshd.user} failed`);
    expect(`${err.message} ${err.stack} ${JSON.stringify(err)}`).not.toContain(wrong);
  });

  test('the time limit ends a long command, and the command does not live on', async () => {
    const started = Date.now();
    const command = `sleep ${UNIQUE}`;
    const pending = rejection(sshExec('127.0.0.1', sshd.port, options({ timeoutMs: LIMIT_MS }), command));
    // While the limit runs, the command really runs on the host (so the check below means something).
    expect(await startedWithin(command, LIMIT_MS - 500)).toHaveLength(1);
    const err = await pending;
    expect(err.code).toBe('E_SSH_TIMEOUT');
    expect(err.message).toContain(`timed out after ${LIMIT_MS} ms waiting for the command`);
    expect(Date.now() - started).toBeLessThan(LIMIT_MS * 3); // ended by the limit, not by the 37 s command
    // sshd delivers the KILL we asked for; poll briefly for it to land.
    let left = await userProcesses(command);
    for (let i = 0; i < 20 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = await userProcesses(command);
    }
    expect(left).toEqual([]);
  });

  test('the time limit also ends a command fed on stdin (after end of file)', async () => {
    const command = `sleep 1${UNIQUE}`;
    const pending = rejection(sshExec('127.0.0.1', sshd.port, options({ timeoutMs: LIMIT_MS, stdin: `exec ${command}\n` }), 'sh -s'));
    expect(await startedWithin(command, LIMIT_MS - 500)).toHaveLength(1);
    const err = await pending;
    expect(err.code).toBe('E_SSH_TIMEOUT');
    expect(err.message).toContain(`timed out after ${LIMIT_MS} ms waiting for the command`);
    let left = await userProcesses(command);
    for (let i = 0; i < 20 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = await userProcesses(command);
    }
    expect(left).toEqual([]);
  });

  test('output beyond the cap is an error, not a silent cut', async () => {
    const err = await rejection(sshExec('127.0.0.1', sshd.port, options({ maxOutputBytes: 1000 }), 'head -c 100000 /dev/zero'));
    expect(err.code).toBe('E_SSH_OUTPUT_LIMIT');
    expect(err.message).toContain('more than 1000 bytes');
  });

  test('a service that is not SSH is E_SSH_NOT_SSH with what it sent', async () => {
    const http = await startHttpServer((_req, res) => res.end('hi'));
    try {
      const err = await rejection(sshExec('127.0.0.1', http.port, options({ timeoutMs: 3000 }), 'true'));
      expect(err.code).toBe('E_SSH_NOT_SSH');
      expect(err.message).toContain('HTTP/1.1 400 Bad Request');
    } finally {
      await http.stop();
    }
  });

  test('no password and no key is refused before connecting', async () => {
    const err = await rejection(sshExec('127.0.0.1', sshd.port, options({ credentials: { user: sshd.user } }), 'true'));
    expect(err.code).toBe('E_SSH_AUTH');
  });
});
