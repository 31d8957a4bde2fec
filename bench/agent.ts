// npm run bench:agent — the report's cost must not grow with the CDR table.
// Seeds pbxware.cdr-style tables of 100 k and 2 M rows (10 M with --10m or BENCH_AGENT_10M=1) in a
// real MariaDB, runs `pbxready-agent report` against each (spawned, interleaved, median of N),
// and prints wall time and peak RSS per size, the ratio to 100 k, and PASS/FAIL against
// ratio ≤ 1.2 and peak RSS < 100 MB.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPbxwareCdr, createReader, startMariaDb, type MariaDb } from '../test/harness/mariadb.js';

const REPO = new URL('../..', import.meta.url).pathname;
const CLI = join(REPO, 'dist/agent/cli.js');
const ASTERISK = join(REPO, 'test/fixtures/asterisk/ast20-pjsip/asterisk');
const RUNS = Number(process.env.BENCH_AGENT_RUNS ?? 7);
const MAX_RATIO = 1.2;
const MAX_RSS_MB = 100;
const PASSWORD = 'bench-reader-password';

const sizes = [100_000, 2_000_000, ...(process.argv.includes('--10m') || process.env.BENCH_AGENT_10M === '1' ? [10_000_000] : [])];

const COLS = 'calldate, clid, src, dst, dcontext, channel, dstchannel, lastapp, lastdata, duration, billsec, disposition, amaflags, uniqueid';

/** Grow a table to `target` rows by doubling it onto itself, calls spread over the past year. */
async function grow(db: MariaDb, table: string, target: number): Promise<void> {
  await db.admin.query(`INSERT INTO ${table} (${COLS}) VALUES (NOW() - INTERVAL 1 DAY, '"Ext 1001" <1001>', '1001', '0038733100000', 'from-internal', 'PJSIP/1001-00000001', 'PJSIP/trunk-00000001', 'Dial', 'PJSIP/trunk', 95, 80, 'ANSWERED', 3, 'u1')`);
  let rows = 1;
  while (rows < target) {
    const n = Math.min(rows, target - rows);
    const [res] = (await db.admin.query(
      `INSERT INTO ${table} (${COLS})
       SELECT NOW() - INTERVAL FLOOR(RAND() * 31536000) SECOND, clid, src, CONCAT('00387', FLOOR(RAND() * 100000000)), dcontext, channel, dstchannel, lastapp, lastdata,
              duration, billsec, ELT(1 + FLOOR(RAND() * 5), 'ANSWERED', 'ANSWERED', 'ANSWERED', 'NO ANSWER', 'BUSY'), amaflags, uniqueid
         FROM ${table} LIMIT ${n}`,
    )) as unknown as [{ affectedRows: number }];
    rows += res.affectedRows;
  }
  await db.admin.query(`ANALYZE TABLE ${table}`);
}

interface Sample {
  wallMs: number;
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
      const report = JSON.parse(stdout) as { cdr: { table: string; error?: string; lastHour: unknown } | null };
      if (!report.cdr || report.cdr.error || !report.cdr.lastHour) return reject(new Error(`the report did not measure ${table}: ${JSON.stringify(report.cdr)}`));
      resolve({ wallMs, maxRssKb: m ? Number(m[1]) : NaN, exit });
    });
  });
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

    const base = median(samples.get(tables[0]!.table)!.map((s) => s.wallMs));
    let pass = true;
    process.stdout.write(`\npbxready-agent report, median of ${RUNS} runs per size (spawned CLI, wall time and peak RSS)\n`);
    process.stdout.write(`${'CDR rows'.padStart(12)}  ${'wall ms'.padStart(9)}  ${'min..max ms'.padStart(13)}  ${'peak RSS MB'.padStart(11)}  ${'× 100k'.padStart(7)}\n`);
    for (const t of tables) {
      const s = samples.get(t.table)!;
      const wall = median(s.map((x) => x.wallMs));
      const rss = Math.max(...s.map((x) => x.maxRssKb)) / 1024;
      const ratio = wall / base;
      if (rss >= MAX_RSS_MB || (t.rows !== tables[0]!.rows && ratio > MAX_RATIO)) pass = false;
      const range = `${Math.round(Math.min(...s.map((x) => x.wallMs)))}..${Math.round(Math.max(...s.map((x) => x.wallMs)))}`;
      process.stdout.write(`${t.rows.toLocaleString('en').padStart(12)}  ${wall.toFixed(0).padStart(9)}  ${range.padStart(13)}  ${rss.toFixed(1).padStart(11)}  ${ratio.toFixed(2).padStart(7)}\n`);
    }
    const big = tables.find((t) => t.rows === 2_000_000)!;
    const ratio2m = median(samples.get(big.table)!.map((s) => s.wallMs)) / base;
    process.stdout.write(`\nratio 2M/100k = ${ratio2m.toFixed(3)} (limit ${MAX_RATIO}); peak RSS limit ${MAX_RSS_MB} MB\n${pass ? 'PASS' : 'FAIL'}\n`);
    process.exitCode = pass ? 0 : 1;
  } finally {
    await db.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
