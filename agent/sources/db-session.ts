// A read-only, time-limited database session: every query the agent runs goes through here.
// MariaDB gets `SET SESSION max_statement_time`, MySQL a MAX_EXECUTION_TIME hint per SELECT;
// both a read-only transaction, so nothing the agent sends can write to the vendor's database.

import mysql from 'mysql2/promise';
import type { DbSettings } from '../../shared/facts/credentials.js';
import { withTimeLimitHint } from '../../shared/facts/database.js';

export class DbSession {
  private constructor(
    private readonly conn: mysql.Connection,
    readonly version: string,
    readonly mariadb: boolean,
    private readonly timeoutMs: number,
  ) {}

  static async open(settings: DbSettings, timeoutMs: number): Promise<DbSession> {
    const conn = await mysql.createConnection({
      host: settings.socket ? undefined : settings.host ?? 'localhost',
      port: settings.socket ? undefined : settings.port ?? 3306,
      socketPath: settings.socket,
      user: settings.user,
      password: settings.password,
      connectTimeout: timeoutMs,
      // Dates exactly as the server stores them (server local time), no client-side conversion.
      dateStrings: true,
      supportBigNumbers: true,
      multipleStatements: false,
    });
    // An error after connect must not become an unhandled 'error' event.
    conn.on('error', () => {});
    try {
      const [rows] = await conn.query({ sql: 'SELECT VERSION() AS version', timeout: timeoutMs });
      const version = String((rows as Array<{ version: string }>)[0]?.version ?? '');
      const mariadb = /mariadb/i.test(version);
      if (mariadb) await conn.query({ sql: `SET SESSION max_statement_time = ${(timeoutMs / 1000).toFixed(3)}`, timeout: timeoutMs });
      await conn.query({ sql: 'SET SESSION TRANSACTION READ ONLY', timeout: timeoutMs });
      await conn.query({ sql: 'START TRANSACTION READ ONLY', timeout: timeoutMs });
      return new DbSession(conn, version, mariadb, timeoutMs);
    } catch (err) {
      conn.destroy();
      throw err;
    }
  }

  /** A SELECT with the server-side time limit and a client-side one as a backstop. */
  async select<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const text = this.mariadb ? sql : withTimeLimitHint(sql, this.timeoutMs);
    const [rows] = await this.conn.query({ sql: text, values: params, timeout: this.timeoutMs + 500 });
    return rows as T[];
  }

  async close(): Promise<void> {
    try {
      await this.conn.query('ROLLBACK');
      await this.conn.end();
    } catch {
      this.conn.destroy();
    }
  }
}

export { quoteTable } from '../../shared/facts/database.js';

/** One line for a database error: mysql2's code and message, never the password. */
export function dbErrorReason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const msg = (e?.message ?? String(err)).split('\n')[0] ?? '';
  return e?.code && !msg.includes(e.code) ? `${e.code}: ${msg}` : msg;
}
