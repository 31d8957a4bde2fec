// The database server: version, uptime, data directory, size of each schema. Opens the
// read-only session the CDR source then uses.

import type { SchemaSize } from '../../shared/model.js';
import { productCredentials } from './credentials.js';
import { DbSession, dbErrorReason } from './db-session.js';
import type { FactSource } from './source.js';

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
    const settings = ctx.options.db ? { ...(fromFiles?.settings ?? {}), ...ctx.options.db } : fromFiles?.settings;
    const source = ctx.options.db ? ctx.options.dbSource : fromFiles?.source ?? (files.length ? files.join(' / ') : 'the --db-* flags');
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
