// The database server and its CDR table: the SQL both collectors send (cheap, read-only:
// information_schema and the calldate index, never COUNT(*) over a whole table) and the rows
// → facts. Pure; the installed agent runs the SQL over mysql2, the agentless collector through
// the host's mysql client, and both hand the rows here.

import type { CdrFacts, SchemaSize } from '../model.js';
import { isUnableToPass } from '../rules/emergency.js';

/** One result row as either client gives it: mysql2 (numbers or strings) or `mysql -B` (strings). */
export type Row = Record<string, string | number | null | undefined>;

const num = (v: string | number | null | undefined): number | null => (v === null || v === undefined || v === '' ? null : Number(v));

/** A string literal for the SQL below (the names are validated DB.TABLE names; escaped all the same). */
export function sqlString(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A table name "db.table" as a quoted identifier (validated by the options). */
export function quoteTable(table: string): string {
  return table.split('.').map((p) => `\`${p.replace(/`/g, '``')}\``).join('.');
}

function schemaAndName(table: string): [string, string] {
  const [schema, name] = table.split('.');
  return [schema ?? '', name ?? ''];
}

export const SERVER_SQL = {
  version: 'SELECT VERSION() AS version',
  datadir: 'SELECT @@datadir AS datadir',
  uptime: "SHOW GLOBAL STATUS LIKE 'Uptime'",
  // Sizes from the data dictionary: no table is read.
  schemas: `SELECT TABLE_SCHEMA AS name, SUM(COALESCE(DATA_LENGTH,0) + COALESCE(INDEX_LENGTH,0)) AS bytes
           FROM information_schema.TABLES
          WHERE TABLE_SCHEMA NOT IN ('information_schema','performance_schema','sys')
          GROUP BY TABLE_SCHEMA ORDER BY TABLE_SCHEMA`,
} as const;

export function serverFacts(rows: { datadir: Row[]; uptime: Row[]; schemas: Row[] }): { dataDir: string | null; uptimeSeconds: number | null; schemas: SchemaSize[] } {
  const dataDir = rows.datadir[0]?.datadir;
  return {
    dataDir: dataDir === undefined || dataDir === null ? null : String(dataDir),
    uptimeSeconds: rows.uptime[0] ? num(rows.uptime[0].Value) : null,
    schemas: rows.schemas.map((r): SchemaSize => ({ name: String(r.name), bytes: Number(r.bytes ?? 0) })),
  };
}

/** MySQL's per-statement time limit (MariaDB takes max_statement_time instead and ignores the hint). */
export function withTimeLimitHint(sql: string, timeoutMs: number): string {
  return sql.replace(/^\s*(SELECT|EXPLAIN\s+SELECT)\b/i, `$1 /*+ MAX_EXECUTION_TIME(${timeoutMs}) */`);
}

/** The CDR tables to look for, in order: --cdr-table, else the product's. */
export function cdrCandidates(cdrTable: string | null, layoutTables: readonly string[] | undefined): string[] {
  return cdrTable ? [cdrTable] : [...(layoutTables ?? ['pbxware.cdr', 'asteriskcdrdb.cdr'])];
}

export const CDR_SQL = {
  table: (table: string) => {
    const [schema, name] = schemaAndName(table);
    return `SELECT ENGINE, TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH, DATA_FREE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${sqlString(schema)} AND TABLE_NAME = ${sqlString(name)}`;
  },
  calldateIndex: (table: string) => {
    const [schema, name] = schemaAndName(table);
    return `SELECT COUNT(*) AS n FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ${sqlString(schema)} AND TABLE_NAME = ${sqlString(name)} AND COLUMN_NAME = 'calldate' AND SEQ_IN_INDEX = 1`;
  },
  oldest: (table: string) => `SELECT calldate FROM ${quoteTable(table)} ORDER BY calldate ASC LIMIT 1`,
  newest: (table: string) => `SELECT calldate FROM ${quoteTable(table)} ORDER BY calldate DESC LIMIT 1`,
  /** The last hour's calls per disposition: one range on the calldate index; groups bounded. */
  lastHour: (table: string) =>
    `SELECT LEFT(disposition, 40) AS disposition, COUNT(*) AS n FROM ${quoteTable(table)} WHERE calldate >= NOW() - INTERVAL 1 HOUR GROUP BY LEFT(disposition, 40) ORDER BY n DESC LIMIT ${MAX_DISPOSITIONS}`,
  /**
   * The same hour on the same weekday 1–4 weeks ago, counted in one statement over four ranges of
   * the calldate index, with each window's start so a week older than the table's first call is
   * left out (a new PBX has no "usual" yet). Calendar arithmetic keeps the wall-clock hour across DST.
   */
  sameHour: (table: string) => {
    const win = (k: number) => `calldate >= NOW() - INTERVAL ${7 * k} DAY - INTERVAL 1 HOUR AND calldate < NOW() - INTERVAL ${7 * k} DAY`;
    const weeks = Array.from({ length: NORM_WEEKS }, (_, i) => i + 1);
    const counts = weeks.map((k) => `COALESCE(SUM(${win(k)}), 0) AS w${k}`).join(', ');
    const starts = weeks.map((k) => `NOW() - INTERVAL ${7 * k} DAY - INTERVAL 1 HOUR AS s${k}`).join(', ');
    return `SELECT ${counts}, ${starts} FROM ${quoteTable(table)} WHERE ${weeks.map((k) => `(${win(k)})`).join(' OR ')}`;
  },
} as const;

const MAX_DISPOSITIONS = 20;
/** How many previous weeks the last hour is compared with. */
export const NORM_WEEKS = 4;

/** The queries a test EXPLAINs: exactly what runs. */
export const lastHourSql = CDR_SQL.lastHour;
export const sameHourSql = CDR_SQL.sameHour;

export function blankCdr(table: string): CdrFacts {
  return { table, engine: null, rows: null, rowsExact: false, dataBytes: null, indexBytes: null, oldest: null, newest: null, lastHour: null };
}

/** The first candidate information_schema knows, or null. */
export function pickCdrTable(candidates: readonly string[], tableRows: (table: string) => Row[]): { table: string; row: Row } | null {
  for (const table of candidates) {
    const row = tableRows(table)[0];
    if (row) return { table, row };
  }
  return null;
}

/** The table's size facts; `error` when none of the candidates exists. */
export function cdrFromTable(candidates: readonly string[], found: { table: string; row: Row } | null): CdrFacts {
  if (!found) return { ...blankCdr(candidates[0] ?? 'pbxware.cdr'), error: `table does not exist (looked for ${candidates.join(', ')})` };
  const cdr = blankCdr(found.table);
  const engine = found.row.ENGINE;
  cdr.engine = engine === null || engine === undefined ? null : String(engine);
  cdr.rowsExact = /^(MyISAM|Aria)$/i.test(cdr.engine ?? '');
  cdr.rows = num(found.row.TABLE_ROWS);
  cdr.dataBytes = num(found.row.DATA_LENGTH);
  cdr.indexBytes = num(found.row.INDEX_LENGTH);
  cdr.freeBytes = num(found.row.DATA_FREE);
  return cdr;
}

/** Whether the time-based figures may be asked (an index on calldate: no full scan); sets notMeasured when not. */
export function cdrIndexed(cdr: CdrFacts, indexRows: Row[]): boolean {
  if (Number(indexRows[0]?.n ?? 0)) return true;
  cdr.notMeasured = 'no index on calldate: oldest/newest call and the last hour are not measured (that would be a full scan)';
  return false;
}

/**
 * oldest/newest, the last hour per disposition (failed = unable to pass: FAILED/CONGESTION/
 * CHANUNAVAIL, never NO ANSWER/BUSY) and, when given, the same hour of each previous week the table
 * covers (newest first).
 */
export function cdrTimes(cdr: CdrFacts, rows: { oldest: Row[]; newest: Row[]; lastHour: Row[]; sameHour?: Row[] }): void {
  const date = (r: Row | undefined) => (r?.calldate === undefined || r.calldate === null ? null : String(r.calldate));
  cdr.oldest = date(rows.oldest[0]);
  cdr.newest = date(rows.newest[0]);
  const dispositions: Record<string, number> = {};
  for (const r of rows.lastHour.slice(0, MAX_DISPOSITIONS)) {
    const d = String(r.disposition ?? '').trim().slice(0, 40) || '(empty)';
    dispositions[d] = (dispositions[d] ?? 0) + (Number(r.n) || 0);
  }
  const calls = Object.values(dispositions).reduce((a, b) => a + b, 0);
  const failed = Object.entries(dispositions).filter(([d]) => isUnableToPass(d)).reduce((a, [, n]) => a + n, 0);
  cdr.lastHour = { calls, failed, failedRatio: calls > 0 ? Math.round((failed / calls) * 1000) / 1000 : null, dispositions };
  if (rows.sameHour) cdr.sameHourBefore = sameHourWeeks(rows.sameHour[0], cdr.oldest);
}

function sameHourWeeks(row: Row | undefined, oldest: string | null): number[] {
  const out: number[] = [];
  if (!row || oldest === null) return out;
  for (let k = 1; k <= NORM_WEEKS; k++) {
    // Both are "YYYY-MM-DD HH:MM:SS" in the server's time (dateStrings / mysql -B), so they compare as strings.
    const start = String(row[`s${k}`] ?? '');
    if (!start || oldest > start) break;
    out.push(Number(row[`w${k}`] ?? 0) || 0);
  }
  return out;
}
