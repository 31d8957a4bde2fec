// The agent's common flags and config file → one validated AgentOptions, merged in one place.

import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { UsageError } from '../shared/errors.js';
import { parsePort, parsePositiveInt, secretFromEnv } from '../shared/cli/cli.js';
import { parseLogLevel, type LogLevel } from '../shared/cli/logger.js';
import { secrets } from '../shared/redact.js';
import { AGENT_THRESHOLDS, agentThresholds, type AgentThresholds } from '../shared/rules/agent.js';
import type { ProductLayout } from '../shared/facts/layout.js';
import { isRecord } from '../shared/json.js';

import type { DbSettings } from '../shared/facts/credentials.js';

export type { DbSettings };

export interface AgentOptions {
  /** The host's filesystem root (a fixture tree in tests). */
  root: string;
  /** Replaces the product's asterisk CLI; null = the product's default. */
  asteriskCmd: string[] | null;
  /** Replaces the host's rpm (asked even under --root; the paths it prints are the host's); null = rpm on PATH. */
  rpmCmd: string[] | null;
  /** "db.table", validated; null = auto-detect. */
  cdrTable: string | null;
  /** Explicit database settings (flags, config); null = read the product's files. */
  db: DbSettings | null;
  dbSource: string;
  thresholds: AgentThresholds;
  /** Config "paths" overrides of the product layout. */
  paths: Partial<ProductLayout>;
  /** Each command's and query's own time limit. */
  timeoutMs: number;
  /** Extra ports whose listeners are reported, beyond the product's support ports and 3306/5038. */
  ports: number[];
  /** Where /proc is (tests may point elsewhere). */
  procDir: string;
  /** SERVERware: which VPS to look into (default: the first found). */
  vps: string | null;
  logLevel: LogLevel;
}

export const AGENT_DEFAULTS = Object.freeze({ root: '/', timeoutMs: 3000, procDir: '/proc', logLevel: 'warn' as LogLevel });

export interface CommonArgs {
  root?: string;
  'asterisk-cmd'?: string;
  'rpm-cmd'?: string;
  config?: string;
  'cdr-table'?: string;
  'log-level'?: string;
  'db-host'?: string;
  'db-port'?: string;
  'db-user'?: string;
  'db-password-env'?: string;
  'db-socket'?: string;
  timeout?: string;
}

export function withCommonOptions<T>(y: Argv<T>): Argv<T & CommonArgs> {
  return y
    .option('root', { type: 'string', describe: 'read the host\'s files under DIR (default /)' })
    .option('asterisk-cmd', { type: 'string', describe: 'the asterisk CLI to run (a path, or a command line such as "chroot /opt/pbxware/pw asterisk")' })
    .option('rpm-cmd', { type: 'string', describe: 'the rpm to ask for package versions and `rpm -V` (a path or a command line; asked even with --root)' })
    .option('config', { type: 'string', describe: 'JSON config file: thresholds, db, paths, cdrTable, ports, timeoutMs' })
    .option('cdr-table', { type: 'string', describe: 'the CDR table as DB.TABLE (default: pbxware.cdr / asteriskcdrdb.cdr)' })
    .option('log-level', { type: 'string', describe: 'silent|error|warn|info|debug|trace (logs go to stderr)' })
    .option('db-host', { type: 'string', describe: 'database host (instead of the product\'s files)' })
    .option('db-port', { type: 'string', describe: 'database TCP port (default 3306)' })
    .option('db-user', { type: 'string', describe: 'database user' })
    .option('db-password-env', { type: 'string', describe: 'name of the environment variable holding the database password' })
    .option('db-socket', { type: 'string', describe: 'database Unix socket path' })
    .option('timeout', { type: 'string', describe: 'time limit of each command and query, ms (default 3000)' }) as Argv<T & CommonArgs>;
}

const TABLE_NAME = /^[A-Za-z0-9_$]+\.[A-Za-z0-9_$]+$/;
const PATH_KEYS = ['credentialFiles', 'versionFiles', 'asteriskEtc', 'agiDir', 'recordings', 'backups', 'stockAgi', 'packages'] as const;
// "detected" is what install.sh found, kept for the operator; the agent detects again on every run.
const CONFIG_KEYS = ['thresholds', 'db', 'paths', 'cdrTable', 'asteriskCmd', 'rpmCmd', 'ports', 'timeoutMs', 'vps', 'procDir', 'detected'];


function readConfig(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--config ${file}: ${(err as NodeJS.ErrnoException).code ?? 'cannot read'}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--config ${file}: not valid JSON (${(err as Error).message.split('\n')[0]})`);
  }
  if (!isRecord(parsed)) throw new UsageError(`--config ${file}: expected a JSON object`);
  for (const k of Object.keys(parsed)) if (!CONFIG_KEYS.includes(k)) throw new UsageError(`--config ${file}: unknown key "${k}" (known: ${CONFIG_KEYS.join(', ')})`);
  return parsed;
}

function thresholdsFrom(v: unknown, file: string): Partial<AgentThresholds> {
  if (v === undefined) return {};
  if (!isRecord(v)) throw new UsageError(`--config ${file}: "thresholds" must be an object`);
  const out: Partial<AgentThresholds> = {};
  for (const [k, n] of Object.entries(v)) {
    if (!(k in AGENT_THRESHOLDS)) throw new UsageError(`--config ${file}: unknown threshold "${k}" (known: ${Object.keys(AGENT_THRESHOLDS).join(', ')})`);
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw new UsageError(`--config ${file}: threshold "${k}" must be a non-negative number`);
    out[k as keyof AgentThresholds] = n;
  }
  return out;
}

function pathsFrom(v: unknown, file: string): Partial<ProductLayout> {
  if (v === undefined) return {};
  if (!isRecord(v)) throw new UsageError(`--config ${file}: "paths" must be an object`);
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(v)) {
    if (!(PATH_KEYS as readonly string[]).includes(k)) throw new UsageError(`--config ${file}: unknown path "${k}" (known: ${PATH_KEYS.join(', ')})`);
    const list = ['credentialFiles', 'versionFiles', 'stockAgi', 'packages'].includes(k);
    if (list ? !Array.isArray(p) || !p.every((x) => typeof x === 'string') : typeof p !== 'string') {
      throw new UsageError(`--config ${file}: path "${k}" must be ${list ? 'an array of strings' : 'a string'}`);
    }
    out[k] = p;
  }
  return out as Partial<ProductLayout>;
}

function dbFrom(v: unknown, file: string): DbSettings | null {
  if (v === undefined) return null;
  if (!isRecord(v)) throw new UsageError(`--config ${file}: "db" must be an object`);
  const db: DbSettings = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'port') db.port = parsePort(x, `--config ${file}: db.port`);
    else if (k === 'passwordEnv') db.password = secretFromEnv(String(x), `--config ${file}: db.passwordEnv`);
    else if (k === 'host' || k === 'user' || k === 'password' || k === 'socket') {
      if (typeof x !== 'string') throw new UsageError(`--config ${file}: db.${k} must be a string`);
      db[k] = x;
    } else throw new UsageError(`--config ${file}: unknown db key "${k}" (known: host, port, user, password, passwordEnv, socket)`);
  }
  secrets.add(db.password);
  return db;
}

function splitCommand(v: string, flag: string): string[] {
  const parts = v.trim().split(/\s+/).filter(Boolean);
  if (!parts.length) throw new UsageError(`${flag} is empty`);
  return parts;
}

/** --root must be a directory: a typo there would otherwise read as "no product found". */
function rootDir(raw: string | undefined): string {
  const root = resolve(raw ?? AGENT_DEFAULTS.root);
  let isDir: boolean;
  try {
    isDir = statSync(root).isDirectory();
  } catch (err) {
    throw new UsageError(`--root ${root}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : ((err as NodeJS.ErrnoException).code ?? 'cannot read')}`);
  }
  if (!isDir) throw new UsageError(`--root ${root}: not a directory`);
  return root;
}

export function resolveOptions(argv: CommonArgs): AgentOptions {
  const configFile = argv.config ? resolve(argv.config) : null;
  const config = configFile ? readConfig(configFile) : {};
  const file = configFile ?? '';

  const logLevel = parseLogLevel(argv['log-level'] ?? AGENT_DEFAULTS.logLevel);

  const cdrTable = argv['cdr-table'] ?? (typeof config.cdrTable === 'string' ? config.cdrTable : null);
  if (config.cdrTable !== undefined && typeof config.cdrTable !== 'string') throw new UsageError(`--config ${file}: "cdrTable" must be a string`);
  if (cdrTable !== null && !TABLE_NAME.test(cdrTable)) throw new UsageError(`--cdr-table "${cdrTable}" must be DB.TABLE (letters, digits, _ and $)`);

  let db = dbFrom(config.db, file);
  let dbSource = db ? `config ${file}` : 'the product\'s configuration files';
  const flagDb: DbSettings = {};
  if (argv['db-host'] !== undefined) flagDb.host = argv['db-host'];
  if (argv['db-port'] !== undefined) flagDb.port = parsePort(argv['db-port'], '--db-port');
  if (argv['db-user'] !== undefined) flagDb.user = argv['db-user'];
  if (argv['db-socket'] !== undefined) flagDb.socket = argv['db-socket'];
  if (argv['db-password-env'] !== undefined) flagDb.password = secretFromEnv(argv['db-password-env'], '--db-password-env');
  if (Object.keys(flagDb).length) {
    db = { ...(db ?? {}), ...flagDb };
    dbSource = 'the --db-* flags';
  }

  const asteriskRaw = argv['asterisk-cmd'] ?? (typeof config.asteriskCmd === 'string' ? config.asteriskCmd : undefined);
  if (config.asteriskCmd !== undefined && typeof config.asteriskCmd !== 'string') throw new UsageError(`--config ${file}: "asteriskCmd" must be a string`);
  if (config.rpmCmd !== undefined && typeof config.rpmCmd !== 'string') throw new UsageError(`--config ${file}: "rpmCmd" must be a string`);
  const rpmRaw = argv['rpm-cmd'] ?? (config.rpmCmd as string | undefined);
  const ports = config.ports === undefined ? [] : Array.isArray(config.ports) ? config.ports.map((p) => parsePort(p, `--config ${file}: ports`)) : (() => {
    throw new UsageError(`--config ${file}: "ports" must be an array of ports`);
  })();
  const timeoutMs = argv.timeout !== undefined
    ? parsePositiveInt(argv.timeout, '--timeout', { min: 100, max: 120_000 })
    : config.timeoutMs !== undefined
      ? parsePositiveInt(config.timeoutMs, `--config ${file}: timeoutMs`, { min: 100, max: 120_000 })
      : AGENT_DEFAULTS.timeoutMs;

  return {
    root: rootDir(argv.root),
    asteriskCmd: asteriskRaw === undefined ? null : splitCommand(asteriskRaw, '--asterisk-cmd'),
    rpmCmd: rpmRaw === undefined ? null : splitCommand(rpmRaw, '--rpm-cmd'),
    cdrTable,
    db,
    dbSource,
    thresholds: agentThresholds(thresholdsFrom(config.thresholds, file)),
    paths: pathsFrom(config.paths, file),
    timeoutMs,
    ports,
    procDir: typeof config.procDir === 'string' ? config.procDir : AGENT_DEFAULTS.procDir,
    vps: typeof config.vps === 'string' ? config.vps : null,
    logLevel,
  };
}
