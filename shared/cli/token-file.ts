// Bearer tokens read from a file (serve --token-file, check --agent-token-file, exporter
// --probe-token-file): the file must be private to its owner, and the token must be something a
// bearer header can carry. A world-readable token used to be a warning hidden at --log-level
// error; a token with a space was accepted and could never match.

import { createHash, timingSafeEqual } from 'node:crypto';
import { statSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { secrets } from '../redact.js';
import { readNamedFile } from './cli.js';

/** RFC 6750 b64token: letters, digits and - . _ ~ + / then optional = padding. */
const TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
export const MIN_TOKEN_LENGTH = 16;
const MAX_TOKEN_LENGTH = 4096;

/** The reason a token is unusable, or null. */
export function tokenProblem(token: string): string | null {
  if (token.length < MIN_TOKEN_LENGTH) return `the token must be at least ${MIN_TOKEN_LENGTH} characters`;
  if (token.length > MAX_TOKEN_LENGTH) return `the token is longer than ${MAX_TOKEN_LENGTH} characters`;
  if (!TOKEN.test(token)) return 'the token holds characters a bearer token cannot carry (allowed: A-Z a-z 0-9 - . _ ~ + / and trailing =)';
  return null;
}

export async function readTokenFile(path: string, flag: string): Promise<string> {
  const bytes = await readNamedFile(path, flag);
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new UsageError(`${flag} ${path} is readable by ${mode & 0o007 ? 'every user' : 'its group'} (mode ${mode.toString(8).padStart(4, '0')}): run chmod 600 ${path}`);
  }
  const token = bytes.toString('utf8').trim();
  const problem = tokenProblem(token);
  if (problem) throw new UsageError(`${flag} ${path}: ${problem}`);
  secrets.add(token);
  return token;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time check of an `Authorization: Bearer …` header (both sides hashed: lengths never differ). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer +([^ ]+) *$/i.exec(header ?? '');
  return timingSafeEqual(digest(m ? m[1]! : ''), digest(token)) && m !== null;
}
