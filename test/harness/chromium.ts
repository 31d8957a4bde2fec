// Headless Debian Chromium driven by playwright-core (no browser download): open an HTML page as
// a person would and look at it. Fails with the reason when /usr/bin/chromium is missing.

import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface TestBrowser {
  /** A fresh page showing `html` (no network: the page must be self-contained). */
  open(html: string): Promise<Page>;
  stop(): Promise<void>;
}

export async function startChromium(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (.ci/run does)`);
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  return {
    async open(html: string) {
      const page = await browser.newPage();
      // Any request leaving the page would mean it is not self-contained.
      await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
      await page.setContent(html, { waitUntil: 'load' });
      return page;
    },
    stop: () => browser.close(),
  };
}
