// The database server: version, uptime, data directory, size of each schema. Opens the
// read-only session the CDR source then uses.

import { stat } from 'node:fs/promises';
import { socketCandidates, wantsSocket, whereOf, type DbSettings } from '../../shared/facts/credentials.js';
import { SERVER_SQL, serverFacts, type Row } from '../../shared/facts/database.js';
import { productCredentials } from './credentials.js';
import { DbSession, dbErrorReason } from './db-session.js';
import { hostPath, type FactSource, type SourceContext } from './source.js';

/**
 * "localhost" means the Unix socket to MySQL's own clients (and to the grants the product
 * created), so a file that says localhost without a port is tried over the socket first.
 */
async function localSocket(ctx: SourceContext, s: DbSettings): Promise<DbSettings> {
  if (!wantsSocket(s)) return s;
  for (const sock of socketCandidates(ctx.layout?.chroot)) {
    const path = hostPath(ctx, sock);
    const st = await stat(path).catch(() => null);
    if (st?.isSocket()) return { ...s, socket: path };
  }
  return { ...s, host: '127.0.0.1' };
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
      const rows = {
        datadir: await session.select<Row>(SERVER_SQL.datadir),
        uptime: await session.select<Row>(SERVER_SQL.uptime),
        schemas: await session.select<Row>(SERVER_SQL.schemas),
      };
      Object.assign(draft.database, serverFacts(rows));
    } catch (err) {
      ctx.problem('database server facts', dbErrorReason(err));
    }
  },
};
