// Emergency evidence the vendor would accept, through the real agent CLI against a real MariaDB:
// a call centre's unanswered calls are no emergency; calls unable to pass are; a silent hour
// against four normal weeks is a collapsed call volume; and every query is a calldate range.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AgentReport } from '../../shared/model.js';
import { lastHourSql, sameHourSql } from '../../agent/sources/cdr.js';
import { createPbxwareCdr, createReader, insertCalls, startMariaDb, type Call, type MariaDb } from '../harness/mariadb.js';
import { ASTERISK, cleanupRoots, codes, fixtureRoot, runCli } from './helpers.js';

let db: MariaDb;
const HOUR = 3600;
const WEEK = 7 * 86400;

/** Ordinary traffic: `n` calls spread over the past `days` days, none in the last two hours. */
function background(n: number, days: number): Call[] {
  return Array.from({ length: n }, (_, i) => ({ secondsAgo: 2 * HOUR + Math.floor((i * days * 86400) / n), disposition: i % 4 === 0 ? 'NO ANSWER' : 'ANSWERED' }));
}

/** `n` calls within the last hour, dispositions as given (count each). */
function lastHour(mix: Record<string, number>): Call[] {
  const out: Call[] = [];
  for (const [disposition, n] of Object.entries(mix)) for (let i = 0; i < n; i++) out.push({ secondsAgo: 120 + ((out.length * 53) % 3300), disposition });
  return out;
}

/** `n` calls in the same hour of the day k weeks ago, for k = 1..4. */
function sameHourEachWeek(perWeek: number[]): Call[] {
  const out: Call[] = [];
  perWeek.forEach((n, w) => {
    for (let i = 0; i < n; i++) out.push({ secondsAgo: (w + 1) * WEEK + 120 + Math.floor((i * 3300) / n), disposition: i % 3 === 0 ? 'NO ANSWER' : 'ANSWERED' });
  });
  return out;
}

beforeAll(async () => {
  db = await startMariaDb();
  await createReader(db, 'pbxreader', 'Fixture-Pbxware-Db-S3cret');
  for (const t of ['callcentre', 'trunkdown', 'silent']) await createPbxwareCdr(db, `pbx_${t}`);
  // A busy call centre: more than half its calls unanswered or busy, 3 failed — a healthy hour.
  await insertCalls(db, 'pbx_callcentre.cdr', [...background(3000, 35), ...lastHour({ ANSWERED: 25, 'NO ANSWER': 20, BUSY: 12, FAILED: 3 })]);
  // A trunk down for outbound: half the calls cannot pass.
  await insertCalls(db, 'pbx_trunkdown.cdr', [...background(3000, 35), ...lastHour({ ANSWERED: 20, FAILED: 10, CONGESTION: 8, CHANUNAVAIL: 2 })]);
  // Four normal weeks (about 40 calls at this hour each week) and a last hour with 2 calls.
  await insertCalls(db, 'pbx_silent.cdr', [...background(3000, 35), ...sameHourEachWeek([40, 44, 36, 40]), ...lastHour({ ANSWERED: 2 })]);
});

afterAll(async () => {
  await db?.stop();
  cleanupRoots();
});

async function report(table: string): Promise<{ r: AgentReport; code: number | null }> {
  const res = await runCli(['report', '--format', 'json', '--root', fixtureRoot('pbxware'), '--asterisk-cmd', ASTERISK.pjsip20, '--db-host', '127.0.0.1', '--db-port', String(db.port), '--cdr-table', table]);
  expect(res.stderr).toBe('');
  return { r: JSON.parse(res.stdout) as AgentReport, code: res.code };
}

describe('the last hour per disposition', () => {
  test('a call centre with many NO ANSWER/BUSY calls: no emergency, and every disposition counted', async () => {
    const { r } = await report('pbx_callcentre.cdr');
    expect(r.cdr!.lastHour).toEqual({ calls: 60, failed: 3, failedRatio: 0.05, dispositions: { ANSWERED: 25, 'NO ANSWER': 20, BUSY: 12, FAILED: 3 } });
    expect(codes(r)).not.toContain('EMERGENCY_CRITERIA_MET');
    expect(codes(r)).not.toContain('CALL_VOLUME_COLLAPSED');
  });

  test('half the calls FAILED/CONGESTION/CHANUNAVAIL: the vendor\'s criterion is met, named, with the figures; exit 2', async () => {
    const { r, code } = await report('pbx_trunkdown.cdr');
    expect(r.cdr!.lastHour).toMatchObject({ calls: 40, failed: 20, failedRatio: 0.5, dispositions: { ANSWERED: 20, FAILED: 10, CONGESTION: 8, CHANUNAVAIL: 2 } });
    const met = r.findings.filter((f) => f.code === 'EMERGENCY_CRITERIA_MET');
    expect(met).toHaveLength(1);
    expect(met[0]!.message).toContain('"50% of calls or more unable to pass" is met: 20 of 40 calls in the last hour could not pass (50%');
    expect(met[0]!.message).toContain('ANSWERED 20, FAILED 10, CONGESTION 8, CHANUNAVAIL 2');
    expect(code).toBe(2);
  });
});

describe('call volume against the same hour of the previous four weeks', () => {
  test('four normal weeks and a silent hour: CALL_VOLUME_COLLAPSED with both figures, and the emergency criterion', async () => {
    const { r } = await report('pbx_silent.cdr');
    // The background adds about 3.6 calls an hour to each week's window.
    expect(r.cdr!.sameHourBefore).toHaveLength(4);
    const weeks = r.cdr!.sameHourBefore!;
    for (const [i, n] of [40, 44, 36, 40].entries()) expect(weeks[i]).toBeGreaterThanOrEqual(n);
    for (const [i, n] of [40, 44, 36, 40].entries()) expect(weeks[i]).toBeLessThanOrEqual(n + 6);
    expect(r.cdr!.lastHour).toMatchObject({ calls: 2, failed: 0 });
    const collapsed = r.findings.find((f) => f.code === 'CALL_VOLUME_COLLAPSED');
    expect(collapsed?.message).toMatch(/^Only 2 call\(s\) in the last hour, \d% of the usual \d+(\.\d)? at this hour \(same hour, same weekday, last 4 week\(s\): \d+, \d+, \d+, \d+\)\.$/);
    expect(r.findings.find((f) => f.code === 'EMERGENCY_CRITERIA_MET')?.message).toMatch(/only 2 call\(s\) in the last hour against \d+(\.\d)? usually at this hour/);
  });

  test('a table younger than the weeks asked for: only the covered weeks count, too few → no judgement', async () => {
    const { r } = await report('pbx_callcentre.cdr'); // 35 days of history: four weeks covered
    expect(r.cdr!.sameHourBefore).toHaveLength(4);
    await createPbxwareCdr(db, 'pbx_young');
    await insertCalls(db, 'pbx_young.cdr', [...background(500, 10), ...lastHour({ ANSWERED: 1 })]);
    const young = await report('pbx_young.cdr');
    expect(young.r.cdr!.sameHourBefore).toHaveLength(1);
    expect(codes(young.r)).not.toContain('CALL_VOLUME_COLLAPSED');
  });
});

test('EXPLAIN: the per-disposition hour and the four weekly windows are range scans of the calldate index', async () => {
  for (const sql of [lastHourSql('pbx_silent.cdr'), sameHourSql('pbx_silent.cdr'), lastHourSql('pbx_callcentre.cdr'), sameHourSql('pbx_callcentre.cdr')]) {
    const [plan] = (await db.admin.query(`EXPLAIN ${sql}`)) as unknown as [Array<{ type: string; key: string | null }>];
    expect(plan.length).toBe(1);
    expect(plan[0]!.key).toBe('calldate');
    expect(plan[0]!.type).toBe('range');
  }
});
