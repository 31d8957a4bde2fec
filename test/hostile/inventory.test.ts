// Case 8: inventories cost memory in proportion. A 150 MB lines inventory of 1M hosts is read in
// flat memory (the scan is stopped after its first hosts); JSON is parsed as JSON; YAML over the
// limit is refused with a message pointing at CSV/lines; tags that are not words are refused; a
// host's ports are capped. Peak RSS (VmHWM) of the real CLI is read once its first hosts are done.

import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKER_CLI, requireBuilt, runCli } from '../harness/cli.js';
import { tempDir } from './helpers.js';

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  requireBuilt(CHECKER_CLI);
  tmp = await tempDir();
});
afterAll(() => tmp?.cleanup());

const SCAN = ['--probes', 'tcp', '--ports', '9', '--allow-private', '--timeout-ms', '1000', '--concurrency', '4'];
const addr = (i: number) => `127.${(i >> 16) & 255}.${(i >> 8) & 255}.${(i & 255) || 1}`;

/** Run `scan … --format ndjson`; once `reports` reports arrived, read its peak RSS (VmHWM) and SIGINT it. */
function scanUntil(args: string[], reports: number): Promise<{ code: number | null; reports: number; maxRssMiB: number; stderr: string }> {
  const child = spawn(process.execPath, [CHECKER_CLI, 'scan', ...args, '--format', 'ndjson'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1' } });
  let lines = 0;
  let stderr = '';
  let maxRssMiB = Infinity;
  child.stdout!.on('data', (d: Buffer) => {
    lines += d.toString().split('\n').length - 1;
    if (lines >= reports && maxRssMiB === Infinity) {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      maxRssMiB = hwm ? Number(hwm[1]) / 1024 : -1;
      child.kill('SIGINT');
    }
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, reports: lines, maxRssMiB, stderr });
    });
  });
}

describe('inventories scale (case 8)', () => {
  it('a 150 MB lines inventory of 1M hosts is counted and streamed in flat memory', async () => {
    const path = join(tmp.dir, 'fleet.txt');
    const out = createWriteStream(path);
    for (let i = 1; i <= 1_000_000; i++) {
      const line = `${addr(i)} pbxware name=host-${String(i).padStart(7, '0')} customer=customer-with-a-long-name-${i % 977} tags=eu,gold,tier-one,nightly ssh_user=root\n`;
      if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((r) => out.end(() => r()));
    const run = await scanUntil(['--inventory', path, '--db', join(tmp.dir, 'big.db'), ...SCAN], 3);
    expect(run.reports).toBeGreaterThanOrEqual(3);
    expect(run.stderr).toMatch(/SCAN_INTERRUPTED The scan was interrupted after \d+ of 1000000 hosts/);
    // Node + SQLite + one line at a time; holding 1M keys was ~100 MB more.
    console.log(`1M-host lines inventory: peak RSS ${run.maxRssMiB.toFixed(0)} MiB`);
    expect(run.maxRssMiB).toBeGreaterThan(0);
    expect(run.maxRssMiB).toBeLessThan(160);
  });

  it('JSON is parsed as JSON: a 5 MB JSON inventory is read quickly in modest memory', async () => {
    const path = join(tmp.dir, 'fleet.json');
    const hosts = Array.from({ length: 60_000 }, (_, i) => ({ host: addr(i + 1), name: `host-${i}`, customer: `customer-${i % 97}`, tags: ['eu', 'gold'] }));
    await writeFile(path, JSON.stringify({ hosts }, null, 1));
    const run = await scanUntil(['--inventory', path, '--db', join(tmp.dir, 'json.db'), ...SCAN], 2);
    expect(run.reports).toBeGreaterThanOrEqual(2);
    console.log(`5 MB JSON inventory: peak RSS ${run.maxRssMiB.toFixed(0)} MiB`);
    expect(run.maxRssMiB).toBeGreaterThan(0);
    expect(run.maxRssMiB).toBeLessThan(250);
  });

  it('a YAML inventory over the limit is refused at once, pointing at CSV or lines', async () => {
    const path = join(tmp.dir, 'fleet.yaml');
    const lines = ['hosts:', ...Array.from({ length: 30_000 }, (_, i) => `  - address: ${addr(i + 1)}\n    name: host-${i}\n    customer: customer-${i % 97}`)];
    await writeFile(path, `${lines.join('\n')}\n`);
    const run = await runCli(CHECKER_CLI, ['scan', '--inventory', path, '--db', join(tmp.dir, 'yaml.db'), ...SCAN], { timeoutMs: 60_000 });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^pbxready: --inventory .*fleet\.yaml: a YAML inventory of \d+\.\d MiB is over the 1 MiB YAML limit .*CSV or one host per line.*\n$/);
  });

  it('tags that are not words are refused, never "[object Object]"; a host\'s ports are capped', async () => {
    const path = join(tmp.dir, 'tags.yaml');
    await writeFile(path, 'hosts:\n  - address: 127.0.0.1\n    tags: {eu: true}\n  - address: 127.0.0.2\n    tags: [eu, gold]\n');
    const run = await runCli(CHECKER_CLI, ['scan', '--inventory', path, '--db', join(tmp.dir, 'tags.db'), '--format', 'ndjson', ...SCAN]);
    expect(run.stderr).toMatch(/INVENTORY_ENTRY_INVALID Inventory line 2 skipped: tags must be a list of words or comma-separated text/);
    expect(run.stdout).not.toContain('[object');
    const ports = await runCli(CHECKER_CLI, ['check', '127.0.0.1', '--ports', '1-65535', '--allow-private', '--no-icmp']);
    expect(ports.code).toBe(3);
    expect(ports.stderr).toBe('pbxready: --ports range "1-65535" has 65535 ports; at most 256 per host\n');
  });
});
