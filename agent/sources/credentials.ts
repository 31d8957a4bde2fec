// Database credentials where each product keeps them. Every password read is registered as a
// secret at once, so no output can carry it.

import { readFile } from 'node:fs/promises';
import { secrets } from '../../shared/redact.js';
import type { DbSettings } from '../options.js';
import { errnoReason, hostPath, type SourceContext } from './source.js';

const SECRET_KEY = /pass|pwd|secret|token/i;

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
  for (const [k, v] of values) if (SECRET_KEY.test(k)) secrets.add(v);
}

export interface FoundCredentials {
  settings: DbSettings;
  source: string;
}

function hostPort(host: string | undefined): Pick<DbSettings, 'host' | 'port'> {
  if (!host) return { host: 'localhost' };
  const m = /^(.+):(\d+)$/.exec(host);
  return m ? { host: m[1]!, port: Number(m[2]) } : { host };
}

/** Credentials from one product file, or null when the file holds none. */
export function credentialsFrom(path: string, values: Map<string, string>): DbSettings | null {
  if (values.has('pw_mysql_username') || values.has('pw_mysql_password')) {
    const s: DbSettings = { ...hostPort(values.get('pw_mysql_host')), user: values.get('pw_mysql_username') ?? 'root', password: values.get('pw_mysql_password') ?? '' };
    const port = values.get('pw_mysql_port');
    if (port && /^\d+$/.test(port)) s.port = Number(port);
    return s;
  }
  if (values.has('AMPDBPASS')) {
    return { ...hostPort(values.get('AMPDBHOST')), user: values.get('AMPDBUSER') ?? 'asteriskuser', password: values.get('AMPDBPASS') ?? '' };
  }
  if (/issabel\.conf$/.test(path) && values.has('mysqlrootpwd')) {
    return { host: 'localhost', user: 'root', password: values.get('mysqlrootpwd') ?? '' };
  }
  return null;
}

/**
 * Read the product's credential files in order; every file is read (so every secret is
 * registered) and the first that holds credentials wins.
 */
export async function productCredentials(ctx: SourceContext, files: readonly string[]): Promise<FoundCredentials | null> {
  let found: FoundCredentials | null = null;
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(hostPath(ctx, file), 'utf8');
    } catch (err) {
      const reason = errnoReason(err);
      if (reason !== 'no such file or directory') ctx.problem(file, reason);
      continue;
    }
    const values = parseKeyValues(text);
    registerSecrets(values);
    const settings: DbSettings | null = found ? null : credentialsFrom(file, values);
    if (settings) found = { settings, source: file };
  }
  return found;
}
