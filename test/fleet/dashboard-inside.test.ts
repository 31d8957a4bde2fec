// The fleet dashboard's inside columns as a person sees them, in headless Chromium: disk, CDR,
// trunks (or Asterisk down), backup, coloured by state; an EMERGENCY badge; an inside view that
// could not be had said in one cell; the cells that moved since the previous run outlined; the
// inside drift on top, worse first.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostDrift, sortDrift } from '../../checker/history/drift.js';
import type { DriftSummary, HostSummary, InsideSummary } from '../../shared/model.js';
import { renderDashboard } from '../../shared/render/dashboard.js';
import { hostSummary } from '../fixtures/reports.js';
import { startChromium, type TestBrowser } from '../harness/chromium.js';

// These run inside the page (playwright evaluate); the test tsconfig has no DOM lib.
declare const getComputedStyle: (el: unknown) => { backgroundColor: string; color: string; outlineStyle: string };

let browser: TestBrowser;
beforeAll(async () => {
  browser = await startChromium();
});
afterAll(async () => {
  await browser?.stop();
});

const healthy: InsideSummary = {
  via: 'http',
  productVersion: '7.2.1',
  asteriskVersion: '20.5.0',
  databaseVersion: '10.11.6-MariaDB',
  asterisk: 'up',
  trunks: [{ name: 'carrier-a', state: 'Registered', registered: true }, { name: 'carrier-b', state: 'Registered', registered: true }],
  disks: [{ mount: '/', usePercent: 41, band: 'ok' }, { mount: '/var/lib/mysql', usePercent: 62, band: 'ok' }],
  cdr: { table: 'pbxware.cdr', rows: 1_200_000, bytes: 350 * 1024 ** 2 },
  backup: 'ok',
  backupAgeDays: 0.8,
  emergency: [],
};

const before = (key: string, inside?: InsideSummary): HostSummary => hostSummary({ key, customer: 'acme', host: `${key}.example.net`, ...(inside ? { inside } : {}) });

const BEFORE = [before('acme/hq', healthy), before('acme/branch', healthy), before('acme/lab', healthy), before('acme/plain')];
const AFTER: HostSummary[] = [
  before('acme/hq', {
    ...healthy,
    trunks: [{ name: 'carrier-a', state: 'Rejected', registered: false }, healthy.trunks![1]!],
    disks: [{ mount: '/', usePercent: 41, band: 'ok' }, { mount: '/var/lib/mysql', usePercent: 93, band: 'fail' }],
    cdr: { table: 'pbxware.cdr', rows: 2_600_000, bytes: 760 * 1024 ** 2 },
    backup: 'old',
    backupAgeDays: 9,
    emergency: ['50% of calls or more unable to pass'],
  }),
  before('acme/branch', { ...healthy, asterisk: 'down', trunks: [] }),
  before('acme/lab', { via: 'ssh', unavailable: 'over SSH to 192.0.2.9:2020 as root: no answer within 30000 ms' }),
  before('acme/plain'),
];

const drift = (): DriftSummary => ({ fromRun: 3, toRun: 4, changes: sortDrift(AFTER.flatMap((a, i) => hostDrift(BEFORE[i], a))) });

const page = () =>
  browser.open(
    renderDashboard({
      run: { id: 4, status: 'complete', inventory: 'fleet.yaml', startedAt: '2026-11-20T02:00:00.000Z', hostsTotal: 4, invalidEntries: 0 },
      hosts: () => AFTER,
      drift: drift(),
      generatedAt: '2026-11-20T02:01:00.000Z',
      toolVersion: '0.1.0',
    }),
  );

describe('fleet dashboard: the inside view', () => {
  it('columns for disk, CDR, trunks and backup, coloured; EMERGENCY badge; unavailable and absent inside views said as such', async () => {
    const p = await page();
    try {
      expect(await p.locator('#hosts thead th').allInnerTexts()).toEqual(['Host', 'Customer', 'Address', 'Product', 'Verdict', 'Disk', 'CDR', 'Trunks', 'Backup', '443']);
      const cell = (key: string, col: string) => p.locator(`tr[data-key="${key}"] td[data-inside="${col}"]`);
      const look = async (key: string, col: string) => ({ text: await cell(key, col).innerText(), bg: await cell(key, col).evaluate((el) => getComputedStyle(el).backgroundColor) });
      expect(await look('acme/hq', 'disk')).toEqual({ text: '93% /var/lib/mysql', bg: 'rgb(255, 235, 233)' });
      expect(await look('acme/hq', 'cdr')).toEqual({ text: '2.6 M rows · 760.0 MiB', bg: 'rgb(218, 251, 225)' });
      expect(await look('acme/hq', 'trunks')).toEqual({ text: '1/2 registered', bg: 'rgb(255, 235, 233)' });
      expect(await look('acme/hq', 'backup')).toEqual({ text: 'old (9 d)', bg: 'rgb(255, 248, 197)' });
      expect(await cell('acme/hq', 'trunks').getAttribute('title')).toBe('carrier-a: Rejected, carrier-b: Registered');
      expect(await look('acme/branch', 'trunks')).toEqual({ text: 'Asterisk down', bg: 'rgb(255, 235, 233)' });
      expect(await look('acme/branch', 'disk')).toEqual({ text: '62% /var/lib/mysql', bg: 'rgb(218, 251, 225)' });
      const emergency = p.locator('tr[data-key="acme/hq"] .badge.emergency');
      expect(await emergency.innerText()).toBe('EMERGENCY');
      expect(await emergency.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(207, 34, 46)');
      expect(await p.locator('tr[data-key="acme/branch"] .badge.emergency').count()).toBe(0);
      expect(await cell('acme/lab', 'unavailable').innerText()).toBe('inside view unavailable (ssh): over SSH to 192.0.2.9:2020 as root: no answer within 30000 ms');
      expect(await cell('acme/plain', 'disk').innerText()).toBe('·');
      // The port grid is still there, after the inside columns.
      expect(await p.locator('tr[data-key="acme/plain"] td[data-port="443"]').innerText()).toBe('open');
    } finally {
      await p.close();
    }
  });

  it('the inside drift on top, worse first; the cells that moved are outlined', async () => {
    const p = await page();
    try {
      expect((await p.locator('#drift').boundingBox())!.y).toBeLessThan((await p.locator('#hosts').boundingBox())!.y);
      const items = await p.locator('#drift li').allInnerTexts();
      expect(items).toEqual(
        expect.arrayContaining([
          'acme/hq: trunk carrier-a went down (Rejected)',
          'acme/hq: disk /var/lib/mysql in the fail band (62% → 93% used)',
          'acme/hq: CDR table pbxware.cdr grew more than 1.5× (rows 1,200,000 → 2,600,000, size 350.0 MiB → 760.0 MiB)',
          'acme/hq: backup older than its limit (newest 9 days old)',
          'acme/hq: emergency criterion met: 50% of calls or more unable to pass',
          'acme/branch: Asterisk went down',
          'acme/lab: inside view lost (ssh): over SSH to 192.0.2.9:2020 as root: no answer within 30000 ms',
        ]),
      );
      expect(await p.locator('#drift li.worse').count()).toBe(items.length);
      const outlined = (key: string, col: string) => p.locator(`tr[data-key="${key}"] td[data-inside="${col}"]`).evaluate((el) => getComputedStyle(el).outlineStyle);
      for (const col of ['disk', 'cdr', 'trunks', 'backup']) expect(await outlined('acme/hq', col)).toBe('solid');
      expect(await outlined('acme/branch', 'trunks')).toBe('solid');
      expect(await outlined('acme/branch', 'disk')).toBe('none');
    } finally {
      await p.close();
    }
  });
});
