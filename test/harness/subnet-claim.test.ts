// The claim that keeps concurrent test networks apart (test/harness/subnet-claim.ts).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { claimSubnet as claimIn } from './subnet-claim.js';

// A directory of claims of its own: filling every subnet here must not starve the test networks
// of other files running at the same time.
const claims = mkdtempSync(join(tmpdir(), 'pbxready-claims-'));
const claimSubnet = () => claimIn(claims);
afterAll(() => rmSync(claims, { recursive: true, force: true }));

describe('test subnet claims', () => {
  it('claims held at once never share a subnet; a released one is free again', () => {
    const claims = Array.from({ length: 40 }, () => claimSubnet());
    expect(new Set(claims.map((c) => c.n)).size).toBe(40);
    for (const c of claims) expect(c.n).toBeGreaterThanOrEqual(1), expect(c.n).toBeLessThanOrEqual(250);
    for (const c of claims) c.release();
  });

  it('a claim left by a process that died is taken back; a live owner\'s is not', () => {
    // Fill every subnet: the dead owner's claim is then the only one to be had.
    const mine = Array.from({ length: 249 }, () => claimSubnet());
    const free = Array.from({ length: 250 }, (_, i) => i + 1).find((n) => !mine.some((c) => c.n === n))!;
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    mkdirSync(join(claims, String(free)));
    writeFileSync(join(claims, String(free), 'pid'), dead);
    const taken = claimSubnet();
    expect(taken.n).toBe(free);
    expect(() => claimSubnet()).toThrow(/no free test subnet/);
    taken.release();
    for (const c of mine) c.release();
  });
});
