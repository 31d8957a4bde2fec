// The one-file agent (`npm run bundle`, esbuild): built here, copied ALONE into an empty directory
// (no node_modules anywhere near it) and RUN — against a real MariaDB and a PBXware sysroot, its
// report carries the same facts as the agent built by tsc, and says it came from the bundle.
// install.sh --bundle installs that one file and its wrapper runs it.

import { execFile } from 'node:child_process';
import { builtinModules } from 'node:module';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectReport } from '../../agent/collect.js';
import { resolveOptions } from '../../agent/options.js';
import type { AgentReport } from '../../shared/model.js';
import { comparable, diskDrift, startPbxwareHost, DB_SECRET, ASTERISK_REPLAY, type PbxwareHost } from '../agentless/helpers.js';
import { REPO } from '../harness/cli.js';

const run = promisify(execFile);
const dirs: string[] = [];
let host: PbxwareHost;
let tree: PbxwareHost['tree'];
let bundle: string;

beforeAll(async () => {
  const out = mkdtempSync(join(tmpdir(), `pbxready-bundle-${process.pid}-`));
  const alone = mkdtempSync(join(tmpdir(), `pbxready-bundle-alone-${process.pid}-`));
  dirs.push(out, alone);
  await run(process.execPath, [join(REPO, 'dist/tools/bundle.js'), join(out, 'pbxready-agent.mjs')], { timeout: 120_000 });
  bundle = join(alone, 'pbxready-agent.mjs');
  copyFileSync(join(out, 'pbxready-agent.mjs'), bundle);
  host = await startPbxwareHost();
  tree = host.tree;
});

afterAll(async () => {
  await host?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('pbxready-agent.mjs, the one-file agent', () => {
  it('is one self-contained ES module: it imports nothing but Node\'s own modules', () => {
    expect(readdirSync(join(bundle, '..'))).toEqual(['pbxready-agent.mjs']);
    const text = readFileSync(bundle, 'utf8');
    const builtin = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const wanted = new Set([...text.matchAll(/__require\("([^"]+)"\)|^import .* from ['"]([^'"]+)['"];?$/gm)].map((m) => m[1] ?? m[2]!));
    expect(wanted.size).toBeGreaterThan(0);
    expect([...wanted].filter((m) => !builtin.has(m))).toEqual([]);
    expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('runs alone: the same facts as the tsc-built agent, collector "bundled-agent"', async () => {
    const args = ['report', '--format', 'json', '--root', tree.root, '--asterisk-cmd', ASTERISK_REPLAY];
    const res = await run(process.execPath, [bundle, ...args], { cwd: join(bundle, '..'), timeout: 60_000 }).catch((e: { stdout: string; stderr: string }) => e);
    const bundled = JSON.parse(res.stdout) as AgentReport;
    expect(bundled.collector).toBe('bundled-agent');
    expect(bundled.database).toMatchObject({ reachable: true });
    expect(bundled.cdr).toMatchObject({ table: 'pbxware.cdr', lastHour: { calls: 20 } });
    const built = await collectReport(resolveOptions({ root: tree.root, asteriskCmd: ASTERISK_REPLAY }), pino({ level: 'silent' }));
    expect(comparable(bundled)).toEqual(comparable(built));
    expect(diskDrift(bundled, built)).toBeLessThan(0.01);
    expect(res.stdout).not.toContain(DB_SECRET);
  });

  it('bad input: one line, exit 3, as the built agent', async () => {
    const res = await run(process.execPath, [bundle, 'report', '--bogus'], { timeout: 30_000 }).then(() => null, (e: { code: number; stderr: string }) => e);
    expect(res?.code).toBe(3);
    expect(res?.stderr).toMatch(/^pbxready-agent: .*bogus.*\n$/);
  });

  it('install.sh --bundle installs the one file, and its wrapper runs it', async () => {
    const root = mkdtempSync(join(tmpdir(), `pbxready-bundle-install-${process.pid}-`));
    dirs.push(root);
    const out = await run('bash', [join(REPO, 'install.sh'), '--bundle', bundle, '--root', root, '--prefix', '/opt/pbxready', '--node', process.execPath], { timeout: 60_000 });
    expect(out.stdout).toContain('pbxready-agent (one-file agent) installed');
    expect(readdirSync(join(root, 'opt/pbxready')).sort()).toEqual(['bin', 'pbxready-agent.mjs']);
    expect(existsSync(join(root, 'opt/pbxready/node_modules'))).toBe(false);
    const wrapper = readFileSync(join(root, 'opt/pbxready/bin/pbxready-agent'), 'utf8');
    expect(wrapper).toContain('/opt/pbxready/pbxready-agent.mjs');
    // The wrapper names the installed path (relative to the host's /): run the file it names, under the tree.
    const v = await run(process.execPath, [join(root, 'opt/pbxready/pbxready-agent.mjs'), '--version'], { timeout: 30_000 });
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
