// report.html opens offline in headless Chromium and its charts render (canvases drawn, no page
// errors); the screenshot is kept in the report folder.
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderReportPage } from '../../load/lib/browser';
import { renderHtmlReport } from '../../load/report/html-report';
import { readSummary } from '../../load/report/summary';
import { renderTextReport } from '../../load/report/text-report';

const FIXTURE = path.join(import.meta.dirname, '..', 'fixtures', 'load-summary.json');

describe('report.html', () => {
  it('renders its latency and throughput charts and the operations table, offline', async () => {
    const summary = readSummary(FIXTURE);
    const dir = mkdtempSync(path.join(tmpdir(), 'loadlab-html-'));
    const html = path.join(dir, 'report.html');
    writeFileSync(html, renderHtmlReport(summary, renderTextReport(summary)));
    expect(readFileSync(html, 'utf8')).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/);
    const shot = path.join(dir, 'report.png');
    const page = await renderReportPage(html, shot);
    expect(page.errors).toEqual([]);
    expect(page.rendered).toBe(2);
    expect(page.canvases).toBe(2);
    expect(page.rows).toBe(summary.operations.length);
    expect(existsSync(shot) && statSync(shot).size).toBeGreaterThan(10_000);
  });
});
