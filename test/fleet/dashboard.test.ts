// The fleet dashboard as a person sees it, in headless Chromium: drift on top, the grid's colours
// and words, verdict badges, and the filters actually hiding rows.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftSummary, HostSummary } from '../../shared/model.js';
import { hostSummary } from '../fixtures/reports.js';
import { hostDrift } from '../../checker/history/drift.js';
import { renderDashboard } from '../../shared/render/dashboard.js';
import { startChromium, type TestBrowser } from '../harness/chromium.js';
import { startSilentServer } from '../harness/servers.js';
import { requireBuild, runCli, tempDir } from './helpers.js';

// These run inside the page (playwright evaluate); the test tsconfig has no DOM lib.
declare const getComputedStyle: (el: unknown) => { backgroundColor: string; color: string };
type HTMLElement = { dataset: Record<string, string | undefined> };

let browser: TestBrowser;
beforeAll(async () => {
  browser = await startChromium();
});
afterAll(async () => {
  await browser?.stop();
});

const host = (key: string, customer: string, tags: string[], verdict: HostSummary['verdict'], states: Record<number, 'open' | 'closed' | 'filtered'>): HostSummary =>
  hostSummary({
    key,
    customer,
    tags,
    host: `${key}.example.net`,
    verdict,
    checkedAt: '2026-11-20T02:00:00.000Z',
    durationMs: 120,
    ports: [...Object.entries(states).map(([p, state]) => ({ port: Number(p), state, required: true })), { port: 3306, state: 'closed' as const, required: false }],
    findings: verdict === 'ready' ? [] : ['PORT_CLOSED'],
  });

const HOSTS = [
  host('acme-hq', 'Acme', ['eu', 'gold'], 'not-ready', { 80: 'open', 443: 'open', 2020: 'closed' }),
  host('acme-branch', 'Acme', ['eu'], 'ready', { 80: 'open', 443: 'open', 2020: 'open' }),
  host('beta-main', 'Beta', ['us'], 'not-ready', { 80: 'open', 443: 'filtered', 2020: 'open' }),
];

function drift(): DriftSummary {
  const before = { ...HOSTS[0]!, verdict: 'ready' as const, ports: HOSTS[0]!.ports.map((p) => (p.port === 2020 ? { ...p, state: 'open' as const } : p)) };
  return { fromRun: 6, toRun: 7, changes: hostDrift(before, HOSTS[0]) };
}

const page = () =>
  browser.open(
    renderDashboard({
      run: { id: 7, status: 'complete', inventory: 'fleet.yaml', startedAt: '2026-11-20T02:00:00.000Z', hostsTotal: 3, invalidEntries: 1 },
      hosts: () => HOSTS,
      drift: drift(),
      generatedAt: '2026-11-20T02:01:00.000Z',
      toolVersion: '0.1.0',
    }),
  );

const visibleKeys = (p: Awaited<ReturnType<typeof page>>) => p.locator('#hosts tbody tr:visible').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.key));

describe('fleet dashboard in Chromium', () => {
  it('shows the drift first, then a grid coloured by port state with verdict badges', async () => {
    const p = await page();
    // Drift sits above the grid.
    const driftTop = await p.locator('#drift').boundingBox();
    const gridTop = await p.locator('#hosts').boundingBox();
    expect(driftTop!.y).toBeLessThan(gridTop!.y);
    expect(await p.locator('#drift h2').innerText()).toBe('Changes since run 6');
    expect(await p.locator('#drift li').allInnerTexts()).toEqual(['acme-hq: verdict ready → not-ready', 'acme-hq: port 2020 open → closed']);
    expect(await p.locator('#drift li.worse').first().evaluate((el) => getComputedStyle(el).color)).toBe('rgb(207, 34, 46)');

    // Column headers: the required ports only (3306 is not required anywhere).
    expect(await p.locator('#hosts thead th').allInnerTexts()).toEqual(['Host', 'Customer', 'Address', 'Product', 'Verdict', '80', '443', '2020']);
    const cell = (key: string, port: number) => p.locator(`tr[data-key="${key}"] td[data-port="${port}"]`);
    const look = async (key: string, port: number) => ({
      text: await cell(key, port).innerText(),
      bg: await cell(key, port).evaluate((el) => getComputedStyle(el).backgroundColor),
    });
    expect(await look('acme-hq', 2020)).toEqual({ text: 'closed', bg: 'rgb(207, 34, 46)' });
    expect(await look('acme-hq', 80)).toEqual({ text: 'open', bg: 'rgb(26, 127, 55)' });
    expect(await look('beta-main', 443)).toEqual({ text: 'filtered', bg: 'rgb(154, 103, 0)' });
    const badge = p.locator('tr[data-key="beta-main"] .badge');
    expect(await badge.innerText()).toBe('NOT READY');
    expect(await badge.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(207, 34, 46)');
    expect(await p.locator('tr[data-key="acme-branch"] .badge').innerText()).toBe('READY');
    await p.close();
  });

  it('filters by verdict, customer and tag hide the other rows', async () => {
    const p = await page();
    expect(await visibleKeys(p)).toEqual(['acme-hq', 'acme-branch', 'beta-main']);
    await p.getByRole('button', { name: /^NOT READY/ }).click();
    expect(await visibleKeys(p)).toEqual(['acme-hq', 'beta-main']);
    expect(await p.locator('#shown').innerText()).toBe('2');
    await p.selectOption('#f-customer', 'Beta');
    expect(await visibleKeys(p)).toEqual(['beta-main']);
    await p.getByRole('button', { name: /^NOT READY/ }).click(); // verdict filter off again
    await p.selectOption('#f-customer', '');
    await p.selectOption('#f-tag', 'eu');
    expect(await visibleKeys(p)).toEqual(['acme-hq', 'acme-branch']);
    await p.close();
  });
});

describe('scan --format html through the CLI', () => {
  it('two real scans into one database: the second page names the port that closed on top, and its grid shows it closed', async () => {
    requireBuild();
    const { dir, cleanup } = await tempDir();
    const movable = await startSilentServer();
    const stable = await startSilentServer();
    try {
      const inv = join(dir, 'fleet.txt');
      const db = join(dir, 'fleet.db');
      await writeFile(inv, [`127.0.0.1 pbxware name=pbx1 customer=acme tags=eu ports=${movable.port},${stable.port}`, `127.0.0.1 pbxware name=pbx2 customer=beta ports=${stable.port}`].join('\n'));
      const scan = (out: string) => runCli(['scan', '--inventory', inv, '--probes', 'tcp', '--allow-private', '--db', db, '--format', 'html', '--output', join(dir, out)]);
      const first = await scan('first.html');
      expect(first.code).toBe(0);
      await movable.stop();
      const second = await scan('second.html');
      expect(second.code).toBe(2);
      expect(second.stdout).toBe('');

      const p = await browser.open(await readFile(join(dir, 'second.html'), 'utf8'));
      try {
        expect((await p.locator('#drift').boundingBox())!.y).toBeLessThan((await p.locator('#hosts').boundingBox())!.y);
        expect(await p.locator('#drift h2').innerText()).toBe('Changes since run 1');
        expect(await p.locator('#drift li').allInnerTexts()).toEqual([`acme/pbx1: port ${movable.port} open → closed`, 'acme/pbx1: verdict ready → not-ready']);
        const cell = (key: string, port: number) => p.locator(`tr[data-key="${key}"] td[data-port="${port}"]`);
        expect(await cell('acme/pbx1', movable.port).innerText()).toBe('closed');
        expect(await cell('acme/pbx1', movable.port).evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(207, 34, 46)');
        expect(await cell('acme/pbx1', stable.port).innerText()).toBe('open');
        expect(await cell('beta/pbx2', stable.port).innerText()).toBe('open');
        expect(await p.locator('tr[data-key="acme/pbx1"] .badge').innerText()).toBe('NOT READY');
        expect(await p.locator('tr[data-key="beta/pbx2"] .badge').innerText()).toBe('READY');
      } finally {
        await p.close();
      }
    } finally {
      await movable.stop();
      await stable.stop();
      await cleanup();
    }
  });
});
