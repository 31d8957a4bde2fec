// checker/probes/known-hosts.ts as pure functions: parsing, name forms, hashing, matching, pinning decisions.
// Keys are fixed blobs built here; hashed names are checked against a value OpenSSH's algorithm
// gives (HMAC-SHA1 over the name keyed by the salt), computed independently below.

import { describe, expect, test } from 'vitest';
import { createHash, createHmac } from 'node:crypto';
import {
  decideHostKey,
  entryMatchesHost,
  formatKnownHostsLine,
  hashKnownHostsName,
  keyTypeOfBlob,
  knownHostsName,
  lookupNames,
  md5Fingerprint,
  normaliseFingerprint,
  parseKnownHosts,
  preferredHostKeyAlgorithms,
  sha256Fingerprint,
  type KnownHostEntry,
} from '../../checker/probes/known-hosts.js';

/** An SSH public key blob: string type, then opaque key material. */
function blob(type: string, fill: number): Buffer {
  const t = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  const mlen = Buffer.alloc(4);
  mlen.writeUInt32BE(32);
  return Buffer.concat([len, t, mlen, Buffer.alloc(32, fill)]);
}

const ED = blob('ssh-ed25519', 1);
const ED2 = blob('ssh-ed25519', 2);
const RSA = blob('ssh-rsa', 3);
const b64 = (b: Buffer) => b.toString('base64');
const fp = (b: Buffer) => sha256Fingerprint(b);

function entry(hosts: string, key: Buffer, marker: KnownHostEntry['marker'] = null): KnownHostEntry {
  return { line: 1, marker, hosts, keyType: keyTypeOfBlob(key)!, key: b64(key) };
}

describe('fingerprints', () => {
  test('SHA256 form is unpadded base64 of the blob digest', () => {
    const digest = createHash('sha256').update(ED).digest('base64');
    expect(digest.endsWith('=')).toBe(true);
    expect(sha256Fingerprint(ED)).toBe('SHA256:' + digest.replace(/=+$/, ''));
  });

  test('MD5 form is colon-separated hex', () => {
    expect(md5Fingerprint(ED)).toMatch(/^MD5:([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
  });

  test.each([
    ['SHA256:' + 'a'.repeat(43), 'SHA256:' + 'a'.repeat(43)],
    ['  SHA256:' + 'b'.repeat(43) + '=  ', 'SHA256:' + 'b'.repeat(43)],
    ['AA:BB:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99', 'MD5:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99'],
    ['MD5:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99', 'MD5:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99'],
    ['SHA256:short', null],
    ['sha256:' + 'a'.repeat(43), null],
    ['', null],
  ])('normaliseFingerprint(%j) → %j', (input, expected) => {
    expect(normaliseFingerprint(input)).toBe(expected);
  });

  test('keyTypeOfBlob reads the first string, and refuses garbage', () => {
    expect(keyTypeOfBlob(ED)).toBe('ssh-ed25519');
    expect(keyTypeOfBlob(RSA)).toBe('ssh-rsa');
    expect(keyTypeOfBlob(Buffer.from([0, 0, 0, 9, 65]))).toBeNull();
    expect(keyTypeOfBlob(Buffer.alloc(2))).toBeNull();
  });
});

describe('parseKnownHosts', () => {
  test('entries, markers and comments; malformed lines skipped', () => {
    const text = [
      '# a comment',
      '',
      `pbx.example.com,203.0.113.7 ssh-ed25519 ${b64(ED)} root@pbx`,
      `@revoked * ssh-ed25519 ${b64(ED2)}`,
      `@cert-authority *.example.com ssh-rsa ${b64(RSA)}`,
      `@bogus host ssh-rsa ${b64(RSA)}`,
      'only-two fields',
      `mismatched ssh-rsa ${b64(ED)}`,
      `[10.0.0.1]:2020 ssh-rsa ${b64(RSA)}\r`,
    ].join('\n');
    const entries = parseKnownHosts(text);
    expect(entries).toEqual([
      { line: 3, marker: null, hosts: 'pbx.example.com,203.0.113.7', keyType: 'ssh-ed25519', key: b64(ED), comment: 'root@pbx' },
      { line: 4, marker: 'revoked', hosts: '*', keyType: 'ssh-ed25519', key: b64(ED2) },
      { line: 5, marker: 'cert-authority', hosts: '*.example.com', keyType: 'ssh-rsa', key: b64(RSA) },
      { line: 9, marker: null, hosts: '[10.0.0.1]:2020', keyType: 'ssh-rsa', key: b64(RSA) },
    ]);
  });

  test('formatKnownHostsLine round-trips', () => {
    const line = formatKnownHostsLine('[pbx]:2020', RSA, 'c');
    expect(parseKnownHosts(line)).toEqual([{ line: 1, marker: null, hosts: '[pbx]:2020', keyType: 'ssh-rsa', key: b64(RSA), comment: 'c' }]);
  });
});

describe('host names and matching', () => {
  test.each([
    ['pbx.example.com', 22, 'pbx.example.com'],
    ['PBX.Example.com', 2020, '[pbx.example.com]:2020'],
    ['::1', 2222, '[::1]:2222'],
    ['[::1]', 22, '::1'],
  ])('knownHostsName(%j, %i) → %j', (host, port, name) => {
    expect(knownHostsName(host, port)).toBe(name);
  });

  test('lookupNames covers the given name and the address, once each', () => {
    expect(lookupNames('pbx.example.com', '203.0.113.7', 2020)).toEqual(['[pbx.example.com]:2020', '[203.0.113.7]:2020']);
    expect(lookupNames('127.0.0.1', '127.0.0.1', 22)).toEqual(['127.0.0.1']);
  });

  test('hashed names follow OpenSSH: |1|base64(salt)|base64(HMAC-SHA1(salt, name))', () => {
    const salt = Buffer.alloc(20, 7);
    const expected = createHmac('sha1', salt).update('[pbx]:2020').digest('base64');
    expect(hashKnownHostsName('[pbx]:2020', salt)).toBe(`|1|${salt.toString('base64')}|${expected}`);
  });

  test.each([
    ['pbx.example.com', ['pbx.example.com'], true],
    ['pbx.example.com', ['[pbx.example.com]:2020'], false],
    ['[pbx.example.com]:2020', ['[pbx.example.com]:2020'], true],
    ['other,pbx.example.com', ['pbx.example.com'], true],
    ['*.example.com', ['pbx.example.com'], true],
    ['*.example.com,!pbx.example.com', ['pbx.example.com'], false],
    ['*.example.com,!pbx.example.com', ['gui.example.com'], true],
    ['pbx?.example.com', ['pbx1.example.com'], true],
    ['pbx?.example.com', ['pbx12.example.com'], false],
    ['PBX.example.com', ['pbx.example.com'], true],
    ['pbx.example.com', ['pbxXexample.com'], false],
    ['[127.0.0.?]:2222', ['[127.0.0.1]:2222'], true],
  ])('pattern %j against %j → %s', (hosts, names, expected) => {
    expect(entryMatchesHost(entry(hosts, ED), names)).toBe(expected);
  });

  test('hashed entries match their name only', () => {
    const hashed = hashKnownHostsName('[pbx]:2020');
    expect(entryMatchesHost(entry(hashed, ED), ['[pbx]:2020'])).toBe(true);
    expect(entryMatchesHost(entry(hashed, ED), ['pbx'])).toBe(false);
    expect(entryMatchesHost(entry('|1|broken', ED), ['pbx'])).toBe(false);
  });
});

describe('decideHostKey', () => {
  const names = ['[pbx]:2020'];

  test.each([
    ['fingerprint pin that matches', { expectedFingerprint: fp(ED) }, 'match'],
    ['fingerprint pin with padding', { expectedFingerprint: fp(ED) + '=' }, 'match'],
    ['MD5 pin that matches', { expectedFingerprint: md5Fingerprint(ED) }, 'match'],
    ['fingerprint pin that differs', { expectedFingerprint: fp(ED2) }, 'mismatch'],
    ['no pin', {}, 'unpinned'],
    ['known_hosts with the key', { knownHosts: [entry('[pbx]:2020', ED)] }, 'match'],
    ['known_hosts hashed with the key', { knownHosts: [entry(hashKnownHostsName('[pbx]:2020'), ED)] }, 'match'],
    ['known_hosts with another key', { knownHosts: [entry('[pbx]:2020', ED2)] }, 'mismatch'],
    ['known_hosts with only another type', { knownHosts: [entry('[pbx]:2020', RSA)] }, 'mismatch'],
    ['known_hosts for other hosts only', { knownHosts: [entry('pbx', ED2), entry('[pbx]:22', ED2)] }, 'unpinned'],
    ['revoked key', { knownHosts: [entry('[pbx]:2020', ED), entry('*', ED, 'revoked')] }, 'mismatch'],
    ['cert-authority lines do not pin', { knownHosts: [entry('*', ED2, 'cert-authority')] }, 'unpinned'],
    ['one of several keys matches', { knownHosts: [entry('[pbx]:2020', RSA), entry('[pbx]:2020', ED)] }, 'match'],
  ] as const)('%s → %s', (_name, pin, verdict) => {
    const d = decideHostKey(ED, names, { ...pin, knownHosts: 'knownHosts' in pin ? [...pin.knownHosts] : undefined });
    expect(d.verdict).toBe(verdict);
    expect(d.fingerprint).toBe(fp(ED));
    expect(d.keyType).toBe('ssh-ed25519');
    if (verdict === 'mismatch') expect(d.reason).toBeTruthy();
    if (verdict === 'unpinned') expect(d.expected).toEqual([]);
  });

  test('a mismatch names what was presented and what is pinned', () => {
    const d = decideHostKey(ED, names, { knownHosts: [entry('[pbx]:2020', ED2)] });
    expect(d.expected).toEqual([fp(ED2)]);
    expect(d.reason).toContain(fp(ED));
  });

  test('the fingerprint pin wins over known_hosts', () => {
    expect(decideHostKey(ED, names, { expectedFingerprint: fp(ED2), knownHosts: [entry('[pbx]:2020', ED)] }).verdict).toBe('mismatch');
  });

  test('preferred algorithms: the known types for this host, RSA as its SHA-2 signatures first', () => {
    const entries = [entry('[pbx]:2020', RSA), entry('[pbx]:2020', ED), entry('other', ED2), entry('[pbx]:2020', ED2, 'revoked')];
    expect(preferredHostKeyAlgorithms(entries, names)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519']);
    expect(preferredHostKeyAlgorithms(entries, ['nowhere'])).toEqual([]);
  });
});
