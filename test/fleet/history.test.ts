// The history store (real SQLite file) and the choice of drift baseline: only a complete run of
// the same inventory is compared with; `pbxready drift` with no arguments follows the same rule.

import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostSummary } from '../../shared/model.js';
import { hostSummary } from '../fixtures/reports.js';
import { computeDrift, pickRuns } from '../../checker/history/drift.js';
import { SqliteHistory } from '../../checker/history/sqlite.js';
import { REPO } from '../harness/cli.js';
import { requireBuild, runCli, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  requireBuild();
  ({ dir, cleanup } = await tempDir());
});
afterAll(async () => cleanup?.());

const host = (key: string, state: 'open' | 'closed' = 'open'): HostSummary =>
  hostSummary({ key, host: '192.0.2.10', verdict: state === 'open' ? 'ready' : 'not-ready', durationMs: 10, ports: [{ port: 443, state, required: true }] });

function run(store: SqliteHistory, inventory: string, hosts: HostSummary[], status: 'complete' | 'interrupted'): number {
  const id = store.beginRun({ inventory, probes: 'tcp', startedAt: new Date().toISOString() });
  for (const h of hosts) store.recordHost(id, h);
  store.finishRun(id, { status, finishedAt: new Date().toISOString(), hostsTotal: 3, invalidEntries: 0 });
  return id;
}

describe('drift baseline', () => {
  it('two inventories in one database never drift against each other; an interrupted run is skipped', async () => {
    const db = join(dir, 'baseline.db');
    const store = new SqliteHistory(db);
    try {
      const a1 = run(store, '/srv/a.yaml', [host('a1'), host('a2'), host('a3')], 'complete');
      const b1 = run(store, '/srv/b.yaml', [host('b1')], 'complete');
      const aStopped = run(store, '/srv/a.yaml', [host('a1', 'closed')], 'interrupted');
      const a2 = run(store, '/srv/a.yaml', [host('a1'), host('a2'), host('a3', 'closed')], 'complete');
      const b2 = run(store, '/srv/b.yaml', [host('b1')], 'complete');

      // Scan's own drift (to = the run just finished): same inventory, complete runs only.
      const afterA = pickRuns(store, undefined, a2)!;
      expect([afterA.from.id, afterA.to.id]).toEqual([a1, a2]);
      const drift = computeDrift(store, afterA.from, afterA.to);
      // Only the real change: b1 is not "removed", a2/a3 are not "new" after the interrupted run.
      expect(drift.changes.map((c) => [c.key, c.kind, c.before, c.after])).toEqual([
        ['a3', 'port_state', 'open', 'closed'],
        ['a3', 'verdict', 'ready', 'not-ready'],
      ]);
      expect(pickRuns(store, undefined, b2)!.from.id).toBe(b1);
      expect(computeDrift(store, store.getRun(b1)!, store.getRun(b2)!).changes).toEqual([]);
      // The interrupted run is never a baseline, but it may be the later side when named.
      expect(pickRuns(store, undefined, aStopped)!.from.id).toBe(a1);
      expect(pickRuns(store, undefined, a1)).toBeNull();
      // No arguments: the newest complete run (b2) against its own inventory's previous one.
      expect(store.latestRun()!.id).toBe(b2);
      // --since stays explicit: any run the user names.
      expect(pickRuns(store, aStopped, a2)!.from.id).toBe(aStopped);
    } finally {
      store.close();
    }

    const none = await runCli(['drift', '--db', db]);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('Changes from run 2 to run 5: 0\n');
    const a = await runCli(['drift', '--db', db, '--run', '4', '--format', 'json']);
    expect(JSON.parse(a.stdout)).toMatchObject({ fromRun: 1, toRun: 4, changes: [{ key: 'a3', kind: 'port_state' }, { key: 'a3', kind: 'verdict' }] });
  });

  it('a second row for one key in one run is refused, never silently overwritten', () => {
    const store = new SqliteHistory(join(dir, 'unique.db'));
    try {
      const id = store.beginRun({ inventory: '/srv/a.yaml', probes: 'tcp', startedAt: new Date().toISOString() });
      store.recordHost(id, host('a1'));
      expect(() => store.recordHost(id, host('a1', 'closed'))).toThrow(/UNIQUE constraint failed/);
      expect(store.host(id, 'a1')!.verdict).toBe('ready');
    } finally {
      store.close();
    }
  });
});

describe('opening one new database from two processes at once', () => {
  // Two nightly scans can start on the same new --db at the same moment. Both used to see it
  // missing; the one whose set-up lost the race (SQLITE_BUSY while switching to WAL, which
  // busy_timeout does not wait out) removed "its" new file — the one the other was writing to —
  // and the other then failed with SQLITE_IOERR_FSTAT. 1 pair in 8 failed here before.
  it('both open it, 24 times over, and neither removes the other\'s file', async () => {
    const opener = join(dir, 'open-store.mjs');
    await writeFile(
      opener,
      `import { SqliteHistory } from ${JSON.stringify(pathToFileURL(join(REPO, 'dist/checker/history/sqlite.js')).href)};
const store = new SqliteHistory(process.argv[2]);
const id = store.beginRun({ inventory: 'race.txt', probes: 'tcp', startedAt: new Date().toISOString() });
store.finishRun(id, { status: 'complete', finishedAt: new Date().toISOString(), hostsTotal: 0, invalidEntries: 0 });
store.close();
`,
    );
    const open = (db: string) =>
      new Promise<string>((resolve) => execFile(process.execPath, [opener, db], (err, _out, stderr) => resolve(err ? stderr.trim().split('\n')[0]! : '')));
    const failures: string[] = [];
    const completeRuns: number[] = [];
    for (let i = 0; i < 24; i++) {
      const db = join(dir, `race-${i}.db`);
      failures.push(...(await Promise.all([open(db), open(db)])).filter(Boolean));
      const store = new SqliteHistory(db);
      completeRuns.push(store.listRuns().filter((r) => r.status === 'complete').length);
      store.close();
    }
    expect(failures).toEqual([]);
    expect(completeRuns).toEqual(Array(24).fill(2));
  });
});
