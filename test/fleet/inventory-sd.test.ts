// `pbxready inventory sd`: an inventory as a Prometheus file_sd target file. The pure grouping and
// labels, then the CLI: bad entries skipped with a warning exit, bad documents refused (exit 3,
// nothing written), the file replaced atomically.

import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FileSdBuilder, targetLabels } from '../../checker/scan/file-sd.js';
import { parseInventory, type InventoryEntry } from '../../checker/scan/inventory.js';
import { requireBuild, runCli, tempDir } from './helpers.js';

const entries = (text: string) => [...parseInventory(text, 'lines')].flatMap((i) => ('entry' in i ? [i.entry] : []));

describe('file_sd groups (pure)', () => {
  test('labels: customer, name, tags as ",a,b,", product and the exporter module; auto and empty ones left out', () => {
    const [full, auto, bare] = entries('203.0.113.5 serverware name=hq customer=Acme tags=eu,gold\n203.0.113.6 auto\n203.0.113.7');
    expect(targetLabels(full!)).toEqual({ customer: 'Acme', name: 'hq', tags: ',eu,gold,', product: 'serverware', __param_module: 'serverware' });
    expect(targetLabels(auto!)).toEqual({});
    expect(targetLabels(bare!)).toEqual({});
  });

  test('one group per label set, in inventory order; the text is JSON Prometheus reads', () => {
    const b = new FileSdBuilder();
    for (const e of entries('10.0.0.1 pbxware customer=A\n10.0.0.2 issabel\n10.0.0.3 pbxware customer=A\n2001:db8::1 issabel')) b.add(e);
    expect(b.targets).toBe(4);
    expect(b.groupCount).toBe(2);
    expect(JSON.parse(b.render())).toEqual([
      { targets: ['10.0.0.1', '10.0.0.3'], labels: { customer: 'A', product: 'pbxware', __param_module: 'pbxware' } },
      { targets: ['10.0.0.2', '2001:db8::1'], labels: { product: 'issabel', __param_module: 'issabel' } },
    ]);
  });

  test('label values from the inventory are JSON-escaped, never break the file', () => {
    const b = new FileSdBuilder();
    const e: InventoryEntry = { line: 1, host: 'pbx.example.com', tags: [], customer: 'A "quoted"\n\\ name', name: '</script>' };
    b.add(e);
    expect(JSON.parse(b.render())).toEqual([{ targets: ['pbx.example.com'], labels: { customer: 'A "quoted"\n\\ name', name: '</script>' } }]);
  });
});

describe('pbxready inventory sd (CLI)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    requireBuild();
    ({ dir, cleanup } = await tempDir());
  });
  afterAll(() => cleanup?.());

  test('to stdout; a bad entry is skipped with INVENTORY_ENTRY_INVALID and exit 1 (a host Prometheus will not probe)', async () => {
    await writeFile(join(dir, 'fleet.txt'), '203.0.113.5 pbxware customer=Acme\nnot_a_host!\n203.0.113.6\n');
    const r = await runCli(['inventory', 'sd', join(dir, 'fleet.txt')]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual([
      { targets: ['203.0.113.5'], labels: { customer: 'Acme', product: 'pbxware', __param_module: 'pbxware' } },
      { targets: ['203.0.113.6'], labels: {} },
    ]);
    expect(r.stderr).toMatch(/^INVENTORY_ENTRY_INVALID Inventory line 2 skipped: /m);
  });

  test('--output replaces the file atomically (no temporary file left); a broken document is refused, exit 3, the old file kept', async () => {
    const out = join(dir, 'sd', 'fleet.json');
    await writeFile(join(dir, 'fleet.yaml'), 'hosts:\n  - { address: 203.0.113.5, product: issabel, name: a }\n');
    await mkdir(join(dir, 'sd'));
    await writeFile(out, 'old');
    const r = await runCli(['inventory', 'sd', join(dir, 'fleet.yaml'), '--output', out]);
    expect([r.code, r.stdout]).toEqual([0, '']);
    expect(r.stderr).toBe(`pbxready inventory sd: 1 target(s) in 1 group(s) written to ${out}\n`);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual([{ targets: ['203.0.113.5'], labels: { name: 'a', product: 'issabel', __param_module: 'issabel' } }]);
    expect(await readdir(join(dir, 'sd'))).toEqual(['fleet.json']);

    await writeFile(join(dir, 'broken.yaml'), 'hosts: [\n');
    const bad = await runCli(['inventory', 'sd', join(dir, 'broken.yaml'), '--output', out]);
    expect(bad.code).toBe(3);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('not valid YAML/JSON');
    expect(JSON.parse(await readFile(out, 'utf8'))[0].targets).toEqual(['203.0.113.5']);
  });

  test('no valid host at all is bad input (exit 3), not an empty target file', async () => {
    await writeFile(join(dir, 'empty.txt'), '# nothing\nnot_a_host!\n');
    const r = await runCli(['inventory', 'sd', join(dir, 'empty.txt')]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('no valid hosts in it (1 skipped)');
  });
});
