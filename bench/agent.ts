// npm run bench:agent — the report's cost must not grow with the CDR table.
// Seeds pbxware.cdr-style tables of 100 k and 2 M rows (10 M with --10m or BENCH_AGENT_10M=1) in a
// real MariaDB, runs `pbxready-agent report` against each (spawned, interleaved, median of N),
// and prints per size: the CDR source's own time and the whole collection's time (both from the
// JSON report: timings.cdr, durationMs), the spawned process's wall time and peak RSS, and the
// ratios to 100 k. The CDR source is also timed in-process (the agent's own cdr module over one
// read-only session, many interleaved runs), free of the other sources running beside it.
// PASS/FAIL is judged on the in-process CDR source and the collection medians (ratio ≤ 1.2) and
// peak RSS < 100 MB: wall time is printed but not judged, as Node's start-up noise (hundreds of ms
// on a busy machine) drowns the few milliseconds the table could add.
// Every table gets the same last hour of calls, so only the table's size differs between them.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { resolveOptions } from '../agent/options.js';
import { cdrSource } from '../agent/sources/cdr.js';
import { DbSession } from '../agent/sources/db-session.js';
import type { SourceContext } from '../agent/sources/source.js';
import type { AgentFacts } from '../shared/rules/agent.js';
import { createPbxwareCdr, createReader, startMariaDb, type MariaDb } from '../test/harness/mariadb.js';

const REPO = new URL('../..', import.meta.url).pathname;
const CLI = join(REPO, 'dist/agent/cli.js');
const ASTERISK = join(REPO, 'test/fixtures/asterisk/ast20-pjsip/asterisk');
const RUNS = Number(process.env.BENCH_AGENT_RUNS ?? 7);
const CDR_RUNS = Number(process.env.BENCH_AGENT_CDR_RUNS ?? 41);
/** Calls in the last hour, the same for every table size. */
const LAST_HOUR_CALLS = 120;
const MAX_RATIO = 1.2;
const MAX_RSS_MB = 100;
const PASSWORD = 'bench-reader-password';

const sizes = [100_000, 2_000_000, ...(process.argv.includes('--10m') || process.env.BENCH_AGENT_10M === '1' ? [10_000_000] : [])];

const COLS = 'calldate, clid, src, dst, dcontext, channel, dstchannel, lastapp, lastdata, duration, billsec, disposition, amaflags, uniqueid';

/**
 * Grow a table to `target` rows by doubling it onto itself, calls spread over the past year but
 * outside the last two hours, then the same LAST_HOUR_CALLS in the last hour for every size.
 */
async function grow(db: MariaDb, table: string, target: number): Promise<void> {
  await db.admin.query(`INSERT INTO ${table} (${COLS}) VALUES (NOW() - INTERVAL 1 DAY, '"Ext 1001" <1001>', '1001', '0038733100000', 'from-internal', 'PJSIP/1001-00000001', 'PJSIP/trunk-00000001', 'Dial', 'PJSIP/trunk', 95, 80, 'ANSWERED', 3, 'u1')`);
  let rows = 1;
  const old = target - LAST_HOUR_CALLS;
  while (rows < old) {
    const n = Math.min(rows, old - rows);
    const [res] = (await db.admin.query(
      `INSERT INTO ${table} (${COLS})
       SELECT NOW() - INTERVAL (7200 + FLOOR(RAND() * 31528800)) SECOND, clid, src, CONCAT('00387', FLOOR(RAND() * 100000000)), dcontext, channel, dstchannel, lastapp, lastdata,
              duration, billsec, ELT(1 + FLOOR(RAND() * 5), 'ANSWERED', 'ANSWERED', 'ANSWERED', 'NO ANSWER', 'BUSY'), amaflags, uniqueid
         FROM ${table} LIMIT ${n}`,
    )) as unknown as [{ affectedRows: number }];
    rows += res.affectedRows;
  }
  await db.admin.query(
    `INSERT INTO ${table} (${COLS})
     SELECT NOW() - INTERVAL (60 + FLOOR(RAND() * 3000)) SECOND, clid, src, dst, dcontext, channel, dstchannel, lastapp, lastdata, duration, billsec,
            ELT(1 + FLOOR(RAND() * 5), 'ANSWERED', 'ANSWERED', 'ANSWERED', 'NO ANSWER', 'BUSY'), amaflags, uniqueid
       FROM ${table} LIMIT ${LAST_HOUR_CALLS}`,
  );
  await db.admin.query(`ANALYZE TABLE ${table}`);
}

interface Sample {
  wallMs: number;
  /** The agent's own collection time (durationMs) and its CDR source's (timings.cdr). */
  collectMs: number;
  cdrMs: number;
  maxRssKb: number;
  exit: number | null;
}

function runReport(preload: string, table: string, port: number): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      ['--import', preload, CLI, 'report', '--format', 'json', '--root', join(REPO, 'test/fixtures/pbxware'), '--asterisk-cmd', ASTERISK, '--db-host', '127.0.0.1', '--db-port', String(port), '--db-user', 'benchreader', '--db-password-env', 'BENCH_DB_PW', '--cdr-table', table],
      { env: { ...process.env, BENCH_DB_PW: PASSWORD }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (exit) => {
      const wallMs = performance.now() - started;
      const m = /BENCH_MAXRSS_KB=(\d+)/.exec(stderr);
      const report = JSON.parse(stdout) as { durationMs: number; timings?: Record<string, number>; cdr: { table: string; error?: string; lastHour: unknown } | null };
      if (!report.cdr || report.cdr.error || !report.cdr.lastHour) return reject(new Error(`the report did not measure ${table}: ${JSON.stringify(report.cdr)}`));
      const cdrMs = report.timings?.cdr;
      if (cdrMs === undefined) return reject(new Error('the report has no timings.cdr'));
      resolve({ wallMs, collectMs: report.durationMs, cdrMs, maxRssKb: m ? Number(m[1]) : NaN, exit });
    });
  });
}

/** The agent's own cdr source over one read-only session, as the collector runs it. */
async function cdrSourceTimer(port: number, table: string): Promise<{ time(): Promise<number>; close(): Promise<void> }> {
  const options = resolveOptions({ cdrTable: table, dbHost: '127.0.0.1', dbPort: String(port), dbUser: 'benchreader', dbPasswordEnv: 'BENCH_DB_PW' });
  const db = await DbSession.open(options.db!, options.timeoutMs);
  const ctx: SourceContext = {
    options,
    run: async () => ({ code: null, stdout: '', stderr: '', error: 'not used' }),
    log: pino({ level: 'silent' }),
    now: () => new Date(),
    product: 'pbxware',
    layout: null,
    db,
    problem: (source, reason) => {
      throw new Error(`${source}: ${reason}`);
    },
  };
  return {
    async time() {
      const draft = { cdr: null } as unknown as AgentFacts;
      const t = performance.now();
      await cdrSource.collect(ctx, draft);
      const ms = performance.now() - t;
      if (!draft.cdr?.lastHour || draft.cdr.error) throw new Error(`the cdr source did not measure ${table}: ${JSON.stringify(draft.cdr)}`);
      if (draft.cdr.lastHour.calls !== LAST_HOUR_CALLS) throw new Error(`${table}: ${draft.cdr.lastHour.calls} calls in the last hour, seeded ${LAST_HOUR_CALLS}`);
      return ms;
    },
    close: () => db.close(),
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'pbxready-bench-'));
  const preload = join(work, 'maxrss.mjs');
  // The child reports its own peak RSS (getrusage) as it exits.
  writeFileSync(preload, "process.on('exit', () => process.stderr.write(`\\nBENCH_MAXRSS_KB=${process.resourceUsage().maxRSS}\\n`));\n");
  const db = await startMariaDb({ bufferPoolMb: 512 });
  try {
    await createReader(db, 'benchreader', PASSWORD);
    await createPbxwareCdr(db);
    const tables: Array<{ rows: number; table: string }> = [];
    for (const rows of sizes) {
      const table = `pbxware.cdr_${rows}`;
      await db.admin.query(`CREATE TABLE ${table} LIKE pbxware.cdr`);
      const t = performance.now();
      await grow(db, table, rows);
      process.stdout.write(`seeded ${table}: ${rows.toLocaleString('en')} rows in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
      tables.push({ rows, table });
    }
    const samples = new Map<string, Sample[]>(tables.map((t) => [t.table, []]));
    // One warm-up each (page cache, MariaDB buffer pool), then interleaved runs so drift hits all sizes alike.
    for (const t of tables) await runReport(preload, t.table, db.port);
    for (let i = 0; i < RUNS; i++) for (const t of tables) samples.get(t.table)!.push(await runReport(preload, t.table, db.port));

    // The CDR source in-process: one warm-up each, then interleaved runs.
    process.env.BENCH_DB_PW = PASSWORD;
    const timers = await Promise.all(tables.map((t) => cdrSourceTimer(db.port, t.table)));
    const cdrInProcess = new Map<string, number[]>(tables.map((t) => [t.table, []]));
    try {
      for (const timer of timers) await timer.time();
      for (let i = 0; i < CDR_RUNS; i++) for (const [j, t] of tables.entries()) cdrInProcess.get(t.table)!.push(await timers[j]!.time());
    } finally {
      await Promise.all(timers.map((t) => t.close()));
    }

    const first = samples.get(tables[0]!.table)!;
    const metrics: Array<{ key: 'cdrMs' | 'collectMs' | 'wallMs'; label: string; judged: boolean }> = [
      // In the spawned report the cdr source runs beside the disks source: printed, judged in-process.
      { key: 'cdrMs', label: 'CDR source ms', judged: false },
      { key: 'collectMs', label: 'collection ms', judged: true },
      { key: 'wallMs', label: 'wall ms', judged: false },
    ];
    const cell = (xs: number[]) => `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}..${Math.max(...xs).toFixed(1)})`;
    let pass = true;
    process.stdout.write(`\npbxready-agent report, ${RUNS} interleaved runs per size: median (min..max)\n`);
    process.stdout.write(`${'CDR rows'.padStart(12)}  ${metrics.map((m) => m.label.padStart(24)).join('  ')}  ${'peak RSS MB'.padStart(11)}\n`);
    for (const t of tables) {
      const s = samples.get(t.table)!;
      const rss = Math.max(...s.map((x) => x.maxRssKb)) / 1024;
      if (!(rss < MAX_RSS_MB)) pass = false;
      process.stdout.write(`${t.rows.toLocaleString('en').padStart(12)}  ${metrics.map((m) => cell(s.map((x) => x[m.key])).padStart(24)).join('  ')}  ${rss.toFixed(1).padStart(11)}\n`);
    }
    process.stdout.write(`\ncdr source in-process (agent/sources/cdr.ts over one read-only session), ${CDR_RUNS} interleaved runs per size: median (min..max)\n`);
    for (const t of tables) process.stdout.write(`${t.rows.toLocaleString('en').padStart(12)}  ${cell(cdrInProcess.get(t.table)!).padStart(24)} ms\n`);
    process.stdout.write('\n');
    for (const t of tables.slice(1)) {
      const ratio = median(cdrInProcess.get(t.table)!) / median(cdrInProcess.get(tables[0]!.table)!);
      if (ratio > MAX_RATIO) pass = false;
      process.stdout.write(`ratio CDR source in-process ${t.rows.toLocaleString('en')}/100k = ${ratio.toFixed(3)} (limit ${MAX_RATIO}; ${ratio <= MAX_RATIO ? 'ok' : 'OVER'})\n`);
    }
    for (const t of tables.slice(1)) {
      const s = samples.get(t.table)!;
      for (const m of metrics) {
        const ratio = median(s.map((x) => x[m.key])) / median(first.map((x) => x[m.key]));
        const ok = ratio <= MAX_RATIO;
        if (m.judged && !ok) pass = false;
        const verdict = m.judged ? (ok ? 'ok' : 'OVER') : m.key === 'wallMs' ? 'not judged: process start-up noise' : 'not judged: shares its time with the disks source; see in-process';
        process.stdout.write(`ratio ${m.label.replace(' ms', '')} ${t.rows.toLocaleString('en')}/100k = ${ratio.toFixed(3)} (limit ${MAX_RATIO}; ${verdict})\n`);
      }
    }
    process.stdout.write(`peak RSS limit ${MAX_RSS_MB} MB\n${pass ? 'PASS' : 'FAIL'}\n`);
    process.exitCode = pass ? 0 : 1;
  } finally {
    await db.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
