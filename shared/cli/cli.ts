// What every pbxready CLI shares: one-line errors with exit 3, yargs wired to fail that way,
// reports written to stdout or atomically to a file.

import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { EXIT_USAGE, UsageError, errorLine } from '../errors.js';
import { secrets } from '../redact.js';
import { TOOL } from '../tool.js';
import { writeFileAtomic } from './atomic-write.js';

/** Print one line naming the problem and exit 3: no stack trace, no secret. */
export function die(message: string): never {
  process.stderr.write(`${secrets.scrub(message)}\n`);
  process.exit(EXIT_USAGE);
}

/** Apply the house rules to a yargs instance: strict, one-line failures, exit 3. */
export function configureYargs<T>(y: Argv<T>, scriptName: string): Argv<T> {
  return y
    .scriptName(scriptName)
    .strict()
    .strictCommands()
    .demandCommand(1, 'a command is required (see --help)')
    .recommendCommands()
    .help()
    .version(TOOL.version)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    // --output is checked before any probe runs: a typo must not cost a whole check or scan.
    .middleware((argv) => {
      if (typeof argv.output === 'string') checkOutputPath(argv.output);
    })
    .fail((msg, err) => {
      if (err && !(err instanceof UsageError)) die(`${scriptName}: ${errorLine(err)}`);
      die(`${scriptName}: ${msg ?? errorLine(err)}`);
    });
}

/** Run a CLI's main; anything thrown ends as one line and exit 3. */
export async function runMain(scriptName: string, main: () => Promise<number | void>): Promise<void> {
  try {
    const code = await main();
    if (typeof code === 'number') process.exitCode = code;
  } catch (err) {
    if (process.env.PBXREADY_DEBUG && !(err instanceof UsageError)) process.stderr.write(`${secrets.scrub(String((err as Error)?.stack ?? err))}\n`);
    die(`${scriptName}: ${errorLine(err)}`);
  }
  // The command is done and its output written (stdout/stderr writes are synchronous on Linux for
  // files, pipes and TTYs). Exit now: a child that never returns — `df` on a hung NFS mount, after
  // its source already timed out — must not keep the report's process alive. Servers (serve,
  // exporter) only get here once they have closed.
  process.exit(process.exitCode ?? 0);
}

/** --output FILE: its directory must exist and FILE must not be a directory. */
export function checkOutputPath(path: string): void {
  if (path.trim() === '') throw new UsageError('--output is empty');
  const dir = dirname(resolve(path));
  let dirStat;
  try {
    dirStat = statSync(dir);
  } catch {
    throw new UsageError(`--output ${path}: the directory ${dir} does not exist`);
  }
  if (!dirStat.isDirectory()) throw new UsageError(`--output ${path}: ${dir} is not a directory`);
  let target;
  try {
    target = statSync(path);
  } catch {
    return; // a new file
  }
  if (target.isDirectory()) throw new UsageError(`--output ${path} is a directory (give a file name)`);
}

/** Reports go to stdout, or atomically to --output FILE. */
export async function emit(text: string, output: string | undefined): Promise<void> {
  if (output) {
    await writeFileAtomic(output, text);
    return;
  }
  await new Promise<void>((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
}

// ---- option parsing shared by commands ----

export function parsePort(value: unknown, flag = 'port'): number {
  const s = String(value).trim();
  const n = Number(s);
  if (!/^\d+$/.test(s) || !Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${flag} "${s}" is not a port (1–65535)`);
  return n;
}

export function parsePortList(value: unknown, flag = '--ports'): number[] {
  const parts = String(value).split(',').map((p) => p.trim()).filter((p) => p.length > 0);
  if (parts.length === 0) throw new UsageError(`${flag} is empty`);
  const ports = new Set<number>();
  for (const part of parts) {
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range) {
      const a = parsePort(range[1], flag);
      const b = parsePort(range[2], flag);
      if (b < a) throw new UsageError(`${flag} range "${part}" runs backwards`);
      for (let p = a; p <= b; p++) ports.add(p);
    } else ports.add(parsePort(part, flag));
  }
  return [...ports].sort((x, y) => x - y);
}

export function parsePositiveInt(value: unknown, flag: string, { min = 1, max = Number.MAX_SAFE_INTEGER } = {}): number {
  const s = String(value).trim();
  const n = Number(s);
  if (!/^-?\d+$/.test(s) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} "${s}" must be a whole number from ${min} to ${max}`);
  }
  return n;
}

export interface ListenDefaults {
  /** The address a bare ":PORT" binds to (each server chooses: the agent stays on loopback). */
  host: string;
  /** Shown in the error, e.g. "127.0.0.1:8731 or [::1]:8731". */
  example: string;
  /** Accept "PORT" alone, meaning `host`. */
  barePort?: boolean;
}

/** --listen "ADDR:PORT", "[v6]:PORT" or ":PORT" (and "PORT" where allowed); port 0 picks a free one. */
export function parseListen(value: string, defaults: ListenDefaults): { host: string; port: number } {
  const v = value.trim();
  const port = (s: string) => (s === '0' ? 0 : parsePort(s, '--listen port'));
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(v);
  if (m) return { host: m[1] ?? (m[2] || defaults.host), port: port(m[3]!) };
  if (defaults.barePort && /^\d+$/.test(v)) return { host: defaults.host, port: port(v) };
  throw new UsageError(`--listen "${value}" must be ADDR:PORT (e.g. ${defaults.example})`);
}

/** A file the user named with `flag`: its bytes, or one line naming the flag, the path and why. */
export async function readNamedFile(path: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new UsageError(`${flag}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** A secret named by an environment variable (never by argv): registered for redaction at once. */
export function secretFromEnv(varName: string, flag: string): string {
  const value = process.env[varName];
  if (value === undefined || value === '') throw new UsageError(`${flag}: environment variable ${varName} is not set or empty`);
  secrets.add(value);
  return value;
}
