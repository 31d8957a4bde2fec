// The shipped Prometheus rules (deploy/prometheus/): promtool check rules, promtool test rules with
// the unit-test files beside them, and every alert in the rules file has a unit test that fires it.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { REPO } from '../harness/cli.js';
import { promtool } from '../harness/prometheus.js';

const DIR = join(REPO, 'deploy/prometheus');
const RULES = 'pbxready-rules.yml';
const TESTS = ['pbxready-rules.test.yml', 'pbxready-rules.weekly.test.yml'];

interface RuleFile {
  groups: Array<{ name: string; rules: Array<{ alert?: string; labels?: Record<string, string>; annotations?: Record<string, string> }> }>;
}
interface TestFile {
  tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
}

describe('deploy/prometheus/pbxready-rules.yml', () => {
  test('promtool check rules', async () => {
    const run = await promtool(['check', 'rules', RULES], undefined, DIR);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/SUCCESS: \d+ rules found/);
    expect(run.code).toBe(0);
  });

  test('promtool test rules: every unit test passes', async () => {
    const run = await promtool(['test', 'rules', ...TESTS], undefined, DIR);
    expect(run.stdout + run.stderr).not.toContain('FAILED');
    expect(run.stdout.match(/SUCCESS/g)).toHaveLength(TESTS.length);
    expect(run.code).toBe(0);
  });

  test('every alert has a severity, a summary, and a unit test in which it fires', () => {
    const rules = parse(readFileSync(join(DIR, RULES), 'utf8')) as RuleFile;
    const alerts = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert);
    expect(alerts.length).toBeGreaterThanOrEqual(15);
    const fired = new Set(
      TESTS.flatMap((f) => (parse(readFileSync(join(DIR, f), 'utf8')) as TestFile).tests)
        .flatMap((t) => t.alert_rule_test ?? [])
        .filter((t) => t.exp_alerts.length > 0)
        .map((t) => t.alertname),
    );
    for (const a of alerts) {
      expect([a.alert, a.labels?.severity]).toEqual([a.alert, expect.stringMatching(/^(warning|critical)$/)]);
      expect([a.alert, typeof a.annotations?.summary]).toEqual([a.alert, 'string']);
      expect([a.alert, fired.has(a.alert!)]).toEqual([a.alert, true]);
    }
  });

  test('a broken expectation fails promtool test rules (the check has teeth)', async () => {
    const { mkdtemp, writeFile, copyFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), `pbxready-rules-${process.pid}-`));
    try {
      await copyFile(join(DIR, RULES), join(dir, RULES));
      const wrong = readFileSync(join(DIR, TESTS[0]!), 'utf8').replace('summary: "203.0.113.5 port 2020 is filtered"', 'summary: "203.0.113.5 port 2020 is open"');
      await writeFile(join(dir, 'wrong.test.yml'), wrong);
      const run = await promtool(['test', 'rules', 'wrong.test.yml'], undefined, dir);
      expect(run.code).not.toBe(0);
      expect(run.stdout + run.stderr).toContain('FAILED');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
