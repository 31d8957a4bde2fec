// The scan's notices (pure): the changes and the RECOVERY apart, each with its subject line; the
// e-mail built from a notice; and the notification flags refused before anything runs.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostDrift } from '../../checker/history/drift.js';
import { composeNotice } from '../../checker/scan/notify-email.js';
import { noticesOf, noticePayload } from '../../checker/scan/notify.js';
import type { DriftSummary } from '../../shared/model.js';
import { hostSummary } from '../fixtures/reports.js';
import { requireBuild, runCli, tempDir } from './helpers.js';

const down = hostSummary({ key: 'acme/hq', verdict: 'not-ready', ports: [{ port: 443, state: 'filtered', required: true }] });
const up = hostSummary({ key: 'acme/hq' });
const other = (verdict: 'ready' | 'warnings') => hostSummary({ key: 'acme/branch', verdict });

describe('notices', () => {
  it('a drift of only problems is one notice; only recoveries one RECOVERY; both, two', () => {
    const worse: DriftSummary = { fromRun: 1, toRun: 2, changes: hostDrift(up, down) };
    expect(noticesOf(worse).map((n) => [n.kind, n.subject])).toEqual([['drift', 'pbxready: 2 change(s) in the fleet since run 1 (2 worse)']]);
    const better: DriftSummary = { fromRun: 2, toRun: 3, changes: hostDrift(down, up) };
    const [recovery] = noticesOf(better);
    expect([recovery!.kind, recovery!.subject]).toEqual(['recovery', 'pbxready RECOVERY: 2 problem(s) cleared since run 2']);
    expect(recovery!.text.split('\n')).toEqual(['pbxready RECOVERY: 2 problem(s) cleared since run 2', '• :white_check_mark: acme/hq: verdict not-ready → ready', '• :white_check_mark: acme/hq: port 443 filtered → open']);
    const mixed: DriftSummary = { fromRun: 3, toRun: 4, changes: [...hostDrift(down, up), ...hostDrift(other('ready'), other('warnings'))] };
    expect(noticesOf(mixed).map((n) => [n.kind, n.changes.map((c) => c.kind)])).toEqual([
      ['drift', ['verdict']],
      ['recovery', ['verdict', 'port_state']],
    ]);
    expect(noticePayload(noticesOf(mixed)[0]!)).toMatchObject({ kind: 'drift', fromRun: 3, toRun: 4, text: expect.stringContaining('acme/branch: verdict ready → warnings') });
    expect(noticesOf({ fromRun: 1, toRun: 2, changes: [] })).toEqual([]);
  });

  it('the e-mail: plain text, the subject of the notice, a header naming its kind', async () => {
    const [n] = noticesOf({ fromRun: 2, toRun: 3, changes: hostDrift(down, up) });
    const raw = (await composeNotice(n!, 'pbxready@example.net', ['noc@example.net'], new Date('2026-11-30T02:40:00Z'))).toString('utf8');
    expect(raw).toMatch(/^Subject: pbxready RECOVERY: 2 problem\(s\) cleared since run 2\r$/m);
    expect(raw).toMatch(/^X-Pbxready-Notice: recovery\r$/m);
    expect(raw).toMatch(/^Content-Type: text\/plain; charset=utf-8\r$/m);
    expect(raw).toMatch(/^To: noc@example.net\r$/m);
  });
});

describe('notification and inside-view flags through the CLI', () => {
  it.each([
    [['--smtp-host', '127.0.0.1'], /^pbxready: --smtp-host goes with --notify-email-to\n$/],
    [['--notify-email-to', 'noc@example.net'], /^pbxready: --notify-email-to needs --notify-email-from ADDR \(the sender\)\n$/],
    [['--notify-email-to', 'noc@example.net', '--notify-email-from', 'me@example.net'], /^pbxready: --notify-email-to needs the SMTP server: --smtp-host HOST\n$/],
    [['--notify-email-to', 'not-an-address', '--notify-email-from', 'me@example.net'], /^pbxready: --notify-email-to "not-an-address" is not an email address\n$/],
    [['--notify-email-to', 'noc@example.net', '--notify-email-from', 'me@example.net', '--smtp-host', 'mail.example.net', '--smtp-user', 'u', '--smtp-password-env', 'PBXR_NOPE_UNSET'], /^pbxready: --smtp-user u needs the password in the environment variable PBXR_NOPE_UNSET, which is not set or empty/],
    [['--agent-concurrency', '0'], /^pbxready: --agent-concurrency "0" must be a whole number from 1 to 4096\n$/],
    [['--cdr-growth-factor', '0.5'], /^pbxready: --cdr-growth-factor "0.5" must be a number above 1/],
  ])('%j → one line, exit 3', async (flags, message) => {
    requireBuild();
    const { dir, cleanup } = await tempDir();
    try {
      await writeFile(join(dir, 'fleet.txt'), '127.0.0.1 name=x\n');
      const r = await runCli(['scan', '--inventory', join(dir, 'fleet.txt'), '--db', join(dir, 'x.db'), '--allow-private', '--probes', 'tcp', ...flags]);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(3);
    } finally {
      await cleanup();
    }
  });

  it('an entry whose token file cannot be read is skipped by line, the rest scan', async () => {
    requireBuild();
    const { dir, cleanup } = await tempDir();
    try {
      await writeFile(join(dir, 'fleet.txt'), `127.0.0.1 name=a agent=http://127.0.0.1:9 agent_token_file=${join(dir, 'missing.token')}\n127.0.0.1 name=b\n`);
      const r = await runCli(['scan', '--inventory', join(dir, 'fleet.txt'), '--db', join(dir, 'x.db'), '--allow-private', '--probes', 'tcp', '--ports', '9', '--format', 'ndjson']);
      expect(r.stderr).toContain(`Inventory line 1 skipped: agent_token_file: cannot read ${join(dir, 'missing.token')} (ENOENT)`);
      expect(r.stdout.trim().split('\n')).toHaveLength(1);
    } finally {
      await cleanup();
    }
  });
});
