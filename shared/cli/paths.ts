// Paths the user names (--output, --db, --state-dir): created with a bounded walk, checked before
// the work starts, and every failure names the path and the real cause. Node's recursive mkdir
// spun at 100% CPU on /proc/x (ENOENT on a parent that exists), and "ENOENT" for a read-only
// parent or "database or disk is full" without a path left the user guessing.

import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.js';

/** Directories deeper than this are not created: a real state directory is a few levels below an existing one. */
const MAX_NEW_LEVELS = 32;

const CAUSES: Record<string, string> = {
  EROFS: 'the filesystem is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exhausted',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  ENOENT: 'it does not exist',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  SQLITE_FULL: 'no space left on the device',
  // SQLite's WAL index (-shm) could not be sized: on Linux that is a full filesystem.
  SQLITE_IOERR_SHMSIZE: 'no space left on the device for the WAL index',
  SQLITE_READONLY: 'the database or its directory is read-only',
  SQLITE_NOTADB: 'it is not an SQLite database',
  SQLITE_CORRUPT: 'the database file is corrupt',
  SQLITE_IOERR: 'an I/O error',
};

/** The cause of a filesystem or SQLite error, in words (with its code). */
export function fsCause(err: unknown): string {
  const code = (err as { code?: string }).code ?? '';
  const base = code.replace(/^(SQLITE_[A-Z]+)_.*$/, '$1');
  const words = CAUSES[code] ?? CAUSES[base];
  return words ? `${words} (${code})` : ((err as Error).message ?? String(err)).split('\n')[0]!;
}

export class PathError extends UsageError {
  constructor(readonly path: string, cause: string, what = '') {
    super(`${what ? `${what} ` : ''}${path}: ${cause}`);
  }
}

/**
 * Create `dir` and its missing parents, one level at a time, at most MAX_NEW_LEVELS: never a loop
 * that retries forever. A parent the filesystem refuses (/proc, a read-only mount) ends it with why.
 */
export function ensureDirSync(dir: string, what = ''): void {
  const missing: string[] = [];
  let d = resolve(dir);
  for (;;) {
    let st;
    try {
      st = statSync(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new PathError(d, fsCause(err), what);
      missing.push(d);
      if (missing.length > MAX_NEW_LEVELS) throw new PathError(resolve(dir), `more than ${MAX_NEW_LEVELS} directories would have to be created`, what);
      const up = dirname(d);
      if (up === d) break;
      d = up;
      continue;
    }
    if (!st.isDirectory()) throw new PathError(d, 'not a directory', what);
    break;
  }
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      // ENOENT right after the parent was found: the filesystem does not let directories be made here.
      throw new PathError(m, code === 'ENOENT' ? `cannot create a directory here (${code})` : `cannot create the directory: ${fsCause(err)}`, what);
    }
  }
}

/** Before the work: `dir` exists (created, bounded) and this process may create files in it. */
export function checkWritableDir(dir: string, what: string): void {
  ensureDirSync(dir, what);
  try {
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new PathError(resolve(dir), `cannot write in this directory: ${fsCause(err)}`, what);
  }
}

/**
 * Before the work: can `file` be written? Its directory is created (bounded) and must be writable;
 * an existing file must be a writable regular file. Nothing is created inside the directory.
 */
export function checkWritableFile(file: string, what: string): void {
  const path = resolve(file);
  checkWritableDir(dirname(path), what);
  let st;
  try {
    st = statSync(path);
  } catch {
    return;
  }
  if (st.isDirectory()) throw new PathError(path, 'it is a directory', what);
  try {
    accessSync(path, constants.W_OK);
  } catch (err) {
    throw new PathError(path, `cannot write the file: ${fsCause(err)}`, what);
  }
}
