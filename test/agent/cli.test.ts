// pbxready-agent as a user runs it: formats, exit codes, bad input, snapshot/diff, a run as an
// unprivileged user, and no secret in any output.

import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AgentReport } from '../../shared/model.js';
import { createIssabelCdr, createPbxwareCdr, createReader, seedCalls, startMariaDb, type MariaDb } from '../harness/mariadb.js';
import { installAgentCopy } from '../harness/agent-copy.js';
import { runCli as runBuiltCli } from '../harness/cli.js';
import { ASTERISK, cleanupRoots, fixtureRoot, runCli } from './helpers.js';

let db: MariaDb;
const work = mkdtempSync(join(tmpdir(), 'pbxready-agent-cli-'));

const SECRETS = {
  pbxwareDb: 'Fixture-Pbxware-Db-S3cret',
  pbxwareAmi: 'Fixture-Pbxware-Ami-S3cret',
  confSecret: 'Fixture-Conf-Trunk-S3cret',
  issabelRoot: 'Fixture-Issabel-Root-Pw',
  issabelAmi: 'Fixture-Issabel-Ami-S3cret',
  ampDb: 'Fixture-Amp-Db-S3cret',
  envPassword: 'Env-Given-Db-S3cret-1234',
};

beforeAll(async () => {
  db = await startMariaDb();
  await createReader(db, 'pbxreader', SECRETS.pbxwareDb);
  await createReader(db, 'asteriskuser', SECRETS.ampDb);
  await createReader(db, 'envreader', SECRETS.envPassword);
  await createPbxwareCdr(db);
  await seedCalls(db, 'pbxware.cdr', { lastHour: 4, lastHourFailed: 1, older: 200 });
  await createIssabelCdr(db);
  await seedCalls(db, 'asteriskcdrdb.cdr', { lastHour: 12, lastHourFailed: 9, older: 100 });
});

afterAll(async () => {
  await db?.stop();
  cleanupRoots();
  rmSync(work, { recursive: true, force: true });
});

const tcp = () => ['--db-host', '127.0.0.1', '--db-port', String(db.port)];

describe('report', () => {
  test('--format json carries every field of the contract; exit code follows the verdict', async () => {
    const res = await runCli(['report', '--format', 'json', '--root', fixtureRoot('pbxware'), '--asterisk-cmd', ASTERISK.pjsip20, ...tcp()]);
    const r = JSON.parse(res.stdout) as AgentReport;
    for (const k of ['schemaVersion', 'tool', 'generatedAt', 'host', 'product', 'asterisk', 'disks', 'database', 'cdr', 'listening', 'findings', 'verdict']) expect(r).toHaveProperty(k);
    for (const k of ['hostname', 'os', 'kernel', 'uptimeSeconds']) expect(r.host).toHaveProperty(k);
    for (const k of ['version', 'running', 'activeCalls', 'endpoints', 'trunks']) expect(r.asterisk).toHaveProperty(k);
    for (const k of ['table', 'engine', 'rows', 'rowsExact', 'dataBytes', 'indexBytes', 'oldest', 'newest', 'lastHour']) expect(r.cdr).toHaveProperty(k);
    for (const k of ['mount', 'sizeBytes', 'usedBytes', 'availBytes', 'usePercent', 'holds']) expect(r.disks[0]).toHaveProperty(k);
    expect(r.cdr!.lastHour).toEqual({ calls: 4, failed: 1, failedRatio: 0.25, dispositions: { ANSWERED: 3, FAILED: 1 } });
    // Warnings only (trunk rejected, endpoints, custom development): exit 1.
    expect(r.verdict).toBe('warnings');
    expect(res.code).toBe(1);
  });

  test('text, markdown and html present the same facts; --output writes the file', async () => {
    const root = fixtureRoot('pbxware');
    const text = await runCli(['report', '--root', root, '--asterisk-cmd', ASTERISK.pjsip20, ...tcp()]);
    expect(text.stdout).toContain('READY WITH WARNINGS');
    expect(text.stdout).toContain('pbxware.cdr');
    expect(text.stdout).toContain('provider-backup');
    const md = await runCli(['report', '--format', 'markdown', '--root', root, '--asterisk-cmd', ASTERISK.pjsip20, ...tcp()]);
    expect(md.stdout).toMatch(/^#/m);
    expect(md.stdout).toContain('| /');
    const out = join(work, 'report.html');
    const html = await runCli(['report', '--format', 'html', '--output', out, '--root', root, '--asterisk-cmd', ASTERISK.pjsip20, ...tcp()]);
    expect(html.stdout).toBe('');
    const page = readFileSync(out, 'utf8');
    expect(page).toContain('<html');
    expect(page).toContain('TRUNK_UNREGISTERED');
  });

  test('the emergency criterion makes the verdict not-ready: exit 2', async () => {
    const res = await runCli(['report', '--format', 'json', '--root', fixtureRoot('issabel'), '--asterisk-cmd', ASTERISK.chansip18, ...tcp()]);
    const r = JSON.parse(res.stdout) as AgentReport;
    expect(r.findings.map((f) => f.code)).toContain('EMERGENCY_CRITERIA_MET');
    expect(res.code).toBe(2);
  });

  test.each([
    [['report', '--format', 'xml'], /unknown format "xml"/],
    [['report', '--cdr-table', 'cdr; DROP TABLE x'], /--cdr-table .* must be DB\.TABLE/],
    [['report', '--config', '/nonexistent/agent.json'], /--config \/nonexistent\/agent.json: ENOENT/],
    [['report', '--db-password-env', 'PBXREADY_UNSET_VAR'], /PBXREADY_UNSET_VAR is not set/],
    [['report', '--db-port', '70000'], /--db-port "70000" is not a port/],
    [['report', '--log-level', 'loud'], /--log-level "loud"/],
    [['report', '--root', '/nonexistent/pbx-root'], /^pbxready-agent: --root \/nonexistent\/pbx-root: no such directory$/m],
    [['report', '--root', '/etc/passwd'], /--root \/etc\/passwd: not a directory/],
    [['snapshot', '--root', '/etc/passwd'], /--root \/etc\/passwd: not a directory/],
    [['report', '--bogus'], /Unknown argument/i],
    [['serve', '--listen', 'nowhere'], /--listen "nowhere" must be ADDR:PORT/],
    [['serve'], /--token-file is required/],
    [['diff', '/nonexistent/a.json', '/nonexistent/b.json'], /no such file/],
  ])('bad input %j: one line on stderr, exit 3', async (args, message) => {
    const res = await runCli(args as string[]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(message as RegExp);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });
});

test('snapshot twice, then diff: Asterisk stopping shows in versions, endpoints, trunks and findings', async () => {
  const root = fixtureRoot('pbxware');
  const state = join(work, 'state');
  const first = await runCli(['snapshot', '--state-dir', state, '--root', root, '--asterisk-cmd', ASTERISK.pjsip20, ...tcp()]);
  expect(first.code).toBe(0);
  const second = await runCli(['snapshot', '--state-dir', state, '--root', root, '--asterisk-cmd', ASTERISK.down, ...tcp()]);
  expect(second.code).toBe(0);
  const files = readdirSync(state).filter((f) => f.endsWith('.json'));
  expect(files).toHaveLength(2);
  for (const f of files) expect(statSync(join(state, f)).mode & 0o777).toBe(0o600);
  expect(readdirSync(state).some((f) => f.endsWith('.tmp'))).toBe(false);
  expect(first.stdout.trim()).toBe(join(state, files.sort()[0]!));

  const diff = await runCli(['diff', '--state-dir', state, '--format', 'json']);
  expect(diff.code).toBe(0);
  const d = JSON.parse(diff.stdout) as { changes: Array<{ area: string; item: string; before: string; after: string; worse?: boolean }>; newFindings: Array<{ code: string }> };
  expect(d.changes).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ area: 'asterisk', item: 'running', before: 'true', after: 'false', worse: true }),
      expect.objectContaining({ area: 'endpoints', item: 'reachable', before: '7', after: null }),
      expect.objectContaining({ area: 'trunk', item: 'provider-main', before: 'Registered', after: 'absent', worse: true }),
      expect.objectContaining({ area: 'verdict', before: 'warnings', after: 'not-ready' }),
    ]),
  );
  expect(d.newFindings.map((f) => f.code)).toContain('ASTERISK_NOT_RUNNING');
  const text = await runCli(['diff', join(state, files[0]!), join(state, files[1]!)]);
  expect(text.stdout).toContain('provider-main');
  expect(text.stdout).toContain('ASTERISK_NOT_RUNNING');
});

test('as an unprivileged user, files it may not read become SOURCE_UNREADABLE with "permission denied"', async () => {
  const root = fixtureRoot('pbxware');
  chmodSync(root, 0o755);
  chmodSync(join(root, 'opt/pbxware/pw/etc/pbxware/pbxware.ini'), 0o600);
  chmodSync(join(root, 'opt/backup'), 0o700);
  // nobody may not be able to read the checkout: the agent and the Asterisk stand-in run from a copy.
  const agent = await installAgentCopy(['test/fixtures/asterisk/ast20-pjsip']);
  const asterisk = agent.path('test/fixtures/asterisk/ast20-pjsip/asterisk');
  const res = await runBuiltCli(agent.cli, ['report', '--format', 'json', '--root', root, '--asterisk-cmd', asterisk, ...tcp()], {
    uid: 65534,
    gid: 65534,
    timeoutMs: 30_000,
    env: { PBXREADY_LOG: undefined },
  }).finally(() => agent.remove());
  const r = JSON.parse(res.stdout) as AgentReport;
  const unreadable = r.findings.filter((f) => f.code === 'SOURCE_UNREADABLE').map((f) => f.message);
  expect(unreadable).toEqual(expect.arrayContaining([expect.stringMatching(/pbxware\.ini: permission denied/), expect.stringMatching(/\/opt\/backup: permission denied/)]));
  expect(r.findings.map((f) => f.code)).toContain('DB_UNREACHABLE');
});

test('secrets: DB passwords, manager secrets, secret= values appear in no format, snapshot or log line', async () => {
  const outputs: string[] = [];
  const env = { PBXREADY_CLI_DB_PW: SECRETS.envPassword };
  for (const [fixture, cmd] of [['pbxware', ASTERISK.pjsip20], ['issabel', ASTERISK.chansip18]] as const) {
    const root = fixtureRoot(fixture);
    for (const format of ['text', 'json', 'markdown', 'html']) {
      const res = await runCli(['report', '--format', format, '--log-level', 'trace', '--root', root, '--asterisk-cmd', cmd, ...tcp()]);
      expect(res.stdout.length).toBeGreaterThan(500);
      outputs.push(res.stdout, res.stderr);
    }
    const state = join(work, `secrets-${fixture}`);
    const snap = await runCli(['snapshot', '--state-dir', state, '--log-level', 'trace', '--root', root, '--asterisk-cmd', cmd, ...tcp()]);
    outputs.push(snap.stdout, snap.stderr, readFileSync(snap.stdout.trim(), 'utf8'));
  }
  // A password given through the environment: used (the DB answers), then nowhere to be seen.
  const viaEnv = await runCli(['report', '--format', 'json', '--log-level', 'trace', '--root', fixtureRoot('empty'), '--asterisk-cmd', ASTERISK.pjsip20, ...tcp(), '--db-user', 'envreader', '--db-password-env', 'PBXREADY_CLI_DB_PW'], { env });
  expect((JSON.parse(viaEnv.stdout) as AgentReport).database.reachable).toBe(true);
  outputs.push(viaEnv.stdout, viaEnv.stderr);
  // The trace log really did carry the collection (so it was checked, not empty).
  expect(outputs.join('\n')).toContain('source collected');
  const all = outputs.join('\n');
  for (const [name, value] of Object.entries(SECRETS)) expect(all.includes(value), `${name} leaked`).toBe(false);
});

test('a df hung on a dead mount: the report is printed and the process exits, it does not wait for df', async () => {
  const bin = mkdtempSync(join(tmpdir(), 'pbxready-hung-df-'));
  writeFileSync(join(bin, 'df'), '#!/bin/sh\nexec sleep 120\n', { mode: 0o755 });
  try {
    const started = Date.now();
    const res = await runCli(['report', '--timeout', '1000', '--root', fixtureRoot('pbxware'), '--asterisk-cmd', ASTERISK.pjsip20, ...tcp()], {
      env: { PATH: `${bin}:${process.env.PATH ?? ''}` },
      timeoutMs: 60_000,
    });
    expect(res.signal, 'killed by the test: the CLI did not exit on its own').toBeNull();
    expect(res.stdout).toContain('SOURCE_UNREADABLE: Could not read filesystems: df did not answer within 1000 ms');
    expect(Date.now() - started).toBeLessThan(60_000);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});
