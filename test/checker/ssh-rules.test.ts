// shared/rules/ssh.ts as a pure table: SSH facts → finding codes, severities and filled messages.

import { describe, expect, test } from 'vitest';
import { isSshBanner, SSH_ERRORS, sshFindings } from '../../shared/rules/ssh.js';
import type { PortResult, SshFacts } from '../../shared/model.js';

const FP = 'SHA256:' + 'x'.repeat(43);
const PINNED = 'SHA256:' + 'y'.repeat(43);
const OK_SSH: SshFacts = {
  banner: 'SSH-2.0-OpenSSH_8.0',
  hostKeyType: 'ssh-ed25519',
  fingerprint: FP,
  authMethods: ['publickey', 'password'],
  hostKey: 'unpinned',
};

function at(ssh: SshFacts | undefined): PortResult {
  const p: PortResult = { port: 2020, address: '203.0.113.7', purpose: 'ssh', required: true, state: 'open', reason: 'connected', latencyMs: 5 };
  if (ssh) p.ssh = ssh;
  return p;
}

describe('sshFindings', () => {
  test.each<[string, SshFacts | undefined, Array<[string, string]>]>([
    ['no SSH facts', undefined, []],
    ['healthy, no credentials', OK_SSH, []],
    ['pinned and matching', { ...OK_SSH, hostKey: 'match' }, []],
    ['banner timeout', { ...OK_SSH, banner: null, hostKeyType: null, fingerprint: null, authMethods: [], timedOut: true, error: SSH_ERRORS.bannerTimeout(3000) }, [['SSH_BANNER_TIMEOUT', 'fail']]],
    ['closed before any banner', { ...OK_SSH, banner: null, hostKeyType: null, fingerprint: null, authMethods: [], error: SSH_ERRORS.closedBeforeBanner() }, [['SSH_FAILED', 'warn']]],
    ['HTTP on the SSH port', { ...OK_SSH, banner: 'HTTP/1.1 400 Bad Request\\r\\n', hostKeyType: null, fingerprint: null, authMethods: [], error: SSH_ERRORS.notSsh() }, [['SSH_NOT_SSH', 'fail']]],
    ['handshake timed out after the banner', { ...OK_SSH, hostKeyType: null, fingerprint: null, authMethods: [], timedOut: true, error: SSH_ERRORS.handshakeTimeout(3000) }, [['SSH_FAILED', 'warn']]],
    ['dropped during the auth-methods query', { ...OK_SSH, authMethods: [], error: 'Connection lost' }, [['SSH_FAILED', 'warn']]],
    ['login ok', { ...OK_SSH, auth: { user: 'root', method: 'password', ok: true } }, [['SSH_AUTH_OK', 'info']]],
    ['login failed', { ...OK_SSH, auth: { user: 'root', method: 'publickey', ok: false, error: 'the key was rejected' } }, [['SSH_AUTH_FAILED', 'fail']]],
    ['host key mismatch', { ...OK_SSH, authMethods: [], hostKey: 'mismatch', error: SSH_ERRORS.hostKeyMismatch(FP, [PINNED], 'differs') }, [['SSH_HOSTKEY_MISMATCH', 'fail']]],
  ])('%s', (_name, ssh, expected) => {
    expect(sshFindings(at(ssh)).map((f) => [f.code, f.severity])).toEqual(expected);
  });

  test('messages are filled: no {placeholder} survives, port and address are set', () => {
    const cases: SshFacts[] = [
      { ...OK_SSH, banner: null, fingerprint: null, timedOut: true, error: SSH_ERRORS.bannerTimeout(1234) },
      { ...OK_SSH, banner: 'HTTP/1.1 400', fingerprint: null, error: SSH_ERRORS.notSsh() },
      { ...OK_SSH, auth: { user: 'root', method: 'password', ok: false, error: 'the password was rejected' } },
      { ...OK_SSH, auth: { user: 'root', method: 'password', ok: true } },
      { ...OK_SSH, hostKey: 'mismatch', error: SSH_ERRORS.hostKeyMismatch(FP, [PINNED], 'differs') },
      { ...OK_SSH, fingerprint: null, error: 'kex failed' },
    ];
    for (const ssh of cases) {
      for (const f of sshFindings(at(ssh))) {
        expect(f.message).not.toMatch(/\{\w+\}/);
        expect(f.remedy).not.toMatch(/\{\w+\}/);
        expect(f).toMatchObject({ port: 2020, address: '203.0.113.7' });
      }
    }
  });

  test('the texts carry the evidence', () => {
    const [timeout] = sshFindings(at({ ...OK_SSH, banner: null, fingerprint: null, timedOut: true, timeoutMs: 1234, error: SSH_ERRORS.bannerTimeout(1234) }));
    expect(timeout!.message).toContain('1234 ms');
    const [notSsh] = sshFindings(at({ ...OK_SSH, banner: 'HTTP/1.1 400 Bad Request', error: SSH_ERRORS.notSsh() }));
    expect(notSsh!.message).toContain('HTTP/1.1 400 Bad Request');
    const [mismatch] = sshFindings(at({ ...OK_SSH, hostKey: 'mismatch', pinnedFingerprints: [PINNED, 'SHA256:' + 'z'.repeat(43)], error: SSH_ERRORS.hostKeyMismatch(FP, [PINNED, 'SHA256:' + 'z'.repeat(43)], 'differs') }));
    expect(mismatch!.message).toContain(FP);
    expect(mismatch!.message).toContain(PINNED);
    const [failed] = sshFindings(at({ ...OK_SSH, auth: { user: 'root', method: 'password', ok: false, error: 'the password was rejected' } }));
    expect(failed!.message).toBe('SSH login as root on port 2020 failed (password): the password was rejected.');
  });

  test('isSshBanner', () => {
    expect(isSshBanner('SSH-2.0-OpenSSH_9.2')).toBe(true);
    expect(isSshBanner('SSH-1.99-Cisco')).toBe(true);
    expect(isSshBanner('HTTP/1.1 200 OK')).toBe(false);
    expect(isSshBanner(null)).toBe(false);
  });
});
