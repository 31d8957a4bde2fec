// The CDR table, cheaply: size from information_schema, oldest/newest and the last hour through
// the calldate index. Never COUNT(*) over the whole table; without a calldate index the
// time-based figures are left out (a full scan on a production PBX is worse than a gap we name).

import type { CdrFacts } from '../../shared/model.js';
import { dbErrorReason, quoteTable } from './db-session.js';
import type { FactSource, SourceContext } from './source.js';

interface TableRow {
  ENGINE: string | null;
  TABLE_ROWS: number | string | null;
  DATA_LENGTH: number | string | null;
  INDEX_LENGTH: number | string | null;
  DATA_FREE: number | string | null;
}

const num = (v: number | string | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));

async function findTable(ctx: SourceContext, candidates: readonly string[]): Promise<{ table: string; row: TableRow | null }> {
  for (const table of candidates) {
    const [schema, name] = table.split('.');
    const rows = await ctx.db!.select<TableRow>(
      'SELECT ENGINE, TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH, DATA_FREE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [schema, name],
    );
    if (rows[0]) return { table, row: rows[0] };
  }
  return { table: candidates[0] ?? 'pbxware.cdr', row: null };
}

/** The last-hour query; exported so a test can EXPLAIN exactly what runs. */
export function lastHourSql(table: string): string {
  return `SELECT COUNT(*) AS calls, COALESCE(SUM(disposition <> 'ANSWERED'), 0) AS failed FROM ${quoteTable(table)} WHERE calldate >= NOW() - INTERVAL 1 HOUR`;
}

export const cdrSource: FactSource = {
  name: 'cdr',
  stage: 2,
  async collect(ctx, draft) {
    const candidates = ctx.options.cdrTable ? [ctx.options.cdrTable] : ctx.layout?.cdrTables ?? ['pbxware.cdr', 'asteriskcdrdb.cdr'];
    const blank = (table: string): CdrFacts => ({ table, engine: null, rows: null, rowsExact: false, dataBytes: null, indexBytes: null, oldest: null, newest: null, lastHour: null });
    if (!ctx.db) {
      // DB_UNREACHABLE already says why; the table is reported as not measured, not as a second failure.
      draft.cdr = { ...blank(candidates[0] ?? 'pbxware.cdr'), notMeasured: 'the database is unreachable' };
      return;
    }
    let found: { table: string; row: TableRow | null };
    try {
      found = await findTable(ctx, candidates);
    } catch (err) {
      draft.cdr = { ...blank(candidates[0] ?? 'pbxware.cdr'), error: dbErrorReason(err) };
      return;
    }
    const cdr = blank(found.table);
    draft.cdr = cdr;
    if (!found.row) {
      cdr.error = `table does not exist (looked for ${candidates.join(', ')})`;
      return;
    }
    cdr.engine = found.row.ENGINE;
    cdr.rowsExact = /^(MyISAM|Aria)$/i.test(found.row.ENGINE ?? '');
    cdr.rows = num(found.row.TABLE_ROWS);
    cdr.dataBytes = num(found.row.DATA_LENGTH);
    cdr.indexBytes = num(found.row.INDEX_LENGTH);
    cdr.freeBytes = num(found.row.DATA_FREE);
    const q = quoteTable(found.table);
    try {
      const [schema, name] = found.table.split('.');
      const idx = await ctx.db.select<{ n: number }>(
        "SELECT COUNT(*) AS n FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = 'calldate' AND SEQ_IN_INDEX = 1",
        [schema, name],
      );
      if (!Number(idx[0]?.n ?? 0)) {
        cdr.notMeasured = 'no index on calldate: oldest/newest call and the last hour are not measured (that would be a full scan)';
        return;
      }
      const oldest = await ctx.db.select<{ calldate: string }>(`SELECT calldate FROM ${q} ORDER BY calldate ASC LIMIT 1`);
      const newest = await ctx.db.select<{ calldate: string }>(`SELECT calldate FROM ${q} ORDER BY calldate DESC LIMIT 1`);
      cdr.oldest = oldest[0]?.calldate ?? null;
      cdr.newest = newest[0]?.calldate ?? null;
      const [hour] = await ctx.db.select<{ calls: number | string; failed: number | string }>(lastHourSql(found.table));
      const calls = Number(hour?.calls ?? 0);
      const failed = Number(hour?.failed ?? 0);
      cdr.lastHour = { calls, failed, failedRatio: calls > 0 ? Math.round((failed / calls) * 1000) / 1000 : null };
    } catch (err) {
      cdr.error = dbErrorReason(err);
    }
  },
};
