// The database server: version, uptime, data directory, size of each schema. Opens the
// read-only session the CDR source then uses.

import { stat } from 'node:fs/promises';
import type { SchemaSize } from '../../shared/model.js';
import type { DbSettings } from '../options.js';
import { productCredentials } from './credentials.js';
import { DbSession, dbErrorReason } from './db-session.js';
import { hostPath, type FactSource, type SourceContext } from './source.js';

/** Where MySQL/MariaDB put their socket on the products' distributions (CentOS, Debian, PBXware's chroot). */
const SOCKETS = ['/var/lib/mysql/mysql.sock', '/run/mysqld/mysqld.sock', '/var/run/mysqld/mysqld.sock', '/tmp/mysql.sock'];

/**
 * "localhost" means the Unix socket to MySQL's own clients (and to the grants the product
 * created), so a file that says localhost without a port is tried over the socket first.
 */
async function localSocket(ctx: SourceContext, s: DbSettings): Promise<DbSettings> {
  if (s.socket || s.port || (s.host && s.host !== 'localhost')) return s;
  const chroot = ctx.layout?.chroot;
  for (const sock of [...SOCKETS, ...(chroot ? SOCKETS.map((p) => `${chroot}${p}`) : [])]) {
    const path = hostPath(ctx, sock);
    const st = await stat(path).catch(() => null);
    if (st?.isSocket()) return { ...s, socket: path };
  }
  return { ...s, host: '127.0.0.1' };
}

function whereOf(s: { host?: string; port?: number; socket?: string }): string {
  return s.socket ? `socket ${s.socket}` : `${s.host ?? 'localhost'}:${s.port ?? 3306}`;
}

export const databaseSource: FactSource = {
  name: 'database',
  stage: 1,
  async collect(ctx, draft) {
    const files = ctx.layout?.credentialFiles ?? [];
    const fromFiles = await productCredentials(ctx, files);
    // Explicit settings win; missing parts (e.g. only --db-host) are filled from the product's files.
    const merged = ctx.options.db ? { ...(fromFiles?.settings ?? {}), ...ctx.options.db } : fromFiles?.settings;
    const source = ctx.options.db
      ? fromFiles ? `${fromFiles.source} with ${ctx.options.dbSource}` : ctx.options.dbSource
      : fromFiles?.source ?? (files.length ? files.join(' / ') : 'the --db-* flags');
    const settings = merged ? await localSocket(ctx, merged) : merged;
    if (!settings || !settings.user) {
      draft.database = {
        reachable: false,
        version: null,
        schemas: [],
        where: 'this host',
        credentialsSource: source,
        error: files.length ? `no credentials found in ${files.join(', ')}` : 'no product found and no --db-user given',
      };
      return;
    }
    const where = whereOf(settings);
    let session: DbSession;
    try {
      session = await DbSession.open(settings, ctx.options.timeoutMs);
    } catch (err) {
      draft.database = { reachable: false, version: null, schemas: [], where, credentialsSource: source, error: dbErrorReason(err) };
      return;
    }
    ctx.db = session;
    draft.database = { reachable: true, version: session.version, schemas: [], where, credentialsSource: source };
    try {
      const [vars] = await session.select<{ datadir: string }>('SELECT @@datadir AS datadir');
      draft.database.dataDir = vars?.datadir ?? null;
      const status = await session.select<{ Value: string }>("SHOW GLOBAL STATUS LIKE 'Uptime'");
      draft.database.uptimeSeconds = status[0] ? Number(status[0].Value) : null;
      // Sizes from the data dictionary: no table is read.
      const rows = await session.select<{ name: string; bytes: string | number | null }>(
        `SELECT TABLE_SCHEMA AS name, SUM(COALESCE(DATA_LENGTH,0) + COALESCE(INDEX_LENGTH,0)) AS bytes
           FROM information_schema.TABLES
          WHERE TABLE_SCHEMA NOT IN ('information_schema','performance_schema','sys')
          GROUP BY TABLE_SCHEMA ORDER BY TABLE_SCHEMA`,
      );
      draft.database.schemas = rows.map((r): SchemaSize => ({ name: r.name, bytes: Number(r.bytes ?? 0) }));
    } catch (err) {
      ctx.problem('database server facts', dbErrorReason(err));
    }
  },
};
