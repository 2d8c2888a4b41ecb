import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFeatureHarness } from '../feature-testing.ts';
import type { FeatureHarness } from '../feature-testing.ts';
import { ALL_OPERATIONS } from './index.ts';

// Debian's chromium (apt-get install chromium; .ci/run installs it). Never a downloaded browser.
const CHROMIUM = '/usr/bin/chromium';

let h: FeatureHarness;
beforeAll(async () => {
  h = await startFeatureHarness();
});
afterAll(async () => h?.stop());

describe('GET /docs', () => {
  it('renders every operation in a real browser with all network off except the target itself', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage();
      const offsite: string[] = [];
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith(h.target.url) || url.startsWith('data:')) return route.continue();
        offsite.push(url);
        return route.abort();
      });
      const cspErrors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') cspErrors.push(m.text());
      });
      await page.goto(`${h.target.url}/docs`);
      await page.waitForSelector('.opblock', { timeout: 20_000 });
      const operations = await page.locator('.opblock').count();
      expect(operations).toBe(ALL_OPERATIONS.length);
      expect(await page.locator('.info .title').innerText()).toContain('SocialConnect API');
      expect(offsite).toEqual([]);
      expect(cspErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
