// install.sh into a temporary tree: files, modes, units, idempotence, --uninstall, and the
// installed copy actually runs.

import { execFile } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { ASTERISK, FIXTURES, REPO } from './helpers.js';

const run = promisify(execFile);
const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function tree(fixture?: string): string {
  const root = mkdtempSync(join(tmpdir(), 'pbxready-install-'));
  roots.push(root);
  if (fixture) cpSync(join(FIXTURES, fixture), root, { recursive: true });
  return root;
}

const install = (args: string[]) => run('bash', [join(REPO, 'install.sh'), ...args], { timeout: 60_000 });

test('installs into --root/--prefix, idempotently, and --uninstall removes it all', async () => {
  const root = tree('pbxware');
  const first = await install(['--root', root, '--prefix', '/opt/pbxready']);
  expect(first.stdout).toContain('detected: pbxware');
  const conf = join(root, 'etc/pbxready/agent.json');
  expect(statSync(conf).mode & 0o777).toBe(0o600);
  const config = JSON.parse(readFileSync(conf, 'utf8'));
  expect(config).toMatchObject({ detected: { product: 'pbxware' }, cdrTable: 'pbxware.cdr' });

  const units = join(root, 'etc/systemd/system');
  expect(readFileSync(join(units, 'pbxready-agent-snapshot.service'), 'utf8')).toContain('ExecStart=/opt/pbxready/bin/pbxready-agent snapshot --config /etc/pbxready/agent.json');
  expect(readFileSync(join(units, 'pbxready-agent-snapshot.timer'), 'utf8')).toContain('OnCalendar=daily');
  expect(readlinkSync(join(units, 'timers.target.wants/pbxready-agent-snapshot.timer'))).toBe('/etc/systemd/system/pbxready-agent-snapshot.timer');
  expect(readFileSync(join(units, 'pbxready-agent-serve.service'), 'utf8')).toContain('--listen 127.0.0.1:8731');
  // serve is written but not enabled unless asked, and no token is made for it.
  expect(existsSync(join(units, 'multi-user.target.wants/pbxready-agent-serve.service'))).toBe(false);
  expect(existsSync(join(root, 'etc/pbxready/serve.token'))).toBe(false);
  expect(readlinkSync(join(root, 'usr/local/bin/pbxready-agent'))).toBe('/opt/pbxready/bin/pbxready-agent');
  // Only runtime modules: no test tooling shipped to the PBX.
  expect(existsSync(join(root, 'opt/pbxready/node_modules/mysql2/package.json'))).toBe(true);
  expect(existsSync(join(root, 'opt/pbxready/node_modules/vitest'))).toBe(false);

  // The installed copy runs on its own modules.
  const res = await run(process.execPath, [join(root, 'opt/pbxready/dist/agent/cli.js'), 'report', '--format', 'json', '--root', root, '--asterisk-cmd', ASTERISK.pjsip20, '--config', conf], { timeout: 30_000 }).catch((e: { stdout: string; code: number }) => e);
  expect(JSON.parse(res.stdout).product.name).toBe('pbxware');

  // Again: same result, operator's config kept, no leftovers.
  const before = readFileSync(conf, 'utf8');
  await install(['--root', root, '--prefix', '/opt/pbxready']);
  expect(readFileSync(conf, 'utf8')).toBe(before);
  expect(existsSync(join(root, 'opt/pbxready/dist/agent/cli.js'))).toBe(true);
  const leftovers = (await run('find', [join(root, 'opt'), '-maxdepth', '1', '-name', 'pbxready.*'])).stdout.trim();
  expect(leftovers).toBe('');

  await install(['--root', root, '--prefix', '/opt/pbxready', '--uninstall']);
  for (const gone of ['opt/pbxready', 'etc/pbxready', 'usr/local/bin/pbxready-agent', 'etc/systemd/system/pbxready-agent-snapshot.timer', 'etc/systemd/system/pbxready-agent-serve.service', 'etc/systemd/system/timers.target.wants/pbxready-agent-snapshot.timer']) {
    expect(existsSync(join(root, gone)) || (() => { try { lstatSync(join(root, gone)); return true; } catch { return false; } })(), gone).toBe(false);
  }
  // The product's own files are untouched.
  expect(existsSync(join(root, 'opt/pbxware/pw/etc/pbxware/pbxware.ini'))).toBe(true);
});

test('--enable-serve enables the serve unit and generates a 0600 token; Issabel is detected', async () => {
  const root = tree('issabel');
  const res = await install(['--root', root, '--prefix', '/usr/local/pbxready', '--enable-serve', '--listen', '0.0.0.0:9443']);
  expect(res.stdout).toContain('detected: issabel');
  expect(JSON.parse(readFileSync(join(root, 'etc/pbxready/agent.json'), 'utf8')).cdrTable).toBe('asteriskcdrdb.cdr');
  expect(readlinkSync(join(root, 'etc/systemd/system/multi-user.target.wants/pbxready-agent-serve.service'))).toBe('/etc/systemd/system/pbxready-agent-serve.service');
  expect(readFileSync(join(root, 'etc/systemd/system/pbxready-agent-serve.service'), 'utf8')).toContain('/usr/local/pbxready/bin/pbxready-agent serve --config /etc/pbxready/agent.json --listen 0.0.0.0:9443');
  const token = join(root, 'etc/pbxready/serve.token');
  expect(statSync(token).mode & 0o777).toBe(0o600);
  expect(readFileSync(token, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
});

test('a re-run without --enable-serve keeps serve (and its listen address) as an earlier run left it, and says so; --disable-serve turns it off', async () => {
  const root = tree('pbxware');
  const wants = join(root, 'etc/systemd/system/multi-user.target.wants/pbxready-agent-serve.service');
  const unit = join(root, 'etc/systemd/system/pbxready-agent-serve.service');
  const enabled = () => { try { lstatSync(wants); return true; } catch { return false; } };
  await install(['--root', root, '--enable-serve', '--listen', '0.0.0.0:9443']);
  expect(enabled()).toBe(true);
  const token = readFileSync(join(root, 'etc/pbxready/serve.token'), 'utf8');

  const rerun = await install(['--root', root]);
  expect(enabled()).toBe(true);
  expect(rerun.stdout).toContain('serve stays enabled (from an earlier run) on 0.0.0.0:9443');
  expect(rerun.stdout).toContain('install.sh --disable-serve');
  expect(readFileSync(unit, 'utf8')).toContain('--listen 0.0.0.0:9443');
  expect(readFileSync(join(root, 'etc/pbxready/serve.token'), 'utf8')).toBe(token);

  const off = await install(['--root', root, '--disable-serve']);
  expect(enabled()).toBe(false);
  expect(off.stdout).toContain('serve disabled');
  // Off stays off on the next plain re-run, and nothing claims otherwise.
  const again = await install(['--root', root]);
  expect(enabled()).toBe(false);
  expect(again.stdout).not.toContain('serve');
  expect(existsSync(unit)).toBe(true);

  const both = await install(['--root', root, '--enable-serve', '--disable-serve']).catch((e: { code: number; stderr: string }) => e);
  expect((both as { code: number }).code).toBe(3);
  expect((both as { stderr: string }).stderr.trim()).toBe('install.sh: --enable-serve and --disable-serve contradict each other');
});

test('bad input: one line, exit 3', async () => {
  const err = await install(['--prefix', 'relative/path', '--root', tree()]).catch((e: { code: number; stderr: string }) => e);
  expect((err as { code: number }).code).toBe(3);
  expect((err as { stderr: string }).stderr.trim()).toBe('install.sh: --prefix must be an absolute path');
  const err2 = await install(['--frobnicate']).catch((e: { code: number; stderr: string }) => e);
  expect((err2 as { code: number }).code).toBe(3);
  expect((err2 as { stderr: string }).stderr).toContain('unknown option "--frobnicate"');
});
