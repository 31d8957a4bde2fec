// The harness refuses to spawn a built CLI that is older than the sources it was built from.

import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AGENT_CLI, CHECKER_CLI, requireBuilt, staleBuild } from './cli.js';

const repo = mkdtempSync(join(tmpdir(), `pbxready-stale-${process.pid}-`));
afterAll(() => rmSync(repo, { recursive: true, force: true }));

function touch(rel: string, at: Date): void {
  const path = join(repo, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '');
  utimesSync(path, at, at);
}

describe('staleBuild', () => {
  const earlier = new Date('2026-01-01T10:00:00Z');
  const later = new Date('2026-01-01T10:05:00Z');

  it('a source edited after the build (deep in any source folder) → names both times and `npm run build`', () => {
    touch('dist/checker/cli.js', earlier);
    touch('dist/agent/cli.js', earlier);
    touch('checker/cli.ts', earlier);
    touch('shared/rules/ports.ts', later);
    expect(staleBuild(repo)).toBe(
      'dist/ is older than the sources (newest source 2026-01-01T10:05:00.000Z, newest build 2026-01-01T10:00:00.000Z): run "npm run build" first (npm test does)',
    );
  });

  it('built after the last edit → current', () => {
    touch('dist/shared/rules/ports.js', later);
    expect(staleBuild(repo)).toBe('');
  });

  it('files that are not sources (README, fixtures) do not count', () => {
    touch('agent/README.md', new Date('2026-01-02T00:00:00Z'));
    expect(staleBuild(repo)).toBe('');
  });

  it('no dist/ at all is stale', () => {
    rmSync(join(repo, 'dist'), { recursive: true });
    expect(staleBuild(repo)).toMatch(/^dist\/ is older than the sources/);
  });
});

it('this checkout: both CLIs are built and current (npm test builds first)', () => {
  expect(() => requireBuilt(CHECKER_CLI)).not.toThrow();
  expect(() => requireBuilt(AGENT_CLI)).not.toThrow();
  expect(staleBuild()).toBe('');
});
