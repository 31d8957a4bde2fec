// The flag layer both binaries use: each flag group is declared once (its yargs options) beside the
// one typed parser of its values; a command composes the groups it needs with `y.options(GROUP)`.
// yargs hands the handler camelCase keys (`timeoutMs`), which is the one convention we read.
// Pure: no files, no sockets (the readers of files the user names are in cli.ts).

import type { ArgumentsCamelCase, Argv, Options } from 'yargs';
import { UsageError } from '../errors.js';

/** A flag group: yargs options keyed by the flag's kebab-case name. */
export type FlagGroup = Record<string, Options>;

/** A command's body, typed from its builder: argv is never cast. */
export interface CommandBody<U> {
  builder: (y: Argv) => Argv<U>;
  handler: (argv: ArgumentsCamelCase<U>) => Promise<void>;
}

export function defineCommand<U>(body: CommandBody<U>): CommandBody<U> {
  return body;
}

/**
 * The one choices check. `noun` keeps the wording users already know ("unknown format "pdf" (expected
 * one of: …)"); without it the flag is named ("--probes "udp" is not one of: full, tcp").
 */
export function oneOf<T extends string>(value: string, choices: readonly T[], flag: string, noun?: string): T {
  const found = choices.find((c) => c === value);
  if (found !== undefined) return found;
  throw new UsageError(noun ? `unknown ${noun} "${value}" (expected one of: ${choices.join(', ')})` : `${flag} "${value}" is not one of: ${choices.join(', ')}`);
}

export function parsePort(value: unknown, flag = 'port'): number {
  const s = String(value).trim();
  const n = Number(s);
  if (!/^\d+$/.test(s) || !Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${flag} "${s}" is not a port (1–65535)`);
  return n;
}

/**
 * Ports one host may be asked for. Support needs a handful; 1-65535 against one PBX is a port scan
 * that intrusion protection bans, and 65k probes per host would hold a fleet scan for hours.
 */
export const MAX_PORTS_PER_HOST = 256;

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
      if (b - a + 1 > MAX_PORTS_PER_HOST) throw new UsageError(`${flag} range "${part}" has ${b - a + 1} ports; at most ${MAX_PORTS_PER_HOST} per host`);
      for (let p = a; p <= b; p++) ports.add(p);
    } else ports.add(parsePort(part, flag));
  }
  if (ports.size > MAX_PORTS_PER_HOST) throw new UsageError(`${flag} names ${ports.size} ports; at most ${MAX_PORTS_PER_HOST} per host`);
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

// ---- output / format ----

export const OUTPUT_FLAGS = {
  output: { type: 'string', describe: 'Write to FILE (atomically) instead of stdout' },
} satisfies FlagGroup;

/** --format with the formats one command offers (declared here once; each command passes its list). */
export function formatFlags<T extends string>(choices: readonly T[], describe = choices.join(' | ')) {
  return { format: { type: 'string', default: 'text', describe } } satisfies FlagGroup;
}

export function parseFormatFlag<T extends string>(value: string, choices: readonly T[]): T {
  return oneOf(value, choices, '--format', 'format');
}

// ---- listen ----

export interface ListenDefaults {
  /** The address a bare ":PORT" binds to (each server chooses: the agent stays on loopback). */
  host: string;
  /** Shown in the error, e.g. "127.0.0.1:8731 or [::1]:8731". */
  example: string;
  /** Accept "PORT" alone, meaning `host`. */
  barePort?: boolean;
}

export function listenFlags(defaultListen: string, describe = 'ADDR:PORT to listen on') {
  return { listen: { type: 'string', default: defaultListen, describe } } satisfies FlagGroup;
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

// ---- log level ----

export const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_LEVEL_FLAGS = {
  'log-level': { type: 'string', default: 'warn', describe: `${LOG_LEVELS.join(' | ')} (logs go to stderr)` },
} satisfies FlagGroup;

/** --log-level, checked: one line naming the bad value. */
export function parseLogLevel(value: string): LogLevel {
  return oneOf(value, LOG_LEVELS, '--log-level', '--log-level');
}
