// OpenSSH host keys as data: known_hosts parsing and matching (plain, wildcard, negated, hashed
// `|1|salt|hash` and `[host]:port` forms), fingerprint formatting, and the pinning decision.
// Pure functions, plus one reader for the --known-hosts file: the SSH session opener
// (ssh-session.ts) asks this module what to trust.

import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { UsageError } from '../../shared/errors.js';

export interface KnownHostEntry {
  /** 1-based line in the file, for messages. */
  line: number;
  marker: 'cert-authority' | 'revoked' | null;
  /** The host field as written: comma-separated patterns, or one hashed `|1|salt|hash`. */
  hosts: string;
  keyType: string;
  /** Base64 of the public key blob. */
  key: string;
  comment?: string;
}

export type HostKeyVerdict = 'match' | 'mismatch' | 'unpinned';

export interface HostKeyPin {
  /** `SHA256:…` (padding optional) or `MD5:aa:bb:…` / bare `aa:bb:…`, as `ssh-keygen -l` prints. */
  expectedFingerprint?: string;
  knownHosts?: KnownHostEntry[];
}

export interface HostKeyDecision {
  verdict: HostKeyVerdict;
  keyType: string | null;
  fingerprint: string;
  /** Fingerprints the host is pinned to (empty when unpinned). */
  expected: string[];
  /** Why a mismatch was decided, in words. */
  reason?: string;
}

// ---- fingerprints ----

/** OpenSSH's default form: "SHA256:" + unpadded base64 of the blob's SHA-256. */
export function sha256Fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** OpenSSH's legacy form (`ssh-keygen -l -E md5`): "MD5:" + colon-separated hex. */
export function md5Fingerprint(blob: Buffer): string {
  const hex = createHash('md5').update(blob).digest('hex');
  return 'MD5:' + (hex.match(/../g) ?? []).join(':');
}

/** A fingerprint in canonical form, or null when the text is not one. */
export function normaliseFingerprint(text: string): string | null {
  const t = text.trim();
  const sha = /^SHA256:([A-Za-z0-9+/]{43})=?$/.exec(t);
  if (sha) return `SHA256:${sha[1]}`;
  const md5 = /^(?:MD5:)?((?:[0-9a-fA-F]{2}:){15}[0-9a-fA-F]{2})$/.exec(t);
  if (md5) return `MD5:${md5[1]!.toLowerCase()}`;
  return null;
}

/** The key type named inside an SSH public key blob (its first string), or null if malformed. */
export function keyTypeOfBlob(blob: Buffer): string | null {
  if (blob.length < 4) return null;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || blob.length < 4 + len) return null;
  const type = blob.subarray(4, 4 + len).toString('latin1');
  return /^[\x21-\x7e]+$/.test(type) ? type : null;
}

function fingerprintMatches(expected: string, blob: Buffer): boolean {
  return expected.startsWith('MD5:') ? md5Fingerprint(blob) === expected : sha256Fingerprint(blob) === expected;
}

// ---- known_hosts ----

const MARKERS = new Set(['@cert-authority', '@revoked']);

/** Parse known_hosts text. Comments, blank and malformed lines are skipped, as ssh does. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'] = null;
    if (fields[0]?.startsWith('@')) {
      if (!MARKERS.has(fields[0])) return;
      marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority';
      fields.shift();
    }
    const [hosts, keyType, key, ...comment] = fields;
    if (!hosts || !keyType || !key) return;
    const blob = Buffer.from(key, 'base64');
    // The blob must name the same type as the line, or the line is corrupt.
    if (keyTypeOfBlob(blob) !== keyType) return;
    const entry: KnownHostEntry = { line: i + 1, marker, hosts, keyType, key };
    if (comment.length > 0) entry.comment = comment.join(' ');
    entries.push(entry);
  });
  return entries;
}

/** The name ssh looks up: `host` on port 22, `[host]:port` otherwise (lower case, like ssh). */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return port === 22 ? h : `[${h}]:${port}`;
}

/** `|1|salt|hash` for a name: HMAC-SHA1 keyed by the salt, as `ssh-keygen -H` writes. */
export function hashKnownHostsName(name: string, salt: Buffer = randomBytes(20)): string {
  const hash = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${hash.toString('base64')}`;
}

function hashedMatches(field: string, name: string): boolean {
  const parts = field.split('|');
  // ['', '1', salt, hash]
  if (parts.length !== 4 || parts[1] !== '1' || !parts[2] || !parts[3]) return false;
  const salt = Buffer.from(parts[2], 'base64');
  return createHmac('sha1', salt).update(name).digest('base64') === parts[3];
}

/** ssh's glob: `*` any run, `?` one character; case-insensitive. */
function globMatches(pattern: string, name: string): boolean {
  const re = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(name);
}

/** Whether an entry's host field covers one of the names (ssh's rules: a negated match vetoes). */
export function entryMatchesHost(entry: KnownHostEntry, names: string[]): boolean {
  if (entry.hosts.startsWith('|')) return names.some((n) => hashedMatches(entry.hosts, n));
  return names.some((name) => {
    let positive = false;
    for (const pattern of entry.hosts.split(',')) {
      if (pattern === '') continue;
      if (pattern.startsWith('!')) {
        if (globMatches(pattern.slice(1), name)) return false;
      } else if (globMatches(pattern, name)) {
        positive = true;
      }
    }
    return positive;
  });
}

/** The names a connection is looked up under: the name the user gave and the address it reached. */
export function lookupNames(host: string, address: string, port: number): string[] {
  return [...new Set([knownHostsName(host, port), knownHostsName(address, port)])];
}

/** The ssh2 host key algorithm for each known_hosts key type (RSA keys sign with SHA-2 today). */
function algorithmsFor(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
}

/**
 * Host key algorithms to ask for first: the types already known for this host, as ssh does, so a
 * host pinned by its RSA key is not reported as a mismatch just because it also has an ed25519 key.
 */
export function preferredHostKeyAlgorithms(entries: KnownHostEntry[], names: string[]): string[] {
  const types = entries.filter((e) => e.marker === null && entryMatchesHost(e, names)).map((e) => e.keyType);
  return [...new Set(types.flatMap(algorithmsFor))];
}

/** The pinning decision for the key a server presented. Fingerprint pin first, then known_hosts. */
export function decideHostKey(blob: Buffer, names: string[], pin: HostKeyPin): HostKeyDecision {
  const keyType = keyTypeOfBlob(blob);
  const fingerprint = sha256Fingerprint(blob);
  const base = { keyType, fingerprint };
  if (pin.expectedFingerprint !== undefined) {
    const expected = normaliseFingerprint(pin.expectedFingerprint) ?? pin.expectedFingerprint.trim();
    if (fingerprintMatches(expected, blob)) return { ...base, verdict: 'match', expected: [expected] };
    return {
      ...base,
      verdict: 'mismatch',
      expected: [expected],
      reason: `the server presented its ${keyType ?? 'unknown'} key ${fingerprint}, not the pinned ${expected}`,
    };
  }
  const relevant = (pin.knownHosts ?? []).filter((e) => e.marker !== 'cert-authority' && entryMatchesHost(e, names));
  const presented = blob.toString('base64');
  const revoked = relevant.find((e) => e.marker === 'revoked' && e.key === presented);
  const pinned = relevant.filter((e) => e.marker === null);
  const expected = [...new Set(pinned.map((e) => sha256Fingerprint(Buffer.from(e.key, 'base64'))))];
  if (revoked) {
    return { ...base, verdict: 'mismatch', expected, reason: `the key ${fingerprint} is marked @revoked (known_hosts line ${revoked.line})` };
  }
  if (pinned.length === 0) return { ...base, verdict: 'unpinned', expected: [] };
  if (pinned.some((e) => e.key === presented)) return { ...base, verdict: 'match', expected };
  // Known only under another type means the server no longer offers the known key: as suspicious
  // as a changed key, so no credentials go to it either.
  return {
    ...base,
    verdict: 'mismatch',
    expected,
    reason: `the server presented its ${keyType ?? 'unknown'} key ${fingerprint}, which known_hosts does not list for ${names.join(' / ')}`,
  };
}

/** One known_hosts line (for tests and for users who want to pin what they saw). */
export function formatKnownHostsLine(hosts: string, blob: Buffer, comment?: string): string {
  const type = keyTypeOfBlob(blob) ?? 'unknown';
  return [hosts, type, blob.toString('base64'), comment].filter((x) => x !== undefined).join(' ');
}

/** Read and parse the --known-hosts FILE; unreadable is bad input (a UsageError, exit 3). */
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
