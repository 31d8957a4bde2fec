// check|precheck --attach-to-ticket ID against the Freshdesk stand-in (validates method, path, basic
// auth, multipart field names as Freshdesk documents them): the report is emitted AND lands on the ticket.

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckReport, PrecheckReport } from '../../shared/model.js';
import { AGENT_CLI, CHECKER_CLI as CLI, REPO, requireBuilt, runCli } from '../harness/cli.js';
import { startFreshdesk, type FreshdeskStandIn } from '../harness/helpdesk-freshdesk.js';

const KEY = 'fd-key-' + 'x'.repeat(20);

let desk: FreshdeskStandIn;
let dir: string;
let closedPort: number;
let agentReportPath: string;

const pbxready = (args: string[], env: Record<string, string> = {}) => runCli(CLI, args, { env });


beforeAll(async () => {
  desk = await startFreshdesk(KEY, [42]);
  dir = await mkdtemp(join(tmpdir(), 'pbxready-attach-'));
  closedPort = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
  // A real agent report made by the built agent on this machine, as a partner would hand it over.
  agentReportPath = join(dir, 'agent.json');
  requireBuilt(AGENT_CLI);
  await promisify(execFile)(process.execPath, [AGENT_CLI, 'report', '--format', 'json', '--output', agentReportPath, '--root', join(REPO, 'test/fixtures/pbxware'), '--asterisk-cmd', join(REPO, 'test/fixtures/asterisk/ast20-pjsip/asterisk')]).catch((err: { code?: number }) => {
    // The agent exits 1/2 by its verdict; only a usage error (3) or a crash means no report.
    if (err.code === undefined || err.code === 3) throw err;
  });
});

afterAll(async () => {
  await desk?.stop();
  await rm(dir, { recursive: true, force: true });
});

const outside = () => ['127.0.0.1', '--product', 'pbxware', '--ports', String(closedPort), '--allow-private', '--no-icmp'];

describe('--attach-to-ticket', () => {
  it('check: report on stdout, private note with JSON + HTML on ticket 42, the key nowhere', async () => {
    const before = desk.accepted.length;
    const run = await pbxready(['check', ...outside(), '--format', 'json', '--attach-to-ticket', '42', '--provider', 'freshdesk', '--base-url', desk.url, '--api-key-env', 'FD_KEY'], { FD_KEY: KEY });
    const report = JSON.parse(run.stdout) as CheckReport;
    expect(report.kind).toBe('check');
    expect(run.stderr).toMatch(/^private note \d+ added to Freshdesk ticket 42 with 2 attachments\n$/);
    expect(run.code).toBe(2);
    expect(desk.accepted.length).toBe(before + 1);
    const note = desk.accepted.at(-1)!;
    expect(note).toMatchObject({ ticketId: 42, kind: 'note' });
    expect(note.fields.private).toBe('true');
    expect(note.attachments.map((a) => a.contentType.split(';')[0])).toEqual(['application/json', 'text/html']);
    expect(JSON.parse(note.attachments[0]!.text)).toMatchObject({ kind: 'check', target: { host: '127.0.0.1' } });
    expect(run.stdout + run.stderr + note.fields.body).not.toContain(KEY);
  });

  it('precheck: the pre-check report goes onto the ticket', async () => {
    const run = await pbxready(['precheck', ...outside(), '--to', '7.3', '--agent-report', agentReportPath, '--format', 'json', '--attach-to-ticket', '42', '--provider', 'freshdesk', '--base-url', desk.url, '--api-key-env', 'FD_KEY'], { FD_KEY: KEY });
    const report = JSON.parse(run.stdout) as PrecheckReport;
    expect(report.kind).toBe('precheck');
    expect(report.check.agent?.kind).toBe('agent');
    expect(run.stderr).toMatch(/added to Freshdesk ticket 42/);
    const sent = JSON.parse(desk.accepted.at(-1)!.attachments[0]!.text) as PrecheckReport;
    expect(sent.kind).toBe('precheck');
    expect(sent.items).toHaveLength(10);
  });

  it('--dry-run prints the request on stderr (stdout stays the report) and sends nothing', async () => {
    const before = desk.requests.length;
    const run = await pbxready(['check', ...outside(), '--format', 'json', '--attach-to-ticket', '42', '--provider', 'freshdesk', '--base-url', desk.url, '--api-key-env', 'FD_KEY', '--dry-run'], { FD_KEY: KEY });
    expect((JSON.parse(run.stdout) as CheckReport).kind).toBe('check');
    expect(run.stderr).toContain('/api/v2/tickets/42/notes');
    expect(run.stderr).not.toContain(KEY);
    expect(desk.requests.length).toBe(before);
  });

  it.each([
    [['--attach-to-ticket', '42', '--provider', 'freshdesk', '--base-url', 'http://127.0.0.1:1', '--api-key-env', 'NOT_SET_ANYWHERE'], /^pbxready: .*NOT_SET_ANYWHERE/],
    [['--provider', 'freshdesk'], /^pbxready: --provider needs --attach-to-ticket ID\n$/],
  ])('bad help-desk flags %j → one line, exit 3, before any probe', async (flags, message) => {
    const run = await pbxready(['check', ...outside(), ...flags]);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
  });
});
