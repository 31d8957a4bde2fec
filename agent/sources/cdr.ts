// The CDR table, cheaply, over the database source's read-only session: the SQL and what the
// rows mean live in shared/facts/database.ts (the agentless collector sends the same SQL).

import { CDR_SQL, blankCdr, cdrCandidates, cdrFromTable, cdrIndexed, cdrTimes, pickCdrTable, type Row } from '../../shared/facts/database.js';
import { dbErrorReason } from './db-session.js';
import type { FactSource } from './source.js';

export { lastHourSql, sameHourSql } from '../../shared/facts/database.js';

export const cdrSource: FactSource = {
  name: 'cdr',
  stage: 2,
  async collect(ctx, draft) {
    const candidates = cdrCandidates(ctx.options.cdrTable, ctx.layout?.cdrTables);
    const db = ctx.db;
    if (!db) {
      // DB_UNREACHABLE already says why; the table is reported as not measured, not as a second failure.
      draft.cdr = { ...blankCdr(candidates[0] ?? 'pbxware.cdr'), notMeasured: 'the database is unreachable' };
      return;
    }
    const tableRows = new Map<string, Row[]>();
    try {
      // In order, stopping at the first that exists.
      for (const t of candidates) {
        tableRows.set(t, await db.select<Row>(CDR_SQL.table(t)));
        if (tableRows.get(t)!.length) break;
      }
    } catch (err) {
      draft.cdr = { ...blankCdr(candidates[0] ?? 'pbxware.cdr'), error: dbErrorReason(err) };
      return;
    }
    const found = pickCdrTable(candidates, (t) => tableRows.get(t) ?? []);
    const cdr = cdrFromTable(candidates, found);
    draft.cdr = cdr;
    if (!found) return;
    try {
      if (!cdrIndexed(cdr, await db.select<Row>(CDR_SQL.calldateIndex(found.table)))) return;
      const oldest = await db.select<Row>(CDR_SQL.oldest(found.table));
      const newest = await db.select<Row>(CDR_SQL.newest(found.table));
      const lastHour = await db.select<Row>(CDR_SQL.lastHour(found.table));
      const sameHour = await db.select<Row>(CDR_SQL.sameHour(found.table));
      cdrTimes(cdr, { oldest, newest, lastHour, sameHour });
    } catch (err) {
      cdr.error = dbErrorReason(err);
    }
  },
};
