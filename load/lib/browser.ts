// Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) for rendering report
// pages: tests assert the charts rendered, and a screenshot is kept beside the report. The browser
// is guarded like every child loadlab starts (common/child-guard.ts): its process group is killed
// if loadlab ends, however, while it runs; signals are loadlab's to handle (lib/interrupt.ts), not
// playwright's.
import { existsSync } from 'node:fs';
// playwright-core is loaded when a browser is launched, not with every loadlab command (~0.5 s of CPU).
import type { Browser } from 'playwright-core';
import { guardChild, guardedChildren } from '../../common/child-guard';
import { readProcTable } from './process-tree';

export const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function findChromium(): string | undefined {
  return process.env.CHROMIUM_BIN ?? CHROMIUM_PATHS.find((p) => existsSync(p));
}

export async function usingBrowser<T>(cb: (browser: Browser) => Promise<T>): Promise<T> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('Chromium not found (make setup installs Debian chromium; or set CHROMIUM_BIN)');
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  // playwright spawns the browser in a process group of its own; find it among our children.
  const known = new Set(guardedChildren().map((c) => c.pid));
  const leaders = [...readProcTable().values()].filter((p) => p.ppid === process.pid && /chrom/i.test(p.comm) && !known.has(p.pid));
  const forget = leaders.map((p) => guardChild(p.pid, 'headless Chromium', 'SIGKILL', undefined, { group: true }));
  try {
    return await cb(browser);
  } finally {
    await browser.close();
    for (const f of forget) f();
  }
}

/** The little of the DOM the page-side functions below touch (no global DOM typings in this project). */
interface PageDocument {
  body: { dataset: Record<string, string | undefined> };
  querySelectorAll(selector: string): { length: number };
}

/** A uPlot chart as charts.ts registers it in the page. */
interface PageChart {
  loadlabTitle?: string;
  data: (number | null)[][];
}

/** Open a local HTML file offline; return what rendered, and save a screenshot. */
export async function renderReportPage(htmlFile: string, screenshotFile: string) {
  return usingBrowser(async (browser) => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, offline: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`file://${htmlFile}`);
    await page
      .waitForFunction(() => (globalThis as unknown as { document: PageDocument }).document.body.dataset.chartsRendered !== undefined, undefined, { timeout: 15_000 })
      .catch(() => undefined);
    const charts = await page.evaluate(() => {
      const g = globalThis as unknown as { document: PageDocument; loadlabCharts?: PageChart[] };
      const doc = g.document;
      const list = g.loadlabCharts ?? [];
      return {
        rendered: Number(doc.body.dataset.chartsRendered ?? 0),
        /** charts that plotted at least one value (pages that count them: the capacity report) */
        withData: doc.body.dataset.chartsWithData === undefined ? null : Number(doc.body.dataset.chartsWithData),
        canvases: doc.querySelectorAll('.uplot canvas').length,
        rows: doc.querySelectorAll('#operations tbody tr').length,
        /** titles of the charts registered through charts.ts's loadlabChart() */
        titles: list.map((u) => u.loadlabTitle ?? ''),
        /** titles of those among them without a single finite value */
        // (no named functions in here: tsx's keepNames would wrap them in a __name() the page lacks)
        withoutData: list.filter((u) => !u.data.slice(1).some((ys) => ys.some((v) => v !== null && Number.isFinite(v)))).map((u) => u.loadlabTitle ?? ''),
      };
    });
    await page.screenshot({ path: screenshotFile, fullPage: true });
    return { ...charts, errors };
  });
}
