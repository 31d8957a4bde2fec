// Inside views in the fleet, end to end with real parts: `pbxready scan` over an inventory whose
// entries name their inside view — a real `pbxready-agent serve` (built, --root on a copy of the
// PBXware fixture, a real MariaDB holding the CDR table) reached by URL + token file, the agent run
// over SSH and the agentless collector (nothing installed) on a PBX in its own network namespace
// (real OpenSSH sshd on 2020) — records the inside
// facts, drifts them between runs, and notifies the changes and the RECOVERY by webhook and by
// e-mail through a real SMTP server (aiosmtpd, STARTTLS + AUTH) on loopback. A host whose agent
// accepts and never answers does not hold the others back beyond its limit.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, utimesSync, writeFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteHistory } from '../../checker/history/sqlite.js';
import type { CheckReport, DriftChange, HostSummary } from '../../shared/model.js';
import { installAgentCopy, type AgentCopy } from '../harness/agent-copy.js';
import { AGENT_CLI, REPO, requireBuilt, startListening } from '../harness/cli.js';
import { createPbxwareCdr, createReader, insertCalls, startMariaDb, type Call, type MariaDb } from '../harness/mariadb.js';
import { startSilentServer, type TestServer } from '../harness/servers.js';
import { startSmtp, type SmtpServer } from '../harness/smtp.js';
import { startSshd, type SshdServer } from '../harness/sshd.js';
import { createPbxNetns, type PbxNetns } from '../support/pbx-netns.js';
import { requireBuild, runCli, startCli, tempDir } from './helpers.js';

const HOUR = 3600;
const token = randomBytes(24).toString('hex');
const HOOK_SECRET = `T${randomBytes(4).toString('hex')}/B0/hook-secret-${randomBytes(6).toString('hex')}`;

let dir: string;
let cleanup: () => Promise<void>;
let db: MariaDb;
let sshd: SshdServer;
let net: PbxNetns;
let agent: AgentCopy;
let hung: TestServer;
let root: string;
let ast: string;
let serve: { base: string; port: number; stop: () => Promise<void> } | null = null;
let hook: HttpServer;
let smtp: SmtpServer;
let hookUrl: string;
const posted: Array<{ kind: string; subject: string; text: string; changes: DriftChange[] }> = [];

/** Calls spread over the past days, none in the last two hours. */
function background(n: number, days: number): Call[] {
  return Array.from({ length: n }, (_, i) => ({ secondsAgo: 2 * HOUR + Math.floor((i * days * 86400) / n), disposition: i % 4 === 0 ? 'NO ANSWER' : 'ANSWERED' }));
}

function setBackupAge(days: number): void {
  const when = new Date(Date.now() - days * 86_400_000);
  utimesSync(join(root, 'opt/backup/pbxware-backup-nightly.tar.gz'), when, when);
}

async function setTrunk(state: 'Registered' | 'Rejected'): Promise<void> {
  const file = join(ast, 'pjsip_show_registrations.txt');
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.replace(/(provider-main-auth\s+)(Registered|Rejected)/, `$1${state}`));
}

/** A real `pbxready-agent serve` on the copy of the fixture, optionally with a --config (thresholds). */
async function startServe(config?: object): Promise<NonNullable<typeof serve>> {
  const args = ['serve', '--listen', '127.0.0.1:0', '--token-file', join(dir, 'token'), '--root', root, '--asterisk-cmd', join(ast, 'asterisk'), '--db-host', '127.0.0.1', '--db-port', String(db.port)];
  if (config) {
    await writeFile(join(dir, 'agent.json'), JSON.stringify(config), { mode: 0o600 });
    args.push('--config', join(dir, 'agent.json'));
  }
  const served = await startListening(AGENT_CLI, args, /serving (http:\/\/127\.0\.0\.1:\d+)\/report/, { timeoutMs: 20_000 });
  return { base: served.address, port: Number(new URL(served.address).port), stop: served.stop };
}

async function restartServe(config?: object): Promise<void> {
  await serve?.stop();
  serve = await startServe(config);
}

beforeAll(async () => {
  requireBuild();
  requireBuilt(AGENT_CLI);
  ({ dir, cleanup } = await tempDir());
  await writeFile(join(dir, 'token'), `${token}\n`, { mode: 0o600 });
  root = join(dir, 'root');
  cpSync(join(REPO, 'test/fixtures/pbxware'), root, { recursive: true });
  setBackupAge(1);
  ast = join(dir, 'asterisk');
  cpSync(join(REPO, 'test/fixtures/asterisk/ast20-pjsip'), ast, { recursive: true });
  db = await startMariaDb();
  await createReader(db, 'pbxreader', 'Fixture-Pbxware-Db-S3cret');
  await createPbxwareCdr(db, 'pbxware');
  await insertCalls(db, 'pbxware.cdr', background(1000, 30));
  serve = await startServe();
  hung = await startSilentServer();
  // The agent over SSH runs as the harness's test user: from an installed copy, on copies of the fixtures.
  agent = await installAgentCopy(['test/fixtures/pbxware', 'test/fixtures/asterisk/ast20-pjsip', 'test/fixtures/asterisk/down']);
  sshd = await startSshd();
  net = await createPbxNetns(sshd);
  smtp = await startSmtp();
  hook = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      posted.push(JSON.parse(body) as (typeof posted)[number]);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/services/${HOOK_SECRET}`;
}, 240_000);

afterAll(async () => {
  await serve?.stop();
  await hung?.stop();
  await net?.stop();
  await sshd?.stop();
  await agent?.remove();
  await db?.stop();
  await smtp?.stop();
  if (hook) await new Promise<void>((r) => hook.close(() => r()));
  await cleanup?.();
});

const ndjson = (stdout: string) => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as CheckReport);

function agentCommand(asterisk: 'ast20-pjsip' | 'down'): string {
  return `${process.execPath} ${agent.cli} report --format json --root ${agent.path('test/fixtures/pbxware')} --asterisk-cmd ${agent.path(`test/fixtures/asterisk/${asterisk}/asterisk`)}`;
}

describe('pbxready scan with inside views', () => {
  it('records the inside facts (agent URL, agent over SSH, agentless over SSH), drifts them, and notifies the changes, then the RECOVERY', async () => {
    const inv = join(dir, 'fleet.yaml');
    const dbFile = join(dir, 'inside.db');
    const writeInventory = (asterisk: 'ast20-pjsip' | 'down') =>
      writeFile(
        inv,
        [
          'hosts:',
          '  - address: 127.0.0.1',
          '    name: served',
          '    customer: acme',
          `    ports: [${serve!.port}]`,
          `    agent: ${serve!.base}`,
          `    agentTokenFile: ${join(dir, 'token')}`,
          `  - address: ${net.pbxAddress}`,
          '    name: over-ssh',
          '    customer: acme',
          '    product: pbxware',
          '    ports: [2020]',
          `    ssh: { user: ${sshd.user}, identity_file: ${sshd.privateKeyPath} }`,
          '    agent: ssh',
          `    agent_command: "${agentCommand(asterisk)}"`,
          // Nothing installed: the read-only agentless collector over the same SSH login.
          `  - address: ${net.pbxAddress}`,
          '    name: agentless',
          '    customer: acme',
          '    product: pbxware',
          '    ports: [2020]',
          `    ssh: { user: ${sshd.user}, identity_file: ${sshd.privateKeyPath} }`,
          '    agent: agentless',
          `    agent_root: ${agent.path('test/fixtures/pbxware')}`,
          `    agent_asterisk_cmd: ${agent.path(`test/fixtures/asterisk/${asterisk}/asterisk`)}`,
        ].join('\n'),
      );
    // Notified by webhook and by e-mail through a real SMTP server (STARTTLS + AUTH) on loopback.
    const mailArgs = ['--notify-email-to', 'noc@example.net', '--notify-email-from', 'pbxready@example.net', '--smtp-host', smtp.host, '--smtp-port', String(smtp.port), '--smtp-user', smtp.user, '--smtp-password-env', 'NOC_SMTP_PW'];
    const scan = () =>
      runCli(['scan', '--inventory', inv, '--allow-private', '--db', dbFile, '--format', 'ndjson', '--timeout-ms', '3000', '--agent-timeout-ms', '60000', '--notify-webhook-env', 'HOOK', ...mailArgs], {
        HOOK: hookUrl,
        NOC_SMTP_PW: smtp.password,
        NODE_EXTRA_CA_CERTS: smtp.caFile,
      });
    /** Python's standard `email` package reads each message (test/harness/parse-mail.py): subject and text decoded. */
    const readMail = (raw: Buffer) => {
      const file = join(dir, `mail-${randomBytes(4).toString('hex')}.eml`);
      writeFileSync(file, raw);
      const parsed = JSON.parse(execFileSync('/usr/bin/python3', [join(REPO, 'test/harness/parse-mail.py'), file], { encoding: 'utf8' })) as { headers: Record<string, string[]>; root: { contentType: string; content?: string } };
      return { subject: parsed.headers.subject?.[0], text: parsed.root.content ?? '', contentType: parsed.root.contentType };
    };
    const subjectOf = (raw: Buffer) => readMail(raw).subject;
    const hosts = (run: number) => {
      const store = new SqliteHistory(dbFile);
      try {
        return Object.fromEntries([...store.hosts(run)].map((h) => [h.key, h])) as Record<string, HostSummary>;
      } finally {
        store.close();
      }
    };

    // Run 1: everything healthy.
    await writeInventory('ast20-pjsip');
    const first = await scan();
    const reports = ndjson(first.stdout);
    expect(reports).toHaveLength(3);
    for (const r of reports) expect(r.findings.map((f) => f.code)).not.toContain('AGENT_UNAVAILABLE');
    const one = hosts(1);
    expect(one['acme/served']!.inside).toMatchObject({
      via: 'http',
      productVersion: '7.2.1',
      asterisk: 'up',
      backup: 'ok',
      emergency: [],
      cdr: { table: 'pbxware.cdr', rows: expect.any(Number) },
    });
    expect(one['acme/served']!.inside!.trunks).toEqual(expect.arrayContaining([{ name: 'provider-main', state: 'Registered', registered: true }]));
    expect(one['acme/served']!.inside!.disks!.length).toBeGreaterThan(0);
    expect(one['acme/served']!.inside!.disks!.every((d) => d.band === 'ok' || d.usePercent >= 80)).toBe(true);
    expect(one['acme/over-ssh']!.inside).toMatchObject({ via: 'ssh', productVersion: '7.2.1', asterisk: 'up' });
    expect(one['acme/agentless']!.inside).toMatchObject({ via: 'agentless', productVersion: '7.2.1', asterisk: 'up' });
    expect(posted).toHaveLength(0);

    // Run 2: the product upgraded, the backup stopped, a trunk rejected, the CDR table tripled with
    // half the last hour's calls unable to pass, every disk over a 1% warning band; Asterisk down on
    // the SSH host.
    await writeFile(join(root, 'opt/pbxware/pw/etc/pbxware/version'), '7.3.0\n');
    setBackupAge(30);
    await setTrunk('Rejected');
    await insertCalls(db, 'pbxware.cdr', [
      ...background(3000, 30),
      ...Array.from({ length: 24 }, (_, i) => ({ secondsAgo: 120 + i * 60, disposition: i % 2 === 0 ? 'FAILED' : 'ANSWERED' })),
    ]);
    await restartServe({ thresholds: { diskWarnPercent: 1, diskFailPercent: 100 } });
    await writeInventory('down');
    const second = await scan();
    expect(ndjson(second.stdout)).toHaveLength(3);
    const two = hosts(2);
    expect(two['acme/served']!.inside).toMatchObject({ productVersion: '7.3.0', backup: 'old', emergency: ['50% of calls or more unable to pass'] });
    expect(two['acme/over-ssh']!.inside).toMatchObject({ asterisk: 'down' });
    const drift = JSON.parse((await runCli(['drift', '--db', dbFile, '--format', 'json'])).stdout) as { changes: DriftChange[] };
    const seen = drift.changes.map((c) => [c.key, c.kind, c.subject ?? null, c.worse]);
    expect(seen).toEqual(
      expect.arrayContaining([
        ['acme/served', 'version', 'product', false],
        ['acme/served', 'backup', 'backup', true],
        ['acme/served', 'trunk', 'provider-main', true],
        ['acme/served', 'cdr_growth', 'pbxware.cdr', true],
        ['acme/served', 'emergency', '50% of calls or more unable to pass', true],
        ['acme/served', 'disk_band', expect.any(String), true],
        ['acme/over-ssh', 'asterisk', 'asterisk', true],
        ['acme/agentless', 'asterisk', 'asterisk', true],
      ]),
    );
    expect(posted.map((p) => p.kind)).toEqual(['drift']);
    expect(posted[0]!.subject).toMatch(/^pbxready: \d+ change\(s\) in the fleet since run 1 \(\d+ worse\)$/);
    expect(posted[0]!.text).toContain('acme/over-ssh: Asterisk went down');
    expect(posted[0]!.changes.some((c) => c.recovery)).toBe(false);
    const mails = smtp.delivered();
    expect(mails).toHaveLength(1);
    expect(mails[0]!.meta).toMatchObject({ from: 'pbxready@example.net', to: ['noc@example.net'], tls: true, login: smtp.user });
    expect(subjectOf(mails[0]!.raw)).toBe(posted[0]!.subject);
    expect(readMail(mails[0]!.raw)).toMatchObject({ contentType: 'text/plain', text: expect.stringContaining('acme/over-ssh: Asterisk went down') });

    // Run 3: the backup ran, the trunk registered, the disk bands are back to 80/90, Asterisk is up.
    setBackupAge(0.5);
    await setTrunk('Registered');
    await restartServe();
    await writeInventory('ast20-pjsip');
    const third = await scan();
    expect(ndjson(third.stdout)).toHaveLength(3);
    const recovery = posted.slice(1).find((p) => p.kind === 'recovery');
    expect(recovery?.subject).toMatch(/^pbxready RECOVERY: \d+ problem\(s\) cleared since run 2$/);
    const cleared = recovery!.changes.map((c) => [c.key, c.kind, c.subject ?? null]);
    expect(cleared).toEqual(
      expect.arrayContaining([
        ['acme/served', 'backup', 'backup'],
        ['acme/served', 'trunk', 'provider-main'],
        ['acme/over-ssh', 'asterisk', 'asterisk'],
        ['acme/agentless', 'asterisk', 'asterisk'],
      ]),
    );
    expect(recovery!.text).toContain('acme/served: trunk provider-main registered again');
    const recoveryMail = smtp.delivered().slice(1).find((m) => /RECOVERY/.test(subjectOf(m.raw) ?? ''));
    expect(subjectOf(recoveryMail!.raw)).toBe(recovery!.subject);
    expect(readMail(recoveryMail!.raw).text).toContain('acme/served: trunk provider-main registered again');
    expect(recoveryMail!.meta.tls).toBe(true);
    // Secrets: the agent token, the webhook's path, the SSH key and the database password appear nowhere.
    const key = (await readFile(sshd.privateKeyPath, 'utf8')).trim();
    const mailText = smtp.delivered().map((m) => `${m.raw.toString('utf8')}\n${readMail(m.raw).text}`).join('\n');
    const all = [first, second, third].map((r) => r.stdout + r.stderr).join('\n') + JSON.stringify(posted) + JSON.stringify([hosts(1), hosts(2), hosts(3)]) + mailText;
    for (const secret of [token, HOOK_SECRET, key, 'Fixture-Pbxware-Db-S3cret', smtp.password]) expect(all).not.toContain(secret);
    for (const r of [first, second, third]) expect(r.stderr).toBe('');
  }, 300_000);

  it('a host whose agent accepts and never answers does not delay the others beyond its limit', async () => {
    const LIMIT = 8000;
    const inv = join(dir, 'hang.txt');
    const tok = join(dir, 'token');
    await writeFile(
      inv,
      [
        `127.0.0.1 name=hung ports=${serve!.port} agent=http://127.0.0.1:${hung.port} agent_token_file=${tok}`,
        `127.0.0.1 name=plain-1 ports=${serve!.port}`,
        `127.0.0.1 name=served ports=${serve!.port} agent=${serve!.base} agent_token_file=${tok}`,
        `127.0.0.1 name=plain-2 ports=${serve!.port}`,
      ].join('\n'),
    );
    const t0 = Date.now();
    // One host checked at once, two inside views at once: the hung agent holds one inside slot only.
    const run = startCli(['scan', '--inventory', inv, '--allow-private', '--db', join(dir, 'hang.db'), '--format', 'ndjson', '--timeout-ms', '2000', '--concurrency', '1', '--agent-concurrency', '2', '--agent-timeout-ms', String(LIMIT)]);
    const arrivals: Array<{ at: number; report: CheckReport }> = [];
    let buffered = '';
    run.child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.trim()) arrivals.push({ at: Date.now() - t0, report: JSON.parse(line) as CheckReport });
      }
    });
    const r = await run.done;
    const total = Date.now() - t0;
    expect(r.stderr).toBe('');
    expect(arrivals).toHaveLength(4);
    const hungAt = arrivals.findIndex((a) => a.report.findings.some((f) => f.code === 'AGENT_UNAVAILABLE'));
    expect(hungAt).toBe(3); // the last one out, though first in the inventory
    const hungReport = arrivals[hungAt]!;
    expect(hungReport.report.findings.find((f) => f.code === 'AGENT_UNAVAILABLE')!.message).toContain(`timed out after ${LIMIT} ms`);
    const others = arrivals.slice(0, 3);
    expect(others.filter((a) => a.report.agent?.kind === 'agent')).toHaveLength(1);
    // The others finished before the hung host's limit ran out, and the hung host at its limit, not later.
    for (const o of others) expect(o.at).toBeLessThan(hungReport.at);
    expect(Math.max(...others.map((o) => o.at))).toBeLessThan(LIMIT);
    expect(hungReport.at).toBeGreaterThanOrEqual(LIMIT);
    expect(total).toBeLessThan(2 * LIMIT);
  }, 120_000);
});
