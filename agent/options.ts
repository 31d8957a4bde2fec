// The agent's common flags and config file → one validated AgentOptions, merged in one place.

import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { readJsonConfig, secretFromEnv } from '../shared/cli/cli.js';
import { parseLogLevel, parsePort, parsePositiveInt, type FlagGroup, type LogLevel } from '../shared/cli/flags.js';
import { ConfigError, UsageError } from '../shared/errors.js';
import { secrets } from '../shared/redact.js';
import { AGENT_THRESHOLDS, agentThresholds, type AgentThresholds } from '../shared/rules/agent.js';
import type { ProductLayout } from '../shared/facts/layout.js';
import { isRecord } from '../shared/json.js';
import { parseVendorSources } from '../shared/vendor-sources.js';

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
  /** Replaces `fail2ban-client` (e.g. with `-s SOCKET` for a server on another socket); null = on PATH. */
  fail2banCmd: string[] | null;
  /** The vendor's support source ranges: VENDOR_SOURCE_BLOCKED/BANNED from the agent alone; [] = not asked. */
  vendorSources: string[];
  /** Where /proc is (tests may point elsewhere). */
  procDir: string;
  /** SERVERware: which VPS to look into (default: the first found). */
  vps: string | null;
  logLevel: LogLevel;
  /** serve: GET /metrics from loopback needs no token (config "metricsWithoutTokenOnLoopback"; off by default). */
  metricsWithoutTokenOnLoopback: boolean;
}

export const AGENT_DEFAULTS = Object.freeze({ root: '/', timeoutMs: 3000, procDir: '/proc', logLevel: 'warn' as LogLevel });

export interface CommonArgs {
  root?: string | undefined;
  asteriskCmd?: string | undefined;
  rpmCmd?: string | undefined;
  config?: string | undefined;
  cdrTable?: string | undefined;
  logLevel?: string | undefined;
  dbHost?: string | undefined;
  dbPort?: string | undefined;
  dbUser?: string | undefined;
  dbPasswordEnv?: string | undefined;
  dbSocket?: string | undefined;
  timeout?: string | undefined;
}

/** Where the agent reads the host and how long it waits (report, snapshot, serve). */
export const HOST_FLAGS = {
  root: { type: 'string', describe: 'read the host\'s files under DIR (default /)' },
  'asterisk-cmd': { type: 'string', describe: 'the asterisk CLI to run (a path, or a command line such as "chroot /opt/pbxware/pw asterisk")' },
  'rpm-cmd': { type: 'string', describe: 'the rpm to ask for package versions and `rpm -V` (a path or a command line; asked even with --root)' },
  config: { type: 'string', describe: 'JSON config file: thresholds, db, paths, cdrTable, ports, timeoutMs' },
  'cdr-table': { type: 'string', describe: 'the CDR table as DB.TABLE (default: pbxware.cdr / asteriskcdrdb.cdr)' },
  timeout: { type: 'string', describe: 'time limit of each command and query, ms (default 3000)' },
} satisfies FlagGroup;

/** The database connection; given parts override what the product's files say. */
export const DATABASE_FLAGS = {
  'db-host': { type: 'string', describe: 'database host (instead of the product\'s files)' },
  'db-port': { type: 'string', describe: 'database TCP port (default 3306)' },
  'db-user': { type: 'string', describe: 'database user' },
  'db-password-env': { type: 'string', describe: 'name of the environment variable holding the database password' },
  'db-socket': { type: 'string', describe: 'database Unix socket path' },
} satisfies FlagGroup;

const TABLE_NAME = /^[A-Za-z0-9_$]+\.[A-Za-z0-9_$]+$/;
const PATH_KEYS = ['credentialFiles', 'versionFiles', 'asteriskEtc', 'agiDir', 'recordings', 'backups', 'stockAgi', 'packages'] as const;
// "detected" is what install.sh found, kept for the operator; the agent detects again on every run.
const CONFIG_KEYS = ['thresholds', 'db', 'paths', 'cdrTable', 'asteriskCmd', 'rpmCmd', 'fail2banCmd', 'vendorSources', 'ports', 'timeoutMs', 'vps', 'procDir', 'metricsWithoutTokenOnLoopback', 'detected'];


function thresholdsFrom(v: unknown, file: string): Partial<AgentThresholds> {
  if (v === undefined) return {};
  if (!isRecord(v)) throw new ConfigError(`--config ${file}: "thresholds" must be an object`);
  const out: Partial<AgentThresholds> = {};
  for (const [k, n] of Object.entries(v)) {
    if (!(k in AGENT_THRESHOLDS)) throw new ConfigError(`--config ${file}: unknown threshold "${k}" (known: ${Object.keys(AGENT_THRESHOLDS).join(', ')})`);
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw new ConfigError(`--config ${file}: threshold "${k}" must be a non-negative number`);
    out[k as keyof AgentThresholds] = n;
  }
  return out;
}

function pathsFrom(v: unknown, file: string): Partial<ProductLayout> {
  if (v === undefined) return {};
  if (!isRecord(v)) throw new ConfigError(`--config ${file}: "paths" must be an object`);
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(v)) {
    if (!(PATH_KEYS as readonly string[]).includes(k)) throw new ConfigError(`--config ${file}: unknown path "${k}" (known: ${PATH_KEYS.join(', ')})`);
    const list = ['credentialFiles', 'versionFiles', 'stockAgi', 'packages'].includes(k);
    if (list ? !Array.isArray(p) || !p.every((x) => typeof x === 'string') : typeof p !== 'string') {
      throw new ConfigError(`--config ${file}: path "${k}" must be ${list ? 'an array of strings' : 'a string'}`);
    }
    out[k] = p;
  }
  return out as Partial<ProductLayout>;
}

function dbFrom(v: unknown, file: string): DbSettings | null {
  if (v === undefined) return null;
  if (!isRecord(v)) throw new ConfigError(`--config ${file}: "db" must be an object`);
  const db: DbSettings = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'port') db.port = parsePort(x, `--config ${file}: db.port`);
    else if (k === 'passwordEnv') db.password = secretFromEnv(String(x), `--config ${file}: db.passwordEnv`);
    else if (k === 'host' || k === 'user' || k === 'password' || k === 'socket') {
      if (typeof x !== 'string') throw new ConfigError(`--config ${file}: db.${k} must be a string`);
      db[k] = x;
    } else throw new ConfigError(`--config ${file}: unknown db key "${k}" (known: host, port, user, password, passwordEnv, socket)`);
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
  const config = configFile ? readJsonConfig(configFile, CONFIG_KEYS) : {};
  const file = configFile ?? '';

  const logLevel = parseLogLevel(argv.logLevel ?? AGENT_DEFAULTS.logLevel);

  const cdrTable = argv.cdrTable ?? (typeof config.cdrTable === 'string' ? config.cdrTable : null);
  if (config.cdrTable !== undefined && typeof config.cdrTable !== 'string') throw new ConfigError(`--config ${file}: "cdrTable" must be a string`);
  if (cdrTable !== null && !TABLE_NAME.test(cdrTable)) throw new UsageError(`--cdr-table "${cdrTable}" must be DB.TABLE (letters, digits, _ and $)`);

  let db = dbFrom(config.db, file);
  let dbSource = db ? `config ${file}` : 'the product\'s configuration files';
  const flagDb: DbSettings = {};
  if (argv.dbHost !== undefined) flagDb.host = argv.dbHost;
  if (argv.dbPort !== undefined) flagDb.port = parsePort(argv.dbPort, '--db-port');
  if (argv.dbUser !== undefined) flagDb.user = argv.dbUser;
  if (argv.dbSocket !== undefined) flagDb.socket = argv.dbSocket;
  if (argv.dbPasswordEnv !== undefined) flagDb.password = secretFromEnv(argv.dbPasswordEnv, '--db-password-env');
  if (Object.keys(flagDb).length) {
    db = { ...(db ?? {}), ...flagDb };
    dbSource = 'the --db-* flags';
  }

  const asteriskRaw = argv.asteriskCmd ?? (typeof config.asteriskCmd === 'string' ? config.asteriskCmd : undefined);
  if (config.asteriskCmd !== undefined && typeof config.asteriskCmd !== 'string') throw new ConfigError(`--config ${file}: "asteriskCmd" must be a string`);
  if (config.rpmCmd !== undefined && typeof config.rpmCmd !== 'string') throw new ConfigError(`--config ${file}: "rpmCmd" must be a string`);
  const rpmRaw = argv.rpmCmd ?? (config.rpmCmd as string | undefined);
  if (config.fail2banCmd !== undefined && typeof config.fail2banCmd !== 'string') throw new ConfigError(`--config ${file}: "fail2banCmd" must be a string`);
  const vendorSources = config.vendorSources === undefined ? [] : parseVendorSources(config.vendorSources, `--config ${file}: vendorSources`);
  const ports = config.ports === undefined ? [] : Array.isArray(config.ports) ? config.ports.map((p) => parsePort(p, `--config ${file}: ports`)) : (() => {
    throw new ConfigError(`--config ${file}: "ports" must be an array of ports`);
  })();
  if (config.metricsWithoutTokenOnLoopback !== undefined && typeof config.metricsWithoutTokenOnLoopback !== 'boolean') {
    throw new ConfigError(`--config ${file}: "metricsWithoutTokenOnLoopback" must be true or false`);
  }
  const timeoutMs = argv.timeout !== undefined
    ? parsePositiveInt(argv.timeout, '--timeout', { min: 100, max: 120_000 })
    : config.timeoutMs !== undefined
      ? parsePositiveInt(config.timeoutMs, `--config ${file}: timeoutMs`, { min: 100, max: 120_000 })
      : AGENT_DEFAULTS.timeoutMs;

  return {
    root: rootDir(argv.root),
    asteriskCmd: asteriskRaw === undefined ? null : splitCommand(asteriskRaw, '--asterisk-cmd'),
    rpmCmd: rpmRaw === undefined ? null : splitCommand(rpmRaw, '--rpm-cmd'),
    fail2banCmd: typeof config.fail2banCmd === 'string' ? splitCommand(config.fail2banCmd, `--config ${file}: fail2banCmd`) : null,
    vendorSources,
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
    metricsWithoutTokenOnLoopback: config.metricsWithoutTokenOnLoopback === true,
  };
}

/** --state-dir: where snapshots are kept (snapshot, diff). */
export const STATE_DIR_FLAGS = {
  'state-dir': { type: 'string', describe: 'where snapshots are kept (default $XDG_STATE_HOME/pbxready, /var/lib/pbxready as root)' },
} satisfies FlagGroup;
