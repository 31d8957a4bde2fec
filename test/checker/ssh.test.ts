// The SSH probe against a real OpenSSH sshd, and against real servers that are not SSH.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKnownHosts } from '../../checker/probes/known-hosts.js';
import { deadline, withDeadline } from '../../checker/probes/probe.js';
import { probeSsh, type SshTarget } from '../../checker/probes/ssh.js';
import { sshFindings } from '../../shared/rules/ssh.js';
import { UsageError } from '../../shared/errors.js';
import type { PortResult, SshFacts } from '../../shared/model.js';
import { sshKeygenFingerprint, startSshd, writeKnownHosts, type SshdServer } from '../harness/sshd.js';
import { closedPort, startGreetingServer, startHttpServer, startSilentServer } from '../harness/servers.js';

let sshd: SshdServer;
let work: string;

beforeAll(async () => {
  sshd = await startSshd();
  work = await mkdtemp(join(tmpdir(), 'pbxready-ssh-test-'));
});
afterAll(async () => {
  await sshd?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

function portResult(port: number, ssh: SshFacts): PortResult {
  return { port, address: '127.0.0.1', purpose: 'ssh', required: true, state: 'open', reason: 'connected', latencyMs: 1, ssh };
}

/** The caller's side of the contract: a deadline of `timeoutMs`, and a fresh one for the login. */
async function probe(extra: Partial<SshTarget> & { timeoutMs?: number } = {}, port = sshd.port): Promise<SshFacts> {
  const { timeoutMs = 5000, ...target } = extra;
  const login = deadline(timeoutMs);
  try {
    const facts = await withDeadline(timeoutMs, undefined, (signal) => probeSsh({ address: '127.0.0.1', port, host: '127.0.0.1', ...target }, { signal, loginSignal: () => login.signal }));
    return { ...facts, timeoutMs };
  } finally {
    login.clear();
  }
}

/** Run `fn` and return what sshd logged meanwhile (its log lines reach us asynchronously). */
async function sshdLogDuring<T>(fn: () => Promise<T>): Promise<{ result: T; log: string }> {
  const before = sshd.log().length;
  const result = await fn();
  await new Promise((r) => setTimeout(r, 300));
  return { result, log: sshd.log().slice(before) };
}

const codes = (facts: SshFacts, port = sshd.port) => sshFindings(portResult(port, facts)).map((f) => f.code);

describe('probeSsh against OpenSSH sshd', () => {
  test('banner, host key type and fingerprint equal ssh-keygen -lf; methods asked without credentials', async () => {
    const { result: facts, log } = await sshdLogDuring(() => probe());
    expect(facts.banner).toMatch(/^SSH-2\.0-OpenSSH_\d/);
    expect(facts.hostKeyType).toBe('ssh-ed25519');
    expect(facts.fingerprint).toBe(await sshKeygenFingerprint(join(sshd.dir, 'ssh_host_ed25519_key.pub')));
    expect([...facts.authMethods].sort()).toEqual(['password', 'publickey']);
    expect(facts.hostKey).toBe('unpinned');
    expect(facts.auth).toBeUndefined();
    expect(facts.error).toBeUndefined();
    expect(sshFindings(portResult(sshd.port, facts))).toEqual([]);
    // The server saw a connection but no password or key attempt.
    expect(log).toContain('Connection from 127.0.0.1');
    expect(log).not.toMatch(/password|publickey/i);
  });

  test('password login succeeds → SSH_AUTH_OK, and the password appears nowhere', async () => {
    const facts = await probe({ credentials: { user: sshd.user, password: sshd.password } });
    expect(facts.auth).toEqual({ user: sshd.user, method: 'password', ok: true });
    const findings = sshFindings(portResult(sshd.port, facts));
    expect(findings.map((f) => [f.code, f.severity])).toEqual([['SSH_AUTH_OK', 'info']]);
    expect(findings[0]!.message).toContain(sshd.user);
    expect(JSON.stringify({ facts, findings })).not.toContain(sshd.password);
  });

  test('wrong password → SSH_AUTH_FAILED, and the wrong password appears nowhere', async () => {
    const wrong = 'wrong-Secret-4711';
    const { result: facts, log } = await sshdLogDuring(() => probe({ credentials: { user: sshd.user, password: wrong } }));
    expect(facts.auth).toMatchObject({ user: sshd.user, method: 'password', ok: false });
    expect(facts.authMethods).toContain('password');
    const findings = sshFindings(portResult(sshd.port, facts));
    expect(findings.map((f) => [f.code, f.severity])).toEqual([['SSH_AUTH_FAILED', 'fail']]);
    expect(JSON.stringify({ facts, findings })).not.toContain(wrong);
    expect(log).toContain(`Failed password for ${sshd.user}`);
  });

  test('key login succeeds (publickey)', async () => {
    const privateKey = await readFile(sshd.privateKeyPath);
    const facts = await probe({ credentials: { user: sshd.user, privateKey } });
    expect(facts.auth).toEqual({ user: sshd.user, method: 'publickey', ok: true });
    expect(codes(facts)).toEqual(['SSH_AUTH_OK']);
  });

  test('an unusable key is reported as a failed login without sending anything', async () => {
    const { result: facts, log } = await sshdLogDuring(() =>
      probe({ credentials: { user: sshd.user, privateKey: Buffer.from('-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n') } }),
    );
    expect(facts.auth).toMatchObject({ ok: false, method: 'publickey' });
    expect(facts.auth?.error).toMatch(/private key cannot be used/);
    expect(codes(facts)).toEqual(['SSH_AUTH_FAILED']);
    expect(log).not.toMatch(/publickey|password for/i);
  });
});

describe('host key pinning', () => {
  test('--ssh-fingerprint that matches: login goes ahead', async () => {
    const facts = await probe({ expectedFingerprint: sshd.hostKeyFingerprints.ed25519, credentials: { user: sshd.user, password: sshd.password } });
    expect(facts.hostKey).toBe('match');
    expect(facts.auth?.ok).toBe(true);
  });

  test('--ssh-fingerprint that differs → SSH_HOSTKEY_MISMATCH and no credential is sent', async () => {
    const pinned = 'SHA256:' + 'A'.repeat(43);
    const { result: facts, log } = await sshdLogDuring(() =>
      probe({ expectedFingerprint: pinned, credentials: { user: sshd.user, password: sshd.password } }),
    );
    expect(facts.hostKey).toBe('mismatch');
    expect(facts.fingerprint).toBe(sshd.hostKeyFingerprints.ed25519);
    expect(facts.auth).toBeUndefined();
    expect(facts.authMethods).toEqual([]);
    const findings = sshFindings(portResult(sshd.port, facts));
    expect(findings.map((f) => f.code)).toEqual(['SSH_HOSTKEY_MISMATCH']);
    expect(findings[0]!.message).toContain(sshd.hostKeyFingerprints.ed25519);
    expect(findings[0]!.message).toContain(pinned);
    expect(JSON.stringify({ facts, findings })).not.toContain(sshd.password);
    expect(log).toContain('Connection from 127.0.0.1');
    expect(log).not.toMatch(/password|publickey|Accepted/i);
  });

  for (const hashed of [false, true]) {
    test(`known_hosts ${hashed ? 'hashed' : 'plain'} [127.0.0.1]:port matches`, async () => {
      const file = join(work, `kh-${hashed ? 'hashed' : 'plain'}`);
      const text = await writeKnownHosts(sshd, file, { hashed });
      expect(text.includes('|1|')).toBe(hashed);
      const facts = await probe({ knownHosts: await loadKnownHosts(file), credentials: { user: sshd.user, password: sshd.password } });
      expect(facts.hostKey).toBe('match');
      expect(codes(facts)).toEqual(['SSH_AUTH_OK']);
    });
  }

  test('known_hosts that lists only the RSA key: the probe asks for RSA, as ssh does, and matches', async () => {
    const file = join(work, 'kh-rsa');
    await writeKnownHosts(sshd, file, { keys: ['rsa'], hashed: true });
    const facts = await probe({ knownHosts: await loadKnownHosts(file) });
    expect(facts.hostKeyType).toBe('ssh-rsa');
    expect(facts.fingerprint).toBe(await sshKeygenFingerprint(join(sshd.dir, 'ssh_host_rsa_key.pub')));
    expect(facts.hostKey).toBe('match');
  });

  test('known_hosts with a wildcard pattern matches', async () => {
    const file = join(work, 'kh-glob');
    await writeKnownHosts(sshd, file, { names: [`[127.0.0.?]:${sshd.port}`] });
    expect((await probe({ knownHosts: await loadKnownHosts(file) })).hostKey).toBe('match');
  });

  for (const hashed of [false, true]) {
    test(`known_hosts ${hashed ? 'hashed' : 'plain'} with other keys → SSH_HOSTKEY_MISMATCH, no login attempted`, async () => {
      const file = join(work, `kh-wrong-${hashed}`);
      await writeKnownHosts(sshd, file, { hashed, wrongKeys: true });
      const { result: facts, log } = await sshdLogDuring(async () =>
        probe({ knownHosts: await loadKnownHosts(file), credentials: { user: sshd.user, password: sshd.password } }),
      );
      expect(facts.hostKey).toBe('mismatch');
      expect(facts.auth).toBeUndefined();
      expect(codes(facts)).toEqual(['SSH_HOSTKEY_MISMATCH']);
      expect(log).not.toMatch(/password|publickey|Accepted/i);
    });
  }

  test('known_hosts that does not mention this host leaves it unpinned', async () => {
    const file = join(work, 'kh-other');
    await writeKnownHosts(sshd, file, { names: ['pbx.example.com', `[127.0.0.1]:${sshd.port + 1}`], wrongKeys: true });
    expect((await probe({ knownHosts: await loadKnownHosts(file) })).hostKey).toBe('unpinned');
  });

  test('loadKnownHosts on an unreadable file throws a one-line UsageError', async () => {
    const missing = join(work, 'no-such-file');
    const err = await loadKnownHosts(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(`cannot read known_hosts file ${missing}: ENOENT`);
  });
});

describe('probeSsh against servers that are not SSH', () => {
  test('a server that accepts and never speaks → SSH_BANNER_TIMEOUT within the bound', async () => {
    const silent = await startSilentServer();
    try {
      const timeoutMs = 700;
      const started = Date.now();
      const facts = await probe({ timeoutMs }, silent.port);
      const elapsed = Date.now() - started;
      expect(facts).toMatchObject({ banner: null, timedOut: true, hostKeyType: null, fingerprint: null });
      // It waited for the banner up to the timeout, and not much more (relative bounds: a busy
      // machine is late, never early).
      expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 50);
      expect(elapsed).toBeLessThan(timeoutMs * 4);
      const findings = sshFindings(portResult(silent.port, facts));
      expect(findings.map((f) => f.code)).toEqual(['SSH_BANNER_TIMEOUT']);
      expect(findings[0]!.message).toContain('700 ms');
    } finally {
      await silent.stop();
    }
  });

  test('an HTTP server on the port → SSH_NOT_SSH, showing what it sent', async () => {
    const http = await startHttpServer((_req, res) => res.end('hello'));
    try {
      const facts = await probe({ timeoutMs: 3000 }, http.port);
      expect(facts.banner).toMatch(/^HTTP\/1\.1 400 Bad Request\\r\\n/);
      expect(facts.timedOut).toBeUndefined();
      const findings = sshFindings(portResult(http.port, facts));
      expect(findings.map((f) => [f.code, f.severity])).toEqual([['SSH_NOT_SSH', 'fail']]);
      expect(findings[0]!.message).toContain('HTTP/1.1 400 Bad Request');
    } finally {
      await http.stop();
    }
  });

  test('an SMTP greeting that stays connected → SSH_NOT_SSH decided from the first line, not the timeout', async () => {
    const smtp = await startGreetingServer('220 mail.example.com ESMTP Postfix\r\n');
    try {
      const facts = await probe({ timeoutMs: 30_000 }, smtp.port);
      expect(facts.banner).toBe('220 mail.example.com ESMTP Postfix\\r\\n');
      expect(facts.timedOut).toBeUndefined();
      expect(codes(facts, smtp.port)).toEqual(['SSH_NOT_SSH']);
    } finally {
      await smtp.stop();
    }
  });

  test('text lines before the SSH line are allowed (RFC 4253 §4.2)', async () => {
    const chatty = await startGreetingServer('Welcome to the lab\r\nSSH-2.0-Fake_1.0\r\n');
    try {
      const facts = await probe({ timeoutMs: 1500 }, chatty.port);
      expect(facts.banner).toBe('SSH-2.0-Fake_1.0');
      expect(codes(facts, chatty.port)).not.toContain('SSH_NOT_SSH');
    } finally {
      await chatty.stop();
    }
  });

  test('a chatty service with binary output: banner sanitised and truncated', async () => {
    const noisy = await startGreetingServer(Buffer.concat([Buffer.from([0x00, 0x01, 0xff, 0x4a, 0x0a]), Buffer.alloc(4096, 0x41)]));
    try {
      const facts = await probe({ timeoutMs: 3000 }, noisy.port);
      expect(facts.banner?.startsWith('\\x00\\x01\\xffJ\\n')).toBe(true);
      expect(facts.banner!.length).toBeLessThanOrEqual(121);
      expect(facts.banner!.endsWith('…')).toBe(true);
      expect(codes(facts, noisy.port)).toEqual(['SSH_NOT_SSH']);
    } finally {
      await noisy.stop();
    }
  });

  test('an SSH banner and then silence → SSH_FAILED (handshake timed out after the banner)', async () => {
    const stuck = await startGreetingServer('SSH-2.0-OpenSSH_7.4\r\n');
    try {
      const facts = await probe({ timeoutMs: 700 }, stuck.port);
      expect(facts.banner).toBe('SSH-2.0-OpenSSH_7.4');
      expect(facts.timedOut).toBe(true);
      const findings = sshFindings(portResult(stuck.port, facts));
      expect(findings.map((f) => f.code)).toEqual(['SSH_FAILED']);
      expect(findings[0]!.message).toContain('did not complete within 700 ms');
    } finally {
      await stuck.stop();
    }
  });

  test('a closed port is a fact, not an exception', async () => {
    const port = await closedPort();
    const facts = await probe({ timeoutMs: 2000 }, port);
    expect(facts.banner).toBeNull();
    expect(facts.error).toMatch(/ECONNREFUSED/);
    expect(codes(facts, port)).toEqual(['SSH_FAILED']);
  });
});

test('the harness writes known_hosts that OpenSSH itself finds (ssh-keygen -F)', async () => {
  const { execFile } = await import('node:child_process');
  const file = join(work, 'kh-F');
  await writeKnownHosts(sshd, file, { hashed: true });
  const found = await new Promise<string>((resolve, reject) =>
    execFile('ssh-keygen', ['-F', `[127.0.0.1]:${sshd.port}`, '-f', file], (e, out) => (e ? reject(e) : resolve(out))),
  );
  expect(found).toMatch(/Host \[127\.0\.0\.1\]:\d+ found/);
});
