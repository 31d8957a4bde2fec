// `pbxready scan` end to end: the CLI spawned against real loopback servers and a real network
// namespace whose firewall drops (filtered, dead host) or resets (closed) ports.

import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckReport } from '../../shared/model.js';
import { createNetns, type TestNetns } from '../harness/netns.js';
import { closedPort, startSilentServer, type TestServer } from '../harness/servers.js';
import { SqliteHistory } from '../../checker/history/sqlite.js';
import { CLI, requireBuild, runCli, startCli, tempDir } from './helpers.js';

const NS_OPEN = 18080;
const NS_DROP = 18081;
const NS_RESET = 18082;

let ns: TestNetns;
let open: TestServer;
let tarpit: TestServer;
let closed: number;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  requireBuild();
  ({ dir, cleanup } = await tempDir());
  ns = await createNetns({ open: [NS_OPEN], drop: [NS_DROP], reset: [NS_RESET] });
  open = await startSilentServer();
  tarpit = await startSilentServer();
  closed = await closedPort();
});

afterAll(async () => {
  await ns?.stop();
  await open?.stop();
  await tarpit?.stop();
  await cleanup?.();
});

const ndjson = (stdout: string) => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as CheckReport);

function inventory(): string {
  return [
    '# nightly fleet',
    `127.0.0.1 pbxware name=lo-open customer=acme tags=lab ports=${open.port}`,
    `127.0.0.1 name=lo-closed customer=acme tags=lab ports=${open.port},${closed}`,
    'this is not a host line',
    `${ns.address} name=ns-mixed customer=beta tags=ns ports=${NS_OPEN},${NS_DROP},${NS_RESET}`,
    `${ns.deadAddress} name=ns-dead customer=beta ports=${NS_OPEN},${NS_DROP}`,
    '10.0.0.300',
  ].join('\n');
}

describe('pbxready scan --probes tcp', () => {
  it('streams one report per host, skips bad lines by number, records the run, exits with the worst verdict', async () => {
    const inv = join(dir, 'fleet.txt');
    await writeFile(inv, inventory());
    const db = join(dir, 'a.db');
    const t0 = Date.now();
    const r = await runCli(['scan', '--inventory', inv, '--probes', 'tcp', '--allow-private', '--format', 'ndjson', '--db', db, '--timeout-ms', '1000']);
    const seconds = (Date.now() - t0) / 1000;
    expect(r.stderr).toContain('Inventory line 4 skipped: unexpected "is"');
    expect(r.stderr).toContain('Inventory line 7 skipped: "10.0.0.300" is neither an IP address nor a host name');
    const reports = ndjson(r.stdout);
    expect(reports.map((x) => x.kind)).toEqual(['check', 'check', 'check', 'check']);
    const byAddr = (a: string, n: number) => reports.find((x) => x.target.host === a && x.ports.filter((p) => p.required).length === n)!;

    const loOpen = byAddr('127.0.0.1', 1);
    expect(loOpen.verdict).toBe('ready');
    const loClosed = byAddr('127.0.0.1', 2);
    expect(loClosed.ports.find((p) => p.port === closed)).toMatchObject({ state: 'closed', required: true });
    expect(loClosed.verdict).toBe('not-ready');

    const mixed = byAddr(ns.address, 3);
    const state = (rep: CheckReport, port: number) => rep.ports.find((p) => p.port === port)!;
    expect(state(mixed, NS_OPEN).state).toBe('open');
    expect(state(mixed, NS_RESET).state).toBe('closed');
    const dropped = state(mixed, NS_DROP);
    expect(dropped.state).toBe('filtered');
    // Retried once; both attempts kept as evidence. The retry waits twice the host's own RTT
    // estimate (it answered on the other ports), within the 100 ms floor and the 1000 ms ceiling.
    expect(dropped.attempts).toHaveLength(2);
    expect(dropped.attempts!.map((a) => a.state)).toEqual(['filtered', 'filtered']);
    const waited = dropped.attempts!.map((a) => Number(/within (\d+) ms/.exec(a.reason)?.[1]));
    expect(waited[0]).toBeGreaterThanOrEqual(100);
    expect(waited[0]).toBeLessThanOrEqual(1000);
    expect(waited[1]).toBeGreaterThanOrEqual(100);
    expect(waited[1]).toBeLessThanOrEqual(1000);

    const dead = byAddr(ns.deadAddress, 2);
    expect(dead.findings.map((f) => f.code)).toContain('HOST_UNREACHABLE');
    expect(dead.ports.every((p) => p.state === 'filtered' && p.attempts?.length === 2)).toBe(true);

    expect(r.code).toBe(2); // worst verdict: not-ready
    expect(seconds).toBeLessThan(15); // dead host: at most 2 attempts × 1 s ceiling per port

    const store = new SqliteHistory(db);
    try {
      const [run] = store.listRuns();
      expect(run).toMatchObject({ status: 'complete', hostsTotal: 4, hostsDone: 4, invalidEntries: 2, verdicts: { ready: 1, 'not-ready': 3 } });
      expect(store.host(run!.id, 'beta/ns-mixed')!.ports.filter((p) => p.required).map((p) => p.state)).toEqual(['open', 'filtered', 'closed']);
    } finally {
      store.close();
    }
  });

  it('text format: no progress bar when piped, a summary with counts worst first; a tarpit does not stall a full scan', async () => {
    const inv = join(dir, 'fleet.csv');
    await writeFile(inv, `host,name,customer,ports\n127.0.0.1,tarpit,acme,${tarpit.port}\n127.0.0.1,closed,acme,${closed}\n`);
    const t0 = Date.now();
    const r = await runCli(['scan', '--inventory', inv, '--allow-private', '--db', join(dir, 'text.db'), '--timeout-ms', '1500']);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.stderr).not.toContain('\r[');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^pbxready scan: 2 of 2 hosts in [\d.]+ s \(run 1, /);
    expect(lines.slice(1, 5).map((l) => l.trim().split(/\s+/))).toEqual([
      ['not-ready', '1'],
      ['unknown', '0'],
      ['warnings', '0'],
      ['ready', '1'],
    ]);
    expect(r.stdout).toMatch(/Worst hosts:\n {2}NOT-READY +acme\/closed \(127\.0\.0\.1\) +PORT_CLOSED/);
    expect(r.code).toBe(2);
  });

  it('drift between two runs goes to the webhook as JSON with Slack text; history and drift list it', async () => {
    const received: Array<{ headers: IncomingMessage['headers']; body: Record<string, unknown> }> = [];
    const hook: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(body) as Record<string, unknown> });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(hook.address() as { port: number }).port}/services/T000/B000/secret-token`;
    try {
      const movable = await startSilentServer();
      const inv = join(dir, 'drift.txt');
      const db = join(dir, 'drift.db');
      await writeFile(inv, `127.0.0.1 name=pbx1 customer=acme ports=${movable.port}\n127.0.0.1 name=pbx2 customer=acme ports=${open.port}\n`);
      const args = ['scan', '--inventory', inv, '--probes', 'tcp', '--allow-private', '--db', db, '--format', 'ndjson', '--notify-webhook', url];
      const first = await runCli(args);
      expect(first.code).toBe(0);
      expect(received).toHaveLength(0); // nothing to compare with yet
      await movable.stop();
      const second = await runCli(args);
      expect(second.code).toBe(2);
      expect(second.stdout + second.stderr).not.toContain('secret-token');
      expect(received).toHaveLength(1);
      const body = received[0]!.body as { text: string; fromRun: number; toRun: number; changes: Array<{ key: string; kind: string; before: string; after: string; port?: number }> };
      expect(received[0]!.headers['content-type']).toBe('application/json');
      expect(body.fromRun).toBe(1);
      expect(body.toRun).toBe(2);
      expect(body.changes.map((c) => [c.key, c.kind, c.before, c.after])).toEqual([
        ['acme/pbx1', 'port_state', 'open', 'closed'],
        ['acme/pbx1', 'verdict', 'ready', 'not-ready'],
      ]);
      expect(body.text).toContain('pbxready: 2 change(s) between run 1 and run 2');
      expect(body.text).toContain(`acme/pbx1: port ${movable.port} open → closed`);

      const third = await runCli(args); // same state again: nothing changed, nothing posted
      expect(third.code).toBe(2);
      expect(received).toHaveLength(1);

      const history = await runCli(['history', '--db', db]);
      expect(history.stdout.split('\n').filter((l) => /^\d+ /.test(l)).map((l) => l.split(/\s+/).slice(0, 3))).toEqual([
        ['3', expect.any(String), 'complete'],
        ['2', expect.any(String), 'complete'],
        ['1', expect.any(String), 'complete'],
      ]);
      const drift = await runCli(['drift', '--db', db, '--since', '1', '--format', 'json']);
      expect(JSON.parse(drift.stdout)).toMatchObject({ fromRun: 1, toRun: 3, changes: [{ kind: 'port_state' }, { kind: 'verdict' }] });
      const none = await runCli(['drift', '--db', db]);
      expect(none.stdout).toContain('Changes from run 2 to run 3: 0');
    } finally {
      await new Promise<void>((r) => hook.close(() => r()));
    }
  });

  it('--notify-webhook-env VAR: the URL comes from the environment, is posted to, and never appears in any output', async () => {
    const received: string[] = [];
    const hook: Server = createServer((req, res) => {
      received.push(req.url ?? '');
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const token = 'T0ENV/B0ENV/env-secret-token';
    const url = `http://127.0.0.1:${(hook.address() as { port: number }).port}/services/${token}`;
    const movable = await startSilentServer();
    try {
      const inv = join(dir, 'envhook.txt');
      const db = join(dir, 'envhook.db');
      await writeFile(inv, `127.0.0.1 name=pbx1 ports=${movable.port}\n`);
      const args = ['scan', '--inventory', inv, '--probes', 'tcp', '--allow-private', '--db', db, '--notify-webhook-env', 'PBXREADY_WEBHOOK'];
      const first = await runCli(args, { PBXREADY_WEBHOOK: url });
      await movable.stop();
      const second = await runCli(args, { PBXREADY_WEBHOOK: url });
      expect(received).toEqual([`/services/${token}`]);
      // Unreachable webhook: the failure is reported, the URL is not.
      const closedUrl = `http://127.0.0.1:${closed}/services/${token}`;
      await writeFile(inv, `127.0.0.1 name=pbx1 ports=${open.port}\n`);
      const third = await runCli(args, { PBXREADY_WEBHOOK: closedUrl });
      expect(third.stderr).toContain('pbxready scan: drift not delivered: the webhook could not be reached');
      const all = [first, second, third].map((r) => r.stdout + r.stderr).join('\n');
      expect(all).toContain('Changes since run 1: 2');
      for (const secret of [token, 'env-secret-token', url, closedUrl]) expect(all).not.toContain(secret);
      const missing = await runCli(args, { PBXREADY_WEBHOOK: undefined });
      expect(missing.code).toBe(3);
      expect(missing.stderr).toBe('pbxready: --notify-webhook-env: environment variable PBXREADY_WEBHOOK is not set or empty\n');
      const notUrl = await runCli(args, { PBXREADY_WEBHOOK: 'env-secret-token' });
      expect(notUrl.code).toBe(3);
      expect(notUrl.stderr).toBe('pbxready: --notify-webhook-env: not a URL\n');
    } finally {
      await movable.stop();
      await new Promise<void>((r) => hook.close(() => r()));
    }
  });

  it('two scans into one database at once both complete (WAL + busy timeout)', async () => {
    const db = join(dir, 'shared.db');
    const inv = join(dir, 'many.txt');
    const lines = Array.from({ length: 60 }, (_, i) => `127.0.0.${(i % 50) + 1} name=h${i} ports=${open.port},${closed}`);
    await writeFile(inv, lines.join('\n'));
    const args = ['scan', '--inventory', inv, '--probes', 'tcp', '--allow-private', '--db', db, '--format', 'ndjson'];
    const [a, b] = await Promise.all([runCli(args), runCli(args)]);
    expect(a.stderr).toBe('');
    expect(b.stderr).toBe('');
    expect(ndjson(a.stdout)).toHaveLength(60);
    expect(ndjson(b.stdout)).toHaveLength(60);
    const store = new SqliteHistory(db);
    try {
      const runs = store.listRuns();
      expect(runs.map((r) => [r.status, r.hostsDone])).toEqual([
        ['complete', 60],
        ['complete', 60],
      ]);
    } finally {
      store.close();
    }
  });

  it('SIGTERM stops the scan: finished hosts kept and recorded, the run marked interrupted', async () => {
    const db = join(dir, 'term.db');
    const inv = join(dir, 'term.txt');
    // One fast host, then dead hosts that each take seconds (5 s ceiling, nothing ever answers).
    const lines = [`127.0.0.1 name=fast ports=${open.port}`, ...Array.from({ length: 20 }, (_, i) => `${ns.deadAddress} name=dead${i} ports=${NS_DROP}`)];
    await writeFile(inv, lines.join('\n'));
    const timeoutMs = 5000;
    const { child, done } = startCli(['scan', '--inventory', inv, '--probes', 'tcp', '--allow-private', '--db', db, '--format', 'ndjson', '--timeout-ms', String(timeoutMs), '--concurrency', '2']);
    let out = '';
    await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => ((out += d.toString()), out.includes('\n') && resolve())));
    const t0 = Date.now();
    child.kill('SIGTERM');
    const r = await done;
    expect(Date.now() - t0).toBeLessThan(timeoutMs); // it did not wait for the probes in flight
    expect(r.code).toBe(1); // ready host + interrupted run (a warning)
    expect(ndjson(r.stdout).map((x) => x.target.host)).toEqual(['127.0.0.1']);
    expect(r.stderr).toContain('SCAN_INTERRUPTED The scan was interrupted after 1 of 21 hosts.');
    const store = new SqliteHistory(db);
    try {
      const [run] = store.listRuns();
      expect(run).toMatchObject({ status: 'interrupted', hostsDone: 1, hostsTotal: 21 });
    } finally {
      store.close();
    }
  });

  it('a repeated inventory key is skipped before it is scanned, as "duplicate of line N"', async () => {
    const inv = join(dir, 'dupes.txt');
    const db = join(dir, 'dupes.db');
    await writeFile(inv, [`127.0.0.1 name=pbx1 customer=acme ports=${open.port}`, `127.0.0.1 name=pbx1 customer=acme ports=${closed}`, `127.0.0.1 name=pbx2 customer=acme ports=${open.port}`].join('\n'));
    const r = await runCli(['scan', '--inventory', inv, '--probes', 'tcp', '--allow-private', '--db', db, '--format', 'ndjson']);
    expect(r.stderr.trim()).toBe('INVENTORY_ENTRY_INVALID Inventory line 2 skipped: duplicate of line 1 (key "acme/pbx1").');
    // Only the first pbx1 (its open port) was checked: the closed-port duplicate never ran.
    const reports = ndjson(r.stdout);
    expect(reports).toHaveLength(2);
    expect(reports.every((x) => x.verdict === 'ready')).toBe(true);
    expect(r.code).toBe(1); // a skipped entry is a warning
    const store = new SqliteHistory(db);
    try {
      const [run] = store.listRuns();
      expect(run).toMatchObject({ status: 'complete', hostsTotal: 2, hostsDone: 2, invalidEntries: 1 });
      expect(store.host(run!.id, 'acme/pbx1')!.ports.filter((p) => p.required).map((p) => [p.port, p.state])).toEqual([[open.port, 'open']]);
    } finally {
      store.close();
    }
  });

  it('a broken YAML/JSON document or an empty inventory is bad input: one line with file and line, exit 3, no run begun', async () => {
    const db = join(dir, 'broken.db');
    const yaml = join(dir, 'broken.yaml');
    await writeFile(yaml, `hosts:\n  - host: 127.0.0.1\n    name: a\n   ports: [${open.port}\n`);
    const json = join(dir, 'broken.json');
    await writeFile(json, '[\n  {"host": "127.0.0.1"},\n  {"host": "127.0.0.2" "name": "b"}\n]\n');
    const empty = join(dir, 'empty.txt');
    await writeFile(empty, '# nothing yet\n\n');
    const emptyYaml = join(dir, 'empty.yaml');
    await writeFile(emptyYaml, 'hosts: []\n');
    const scan = (inv: string) => runCli(['scan', '--inventory', inv, '--probes', 'tcp', '--allow-private', '--db', db]);
    const y = await scan(yaml);
    expect(y.code).toBe(3);
    expect(y.stderr).toMatch(new RegExp(`^pbxready: --inventory ${yaml}: line 4: not valid YAML/JSON: [^\n]+\n$`));
    const j = await scan(json);
    expect(j.code).toBe(3);
    expect(j.stderr).toMatch(new RegExp(`^pbxready: --inventory ${json}: line 3: not valid YAML/JSON: [^\n]+\n$`));
    for (const inv of [empty, emptyYaml]) {
      const e = await scan(inv);
      expect(e.code).toBe(3);
      expect(e.stderr).toBe(`pbxready: --inventory ${inv}: no hosts in it\n`);
    }
    expect(y.stdout + j.stdout).toBe('');
    const store = new SqliteHistory(db);
    try {
      expect(store.listRuns()).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('a second signal exits at once (130), with the run recorded as interrupted, not left running', async () => {
    const db = join(dir, 'twice.db');
    const inv = join(dir, 'twice.txt');
    // Enough reports to fill the stdout pipe nobody reads (a paused `| less`): the scan waits for
    // the reader, so the first signal cannot finish it; the second must leave, recording the run.
    const lines = ['127.0.0.1 name=bad colour=blue', ...Array.from({ length: 400 }, (_, i) => `127.0.0.${(i % 200) + 1} name=h${i} ports=${open.port},${closed}`)];
    await writeFile(inv, lines.join('\n'));
    const child = spawn(process.execPath, [CLI, 'scan', '--inventory', inv, '--probes', 'tcp', '--allow-private', '--db', db, '--format', 'ndjson'], { env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pause();
    let stderr = '';
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const stderrSays = (text: string) => new Promise<void>((resolve) => {
      const check = () => stderr.includes(text) && resolve();
      child.stderr.on('data', (d: Buffer) => ((stderr += d.toString()), check()));
      check();
    });
    await stderrSays('INVENTORY_ENTRY_INVALID');
    // Wait until the pipe is full and the scan is blocked on it.
    for (let hosts = -1; ; ) {
      await new Promise((r) => setTimeout(r, 300));
      const store = new SqliteHistory(db);
      const done = store.listRuns()[0]?.hostsDone ?? 0;
      store.close();
      if (done === hosts && done > 0) break;
      hosts = done;
    }
    child.kill('SIGINT');
    await stderrSays('pbxready scan: SIGINT: stopping; finished hosts are kept\n');
    await new Promise((r) => setTimeout(r, 300));
    expect(child.exitCode).toBeNull(); // still blocked behind the reader
    child.kill('SIGTERM');
    expect(await exited).toBe(130);
    child.stdout.destroy();
    expect(stderr).toMatch(/pbxready scan: SIGTERM again: exiting now; run 1 recorded as interrupted\n$/);
    const store = new SqliteHistory(db);
    try {
      const [run] = store.listRuns();
      expect(run).toMatchObject({ status: 'interrupted', hostsTotal: 400, invalidEntries: 1 });
      expect(run!.hostsDone).toBeGreaterThan(0);
      expect(run!.hostsDone).toBeLessThan(400);
      expect(run!.finishedAt).not.toBeNull();
    } finally {
      store.close();
    }
  });

  it('bad flags and a missing inventory are one line on stderr, exit 3', async () => {
    const missing = await runCli(['scan', '--inventory', join(dir, 'nope.txt'), '--db', join(dir, 'x.db')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr.trim()).toBe(`pbxready: --inventory ${join(dir, 'nope.txt')}: no such file`);
    const badProbes = await runCli(['scan', '--inventory', 'x', '--probes', 'udp']);
    expect(badProbes.code).toBe(3);
    expect(badProbes.stderr.trim()).toBe('pbxready: --probes "udp" is not one of: full, tcp');
  });
});
