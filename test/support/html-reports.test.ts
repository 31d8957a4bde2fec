// The HTML reports a person opens from a ticket, rendered in headless Chromium and read as a person
// would: status at a glance, the per-port table, findings with remedies, the agent's facts and the
// pre-check items. The reports come from real runs: a check of loopback servers (HTTPS GUI with a
// self-signed certificate, closed ports), the built agent against a real MariaDB and a PBXware
// fixture tree, merged; then the pre-check over both.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fileAgentSource } from '../../checker/agent-source/file.js';
import { fetchAndMerge } from '../../checker/agent-source/index.js';
import { CHECK_DEFAULTS, type CheckOptions } from '../../checker/check-options.js';
import { DEFAULT_DEPS, runCheck } from '../../checker/check.js';
import type { AgentReport, CheckReport, PrecheckReport } from '../../shared/model.js';
import { precheckReport } from '../../shared/precheck.js';
import { SecretRegistry } from '../../shared/redact.js';
import { agentDocument } from '../../shared/render/agent-document.js';
import { checkDocument } from '../../shared/render/check-document.js';
import { renderReport } from '../../shared/render/index.js';
import { precheckDocument } from '../../shared/render/precheck-document.js';
import { ASTERISK, cleanupRoots, fixtureRoot, runCli } from '../agent/helpers.js';
import { startChromium, type TestBrowser } from '../harness/chromium.js';
import { createPbxwareCdr, createReader, seedCalls, startMariaDb, type MariaDb } from '../harness/mariadb.js';
import { closedPort, page as guiPage, PAGES, startHttpsServer, type TestServer } from '../harness/servers.js';
import { makeCertificates } from '../harness/tls-certs.js';

const DB_PASSWORD = 'Fixture-Pbxware-Db-S3cret';

// These run inside the page (playwright $eval/evaluate); the test tsconfig has no DOM lib.
declare const getComputedStyle: (el: unknown) => { backgroundColor: string; borderLeftColor: string };
type Shown = { innerText: string };

let browser: TestBrowser;
let db: MariaDb;
let gui: TestServer;
let check: CheckReport;
let merged: CheckReport;
let pre: PrecheckReport;
const work = mkdtempSync(join(tmpdir(), 'pbxready-html-'));

beforeAll(async () => {
  browser = await startChromium();
  db = await startMariaDb();
  await createReader(db, 'pbxreader', DB_PASSWORD);
  await createPbxwareCdr(db);
  await seedCalls(db, 'pbxware.cdr', { lastHour: 4, lastHourFailed: 1, older: 200 });

  const certs = await makeCertificates();
  gui = await startHttpsServer(certs.selfSigned, guiPage(PAGES.pbxware));
  const closed = await closedPort();
  const portMap = Object.fromEntries([22, 80, 81, 2020, 2222, 3306, 5038].map((p) => [p, closed]));
  portMap[443] = gui.port;
  const options: CheckOptions = { ...CHECK_DEFAULTS, host: '127.0.0.1', product: 'pbxware', allowPrivate: true, timeoutMs: 3000, icmp: false };
  check = await runCheck(options, { ...DEFAULT_DEPS, portMap });

  const agentRun = await runCli(['report', '--format', 'json', '--root', fixtureRoot('pbxware'), '--asterisk-cmd', ASTERISK.pjsip20, '--db-host', '127.0.0.1', '--db-port', String(db.port)]);
  const agentFile = join(work, 'agent.json');
  writeFileSync(agentFile, agentRun.stdout);
  ({ report: merged } = await fetchAndMerge(check, await fileAgentSource(agentFile), options, portMap));
  pre = precheckReport({ check: merged, targetVersion: '99.0', agentVia: 'file' }, 1234);
});

afterAll(async () => {
  await browser?.stop();
  await gui?.stop();
  await db?.stop();
  cleanupRoots();
  rmSync(work, { recursive: true, force: true });
});

const show = (html: string): Promise<Page> => browser.open(html);

/** The colour a person sees behind the verdict. */
const background = (page: Page, selector: string) => page.$eval(selector, (el) => getComputedStyle(el).backgroundColor);

describe('check report in Chromium', () => {
  test('status at a glance, the port table, findings with remedies', async () => {
    expect(check.verdict).toBe('not-ready');
    const page = await show(renderReport(check, 'html', checkDocument));
    try {
      expect(await page.title()).toBe('pbxready check — 127.0.0.1 — NOT READY');
      const verdict = page.locator('.verdict');
      expect(await verdict.innerText()).toBe('NOT READY');
      expect(await verdict.isVisible()).toBe(true);
      expect(await background(page, '.verdict')).toBe('rgb(207, 34, 46)');

      // The first table is the per-port table: one row per probed port, states coloured.
      const rows = await page.$$eval('h2:text("Ports") + table tbody tr', (trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => ({ text: td.innerText, cls: td.className }))),
      );
      const row = (port: number) => rows.find((r) => r[0]?.text === String(port));
      expect(row(443)?.[4]).toEqual({ text: 'open', cls: 'ok' });
      expect(row(2020)?.[4]).toEqual({ text: 'closed', cls: 'fail' });
      expect(row(2020)?.[5]?.text).toBe('ECONNREFUSED (refused)');
      expect(row(3306)?.[4]?.text).toBe('closed');

      // Findings: each visible with its remedy; the failure is red-edged.
      const closedFinding = page.locator('.finding[data-code="PORT_CLOSED"]').first();
      expect(await closedFinding.innerText()).toContain('Remedy: Nothing listens where the port leads');
      expect(await closedFinding.evaluate((el) => getComputedStyle(el).borderLeftColor)).toBe('rgb(207, 34, 46)');
      expect(await page.locator('.finding[data-code="TLS_SELF_SIGNED"]').innerText()).toContain('self-signed');

      // The GUI was recognised and the certificate evidence is there.
      expect(await page.locator('h2:text("Web GUI") + table').innerText()).toContain('PBXware');
      expect(await page.locator('h2:text("TLS certificates") + table').innerText()).toMatch(/TLSv1\.[23]/);
    } finally {
      await page.close();
    }
  });
});

describe('agent report in Chromium', () => {
  test('the host facts a ticket needs, and no secret', async () => {
    const agent = merged.agent as AgentReport;
    expect(agent.database.reachable).toBe(true);
    const html = renderReport(agent, 'html', agentDocument);
    expect(html).not.toContain(DB_PASSWORD);
    const page = await show(html);
    try {
      const text = await page.locator('body').innerText();
      expect(text).toContain('pbxware.cdr');
      expect(text).toMatch(/PBXware/);
      expect(await page.locator('.verdict').isVisible()).toBe(true);
      // Every finding shows its remedy.
      const findings = await page.$$eval('.finding', (els) => els.map((e) => (e as unknown as Shown).innerText));
      expect(findings.length).toBe(agent.findings.length);
      for (const f of findings) expect(f).toContain('Remedy:');
    } finally {
      await page.close();
    }
  });
});

describe('merged check and pre-check in Chromium', () => {
  test('both views in one report: the joint diagnosis is shown', async () => {
    const page = await show(renderReport(merged, 'html', checkDocument));
    try {
      // The PBX fixture's agent ran on this machine, where nothing listens on 2020: not a forward problem.
      expect(merged.findings.some((f) => f.code === 'SERVICE_NOT_LISTENING' && f.port === 2020)).toBe(true);
      const diagnosis = page.locator('.finding[data-code="SERVICE_NOT_LISTENING"]').filter({ hasText: 'port 2020' });
      expect(await diagnosis.innerText()).toContain('Remedy: Start the service for TCP 2020 on the PBX first');
      // The outside view saw the mapped GUI answer on 443 while nothing listens on 443 here: a forward to elsewhere.
      expect(await page.locator('.finding[data-code="PORT_FORWARDED_ELSEWHERE"]').innerText()).toContain('443');
    } finally {
      await page.close();
    }
  });

  test('every pre-check item with its status and evidence, the decision and the actions', async () => {
    const page = await show(renderReport(pre, 'html', precheckDocument));
    try {
      const text = await page.locator('body').innerText();
      expect(pre.items.length).toBe(10);
      for (const item of pre.items) {
        expect(text, item.id).toContain(item.title);
      }
      expect(pre.decision).toBe('no-go');
      expect(await page.locator('.verdict').innerText()).toBe('NOT READY');
      for (const action of pre.actions) expect(text).toContain(action);
    } finally {
      await page.close();
    }
  });

  test('nothing secret reaches any format of any of the three reports', () => {
    const registry = new SecretRegistry();
    registry.add(DB_PASSWORD);
    for (const format of ['text', 'json', 'markdown', 'html'] as const) {
      expect(renderReport(check, format, checkDocument, registry)).not.toContain(DB_PASSWORD);
      expect(renderReport(merged, format, checkDocument, registry)).not.toContain(DB_PASSWORD);
      expect(renderReport(pre, format, precheckDocument, registry)).not.toContain(DB_PASSWORD);
    }
  });
});
