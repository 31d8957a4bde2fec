// Database credentials where each product keeps them. Pure: a file's text in, settings out.
// Every password parsed is registered as a secret at once, so no output can carry it.
// The agentless collector never sees a password: its remote script sends the files with every
// secret-looking value replaced by REDACTED_VALUE (so the same parser can tell which file holds
// credentials, under which keys), and builds the client's option file on the host from the
// recipe credentialRecipe() gives.

import { secrets } from '../redact.js';

/** Keys whose values are secrets (the agent registers them; the agentless script redacts them). */
export const SECRET_KEY = /pass|pwd|secret|token/i;
/** What the agentless script puts in place of a secret value. No quote, no space, no `=`. */
export const REDACTED_VALUE = '__pbxready_redacted_on_host__';

export interface DbSettings {
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  socket?: string;
}

/** `key = value` lines (pbxware.ini, issabel.conf, amportal.conf); quotes stripped, comments ignored. */
export function parseKeyValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';') || line.startsWith('[')) continue;
    // issabelpbx.conf is PHP: $amp_conf['AMPDBPASS'] = 'x';
    const php = /^\$\w+\[\s*['"]([^'"]+)['"]\s*\]\s*=\s*(['"])(.*)\2\s*;/.exec(line);
    if (php) {
      out.set(php[1]!, php[3]!);
      continue;
    }
    const kv = /^([A-Za-z_][\w.]*)\s*=\s*(.*)$/.exec(line);
    if (!kv) continue;
    let value = kv[2]!.trim();
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2]!;
    out.set(kv[1]!, value);
  }
  return out;
}

/** Register every secret-looking value of a parsed file. */
export function registerSecrets(values: Map<string, string>): void {
  for (const [k, v] of values) if (SECRET_KEY.test(k) && v !== REDACTED_VALUE) secrets.add(v);
}

/**
 * Which keys of a product file hold the database login. Keys are constants; values (when a key
 * is absent, the default) are what parseKeyValues gives for them.
 */
export interface CredentialRecipe {
  userKey: string | null;
  userDefault: string;
  passwordKey: string;
  /** "host" or "host:port". */
  hostKey: string | null;
  portKey: string | null;
}

/** The recipe for one product file, or null when the file holds no credentials. */
export function credentialRecipe(path: string, values: Map<string, string>): CredentialRecipe | null {
  if (values.has('pw_mysql_username') || values.has('pw_mysql_password')) {
    return { userKey: 'pw_mysql_username', userDefault: 'root', passwordKey: 'pw_mysql_password', hostKey: 'pw_mysql_host', portKey: 'pw_mysql_port' };
  }
  if (values.has('AMPDBPASS')) return { userKey: 'AMPDBUSER', userDefault: 'asteriskuser', passwordKey: 'AMPDBPASS', hostKey: 'AMPDBHOST', portKey: null };
  if (/issabel\.conf$/.test(path) && values.has('mysqlrootpwd')) return { userKey: null, userDefault: 'root', passwordKey: 'mysqlrootpwd', hostKey: null, portKey: null };
  return null;
}

/** "host:port" → host and port; nothing → localhost. */
export function hostPort(host: string | undefined): Pick<DbSettings, 'host' | 'port'> {
  if (!host) return { host: 'localhost' };
  const m = /^(.+):(\d+)$/.exec(host);
  return m ? { host: m[1]!, port: Number(m[2]) } : { host };
}

/** Apply a recipe to a file's values. */
export function applyRecipe(recipe: CredentialRecipe, values: Map<string, string>): DbSettings {
  const s: DbSettings = {
    ...hostPort(recipe.hostKey ? values.get(recipe.hostKey) : undefined),
    user: (recipe.userKey ? values.get(recipe.userKey) : undefined) ?? recipe.userDefault,
    password: values.get(recipe.passwordKey) ?? '',
  };
  const port = recipe.portKey ? values.get(recipe.portKey) : undefined;
  if (port && /^\d+$/.test(port)) s.port = Number(port);
  return s;
}

/** Credentials from one product file, or null when the file holds none. */
export function credentialsFrom(path: string, values: Map<string, string>): DbSettings | null {
  const recipe = credentialRecipe(path, values);
  return recipe ? applyRecipe(recipe, values) : null;
}

/** Where MySQL/MariaDB put their socket on the products' distributions (CentOS, Debian, PBXware's chroot). */
export const DB_SOCKETS = ['/var/lib/mysql/mysql.sock', '/run/mysqld/mysqld.sock', '/var/run/mysqld/mysqld.sock', '/tmp/mysql.sock'];

/** Socket paths to look for, in order (host paths; PBXware's server may run inside its chroot). */
export function socketCandidates(chroot: string | undefined): string[] {
  return [...DB_SOCKETS, ...(chroot ? DB_SOCKETS.map((p) => `${chroot}${p}`) : [])];
}

/** Does "localhost" in these settings mean the Unix socket (as MySQL's own clients read it)? */
export function wantsSocket(s: DbSettings): boolean {
  return !s.socket && !s.port && (!s.host || s.host === 'localhost');
}

export function whereOf(s: { host?: string; port?: number; socket?: string }): string {
  return s.socket ? `socket ${s.socket}` : `${s.host ?? 'localhost'}:${s.port ?? 3306}`;
}
