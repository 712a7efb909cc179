// report.html opens offline in headless Chromium and every chart renders with data (no page
// errors), from result files written the way a run writes them (ResultBuilder) and a resource
// series; the screenshot is kept. The chart data itself is checked against the known input.
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderReportPage } from '../../load/lib/browser';
import { ALL_OPS, buildReportCharts, logDistribution } from '../../load/report/chart-data';
import { renderHtmlReport } from '../../load/report/html-report';
import { readSummary } from '../../load/report/summary';
import { renderTextReport } from '../../load/report/text-report';
import { Histogram } from '../../load/results/histogram';
import { readOpSlices } from '../../load/results/op-slices';
import { ResultBuilder, writeResultFile, type RunBlock } from '../../load/results/result-file';
import type { ResourceSample, ResourceSeries } from '../../load/results/resource-sampler';

const FIXTURE = path.join(import.meta.dirname, '..', 'fixtures', 'load-summary.json');
const T0 = 1_800_000_000_000; // epoch ms, a whole second
const SECONDS = 20;

const run: RunBlock = {
  run_id: 'html-test',
  kind: 'load',
  scenario: 'users',
  instances: 1,
  sequence: '0,1',
  k6_version: 'v2.2.0',
  thresholds: [],
  warmup_scenarios: [],
  vus: 10,
  config: {},
};

/** 20 s: read_member_detail 10/s at 2 ms (20 ms in second 10), create_member 2/s at 8 ms, a 503 in seconds 5 and 6. */
function writeRun(dir: string): string {
  const b = new ResultBuilder();
  for (let s = 0; s < SECONDS; s++) {
    const t = T0 + s * 1000;
    b.addMetric('vus', t, Math.min(10, s + 1), { scenario: 'users' });
    for (let k = 0; k < 10; k++) b.addRequest({ t: t + k * 50, ms: s === 10 ? 20 : 2 + k * 0.01, status: 200, op: 'read_member_detail', name: 'GET /api/v1/members/:id', scenario: 'users', failed: false });
    for (let k = 0; k < 2; k++) b.addRequest({ t: t + 500 + k, ms: 8, status: 201, op: 'create_member', name: 'POST /api/v1/members', scenario: 'users', failed: false });
    if (s === 5 || s === 6) b.addRequest({ t: t + 900, ms: 1, status: 503, op: 'create_member', name: 'POST /api/v1/members', scenario: 'users', failed: true });
  }
  b.addRequest({ t: T0 - 500, ms: 3, status: 200, op: 'setup', name: 'setup', scenario: 'users', failed: false });
  const file = path.join(dir, 'instance-1.result.json.gz');
  writeResultFile(file, b.build(run, { index: 1, segment: '0:1', started_at: '', finished_at: '', k6_exit_code: 0, resumed_at_ms: null, generator: null, script_errors: 0 }));
  return file;
}

function resources(): ResourceSeries {
  const sample = (s: number): ResourceSample => ({
    t: T0 + (s + 1) * 1000,
    dt_s: 1,
    machine_busy_cores: 1,
    api_cpu_cores: 0.3,
    api_rss_mb: 90,
    api_reported_cpu_cores: 0.3,
    postgres_cpu_cores: 0.1,
    postgres_active_backends: null,
    k6_cpu_cores: 0.2,
    k6_rss_mb: 50,
    harness_cpu_cores: 0.05,
    pool_max: 20,
    pool_total: 5,
    pool_idle: 3,
    pool_busy: 2,
    pool_waiting: s === 10 ? 4 : 0,
    event_loop_utilization: 0.2,
    event_loops: 1,
    event_loop_delay_mean_ms: 1.5,
    event_loop_delay_max_ms: 12,
    requests_rps: 12,
    db_time_per_s: 0.024,
    cache_hits_rps: 9,
    cache_misses_rps: 1,
  });
  return { version: 1, interval_ms: 1000, cores: 2, sources: { machine: '', api: '', postgres: '', k6: '', server_metrics: '' }, samples: Array.from({ length: SECONDS }, (_v, s) => sample(s)) };
}

describe('report charts data', () => {
  it('per operation and per second, from the result files: percentiles, failures by status, users, server series', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'loadlab-charts-'));
    const c = buildReportCharts(readOpSlices([writeRun(dir)]), resources());
    expect(c.x).toHaveLength(SECONDS);
    expect(c.t0_ms).toBe(T0);
    expect(c.ops.map((o) => o.op)).toEqual([ALL_OPS, 'read_member_detail', 'create_member']);
    const detail = c.ops[1]!;
    expect(detail.requests).toBe(10 * SECONDS);
    expect(detail.p50[10]).toBeCloseTo(20, 0);
    expect(detail.p50[0]).toBeCloseTo(2.05, 1);
    expect(c.requests[5]).toBe(13);
    expect(c.failed_by_status).toEqual([{ status: '503', counts: c.x.map((k) => (k === 5 || k === 6 ? 1 : 0)) }]);
    expect(c.users[0]).toBe(1);
    expect(c.users[19]).toBe(10);
    expect(c.server!.x[0]).toBe(1);
    expect(c.server!.db_ms_per_request[0]).toBeCloseTo(2, 6); // 0.024 s/s over 12 req/s
    expect(c.server!.cache_hit_pct[0]).toBeCloseTo(90, 6);
    expect(c.server!.pool_waiting[10]).toBe(4);
    // the distribution holds every request, in log bins that contain their values
    expect(c.ops[0]!.dist.counts.reduce((a, b) => a + b, 0)).toBe(12 * SECONDS + 2);
    const d = logDistribution(Histogram.from(new Histogram().toJSON()));
    expect(d.counts).toEqual([]);
    const h = new Histogram();
    [1.1, 1.12, 11, 110].forEach((v) => h.add(v));
    const dist = logDistribution(h);
    const binOf = (v: number) => dist.edges_ms.findIndex((e, k) => v >= e && v < (dist.edges_ms[k + 1] ?? Infinity));
    expect(dist.counts[binOf(1.1)]).toBe(2);
    expect(dist.counts[binOf(11)]).toBe(1);
    expect(dist.counts[binOf(110)]).toBe(1);
    expect(dist.counts.reduce((a, b) => a + b, 0)).toBe(4);
  });
});

describe('report.html', () => {
  it('renders every chart with data, offline, without page errors, and keeps the screenshot', async () => {
    const summary = readSummary(FIXTURE);
    const dir = mkdtempSync(path.join(tmpdir(), 'loadlab-html-'));
    const charts = buildReportCharts(readOpSlices([writeRun(dir)]), resources());
    const html = path.join(dir, 'report.html');
    writeFileSync(html, renderHtmlReport(summary, renderTextReport(summary), [], charts));
    expect(readFileSync(html, 'utf8')).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/);
    const shot = path.join(dir, 'report.png');
    const page = await renderReportPage(html, shot);
    expect(page.errors).toEqual([]);
    expect(page.titles).toHaveLength(7);
    expect(page.titles.join('\n')).toMatch(/percentiles[\s\S]*distribution[\s\S]*active users[\s\S]*by status[\s\S]*event-loop[\s\S]*pool[\s\S]*cache hit/);
    expect(page.withoutData).toEqual([]);
    expect(page.rendered).toBe(7);
    expect(page.rows).toBe(summary.operations.length);
    expect(existsSync(shot) && statSync(shot).size).toBeGreaterThan(10_000);
  });

  it('without result files it still renders the timeline charts, and says what is missing', async () => {
    const summary = readSummary(FIXTURE);
    const dir = mkdtempSync(path.join(tmpdir(), 'loadlab-html-'));
    const html = path.join(dir, 'report.html');
    writeFileSync(html, renderHtmlReport(summary, renderTextReport(summary)));
    expect(readFileSync(html, 'utf8')).toContain('not charted: this report was written without its result files');
    const page = await renderReportPage(html, path.join(dir, 'report.png'));
    expect(page.errors).toEqual([]);
    expect(page.withoutData).toEqual([]);
    expect(page.rendered).toBe(3);
  });
});
