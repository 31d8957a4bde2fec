// Case 6: a malformed agent report cannot lose the outside report. Each patch in
// test/fixtures/hostile/agent-report-patches.json is applied to a real agent report; `check` in
// text, HTML and JSON and `precheck` in JSON must still produce their report, with AGENT_UNAVAILABLE
// naming what is wrong — never a crash ("Cannot read properties of undefined", exit 3, no report).

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckReport } from '../../shared/model.js';
import { runCli } from '../harness/cli.js';
import { AGENT_CLI, CHECKER_CLI, HOSTILE, REPO, tempDir } from './helpers.js';

const PATCHES = Object.entries(JSON.parse(readFileSync(join(HOSTILE, 'agent-report-patches.json'), 'utf8')) as Record<string, Record<string, unknown>>).filter(([k]) => !k.startsWith('_'));
const REASONS: Record<string, RegExp> = {
  'disks-null': /disks\[0\] is not an object/,
  'findings-empty': /findings\[0\]\.code is not a finding code/,
  'severity-script': /findings\[0\]\.severity is not one of info, warn, fail/,
  'trunks-not-list': /asterisk\.trunks is not a list/,
  'infinite-number': /disks\[0\]\.sizeBytes is not a finite number/,
  'listening-item-null': /listening\[0\] is not/,
  'product-name-script': /product\.name is not one of/,
};

let tmp: { dir: string; cleanup: () => Promise<void> };
let real: Record<string, unknown>;

beforeAll(async () => {
  tmp = await tempDir();
  const out = join(tmp.dir, 'agent.json');
  await promisify(execFile)(process.execPath, [AGENT_CLI, 'report', '--format', 'json', '--output', out, '--root', join(REPO, 'test/fixtures/pbxware'), '--asterisk-cmd', join(REPO, 'test/fixtures/asterisk/ast20-pjsip/asterisk')]).catch((err: { code?: number }) => {
    if (err.code === undefined || err.code === 3) throw err;
  });
  real = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
});
afterAll(() => tmp?.cleanup());

const outside = ['127.0.0.1', '--product', 'pbxware', '--ports', '9', '--allow-private', '--no-icmp', '--timeout-ms', '1000'];

describe('a malformed agent report becomes AGENT_UNAVAILABLE; the outside report is always produced', () => {
  for (const [name, patch] of PATCHES) {
    it(`${name}: check text/HTML/JSON and precheck JSON all report, naming the problem`, async () => {
      const path = join(tmp.dir, `${name}.json`);
      await writeFile(path, JSON.stringify({ ...real, ...patch }).replace(/"__INF__"/g, '1e999'));
      const [text, html, json, pre] = await Promise.all([
        runCli(CHECKER_CLI, ['check', ...outside, '--agent-report', path, '--format', 'text']),
        runCli(CHECKER_CLI, ['check', ...outside, '--agent-report', path, '--format', 'html']),
        runCli(CHECKER_CLI, ['check', ...outside, '--agent-report', path, '--format', 'json']),
        runCli(CHECKER_CLI, ['precheck', ...outside, '--to', '7.3', '--agent-report', path, '--format', 'json']),
      ]);
      for (const run of [text, html, json, pre]) expect(run.stderr).not.toMatch(/Cannot read|TypeError|at .*\.js:\d+/);
      expect([text.code, html.code, json.code]).toEqual([2, 2, 2]);
      expect(text.stdout).toMatch(/AGENT_UNAVAILABLE/);
      expect(text.stdout).toMatch(REASONS[name]!);
      expect(html.stdout).toMatch(/^<!doctype html>[\s\S]*AGENT_UNAVAILABLE/);
      const report = JSON.parse(json.stdout) as CheckReport;
      expect(report.agent).toBeUndefined();
      expect(report.findings.find((f) => f.code === 'AGENT_UNAVAILABLE')?.message).toMatch(REASONS[name]!);
      expect((JSON.parse(pre.stdout) as { kind: string }).kind).toBe('precheck');
    });
  }
});
