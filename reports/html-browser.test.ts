import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { repoPath } from '../common/index.ts';
import { renderHtml } from './render/html.ts';
import { fixtureRun } from './testing/fixture-run.ts';

// Debian's chromium (apt-get install chromium; .ci/run installs it). Never a downloaded browser.
const CHROMIUM = '/usr/bin/chromium';

describe('the HTML report in headless Chromium', () => {
  it('draws the charts, shows the verdict and the fault windows, offline', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
    const outDir = repoPath('test-results');
    await mkdir(outDir, { recursive: true });
    const file = `${outDir}/report-fixture.html`;
    await writeFile(file, renderHtml(fixtureRun(300)));
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
      const requests: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) requests.push(r.url());
      });
      await page.goto(`file://${file}`);
      const banner = page.locator('#verdict');
      expect(await banner.isVisible()).toBe(true);
      expect(await banner.innerText()).toMatch(/^FAIL — 4 of 5 objectives/);
      const charts = await page.$$eval('svg.chart', (svgs) =>
        svgs.map((s) => {
          const box = s.getBoundingClientRect();
          const lines = Array.from(s.querySelectorAll('g.series polyline')).map(
            (p) => (p.getAttribute('points') ?? '').split(' ').length,
          );
          return {
            id: s.id,
            width: box.width,
            height: box.height,
            lines,
            faults: s.querySelectorAll('g.fault rect').length,
          };
        }),
      );
      expect(charts.map((c) => c.id)).toEqual(['chart-latency', 'chart-rate', 'chart-errors']);
      for (const c of charts) {
        expect(c.width).toBeGreaterThan(300);
        expect(c.height).toBeGreaterThan(100);
        expect(c.faults).toBe(1);
        expect(Math.max(...c.lines)).toBeGreaterThan(100);
      }
      // The p95 line rises into the fault window: its highest point (smallest y) is inside the shaded rect.
      const inside = await page.$eval('#chart-latency', (svg) => {
        const rect = svg.querySelector('g.fault rect')!;
        const x0 = Number(rect.getAttribute('x'));
        const x1 = x0 + Number(rect.getAttribute('width'));
        const pts = Array.from(svg.querySelectorAll('g.series[data-series="p95"] polyline')).flatMap((p) =>
          (p.getAttribute('points') ?? '').split(' ').map((xy: string) => xy.split(',').map(Number)),
        );
        const top = pts.reduce((a, b) => ((b[1] ?? 0) < (a[1] ?? 0) ? b : a));
        return (top[0] ?? 0) >= x0 && (top[0] ?? 0) <= x1;
      });
      expect(inside).toBe(true);
      expect(await page.locator('table.objectives tbody tr').count()).toBe(5);
      expect(await page.locator('svg.timeline[data-drill="pg-latency"]').isVisible()).toBe(true);
      expect(await page.locator('details.finding').count()).toBe(1);
      expect(requests).toEqual([]);
      await page.screenshot({ path: `${outDir}/report-fixture.png`, fullPage: true });
      expect(existsSync(`${outDir}/report-fixture.png`)).toBe(true);
    } finally {
      await browser.close();
    }
  });
});
