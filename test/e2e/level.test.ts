// `loadlab level 1` drives a constant arrival rate (not VU ramps): over D seconds at 100/s it starts
// 100 x D iterations, each one request; dropped iterations are counted, not hidden; the level
// thresholds (incl. cache hit rate from X-Cache, one count per request) are evaluated.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readK6Csv } from '../../load/results/k6-samples';
import { readSummary, type RunSummary } from '../../load/report/summary';
import { expectStartedAtRate } from '../support/arrival-rate';
import { onlyReportDir, runCli, tempReportsDir } from '../support/cli';
import { createTestDatabase, type TestDatabase } from '../support/database';

const SECONDS = 6;
const WARMUP_S = 2;
let database: TestDatabase;
let summary: RunSummary;
let dir: string;
let cli: { stdout: string; stderr: string };

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
  const reports = tempReportsDir();
  // Progress lines every 2 s (not a terminal: plain lines) and k6's web dashboard on.
  const r = await runCli(['level', '1', '--duration', `${SECONDS}s`, '--warmup', String(WARMUP_S), '--dashboard'], {
    DATABASE_URL: database.url,
    LOADLAB_REPORTS_DIR: reports,
    LOADLAB_PROGRESS_EVERY_S: '2',
  });
  cli = r;
  expect([0, 1], r.stdout + r.stderr).toContain(r.status); // pass or fail are both valid outcomes here
  dir = onlyReportDir(reports, 'level1');
  summary = readSummary(path.join(dir, 'summary.json'));
}, 180_000);
afterAll(async () => database?.drop());

/** k6's own counts for one scenario, from the samples it wrote. */
async function k6Counts(scenario: string): Promise<{ iterations: number; dropped: number }> {
  const { metrics } = await readK6Csv(path.join(dir, 'k6-samples.csv'), ['iterations', 'dropped_iterations']);
  const sum = (name: string) => (metrics.get(name) ?? []).filter((m) => m.tags.scenario === scenario).reduce((a, m) => a + m.value, 0);
  return { iterations: sum('iterations'), dropped: sum('dropped_iterations') };
}

describe('loadlab level 1', () => {
  it('uses the constant-arrival-rate executor at 100 requests/s', async () => {
    expect(summary.config).toMatchObject({ rate_rps: 100, scenario: 'level' });
    const bundle = readFileSync(path.join(import.meta.dirname, '..', '..', 'dist', 'scenarios', 'level.js'), 'utf8');
    expect(bundle).toMatch(/executor: "constant-arrival-rate"/);
  });

  it('starts rate x duration iterations: every one either sent its request or is counted as dropped', async () => {
    const sent = summary.totals.requests;
    const dropped = summary.generator.dropped_iterations;
    // Exact: one request per iteration k6 ran, and the dropped ones are k6's own count.
    const k6 = await k6Counts('level');
    expect(sent).toBe(k6.iterations);
    expect(dropped).toBe(k6.dropped);
    expectStartedAtRate(sent + dropped, 100 * SECONDS);
  });

  it('runs the warm-up first at the same rate, keeps it out of the figures, and says so', async () => {
    expect(summary.config.warmup_s).toBe(WARMUP_S);
    const { requests } = await readK6Csv(path.join(dir, 'k6-samples.csv'));
    const warm = requests.filter((r) => r.scenario === 'warmup');
    const measured = requests.filter((r) => r.scenario === 'level');
    expect(summary.totals.warmup_requests).toBe(warm.length);
    // Same rate: the warm-up starts rate x its duration iterations, each sent (one request each) or
    // counted as dropped (a busy machine drops some; they are accounted for, not hidden).
    const k6 = await k6Counts('warmup');
    expect(warm.length).toBe(k6.iterations);
    expect(warm.length).toBeGreaterThan(0);
    expectStartedAtRate(warm.length + k6.dropped, 100 * WARMUP_S);
    expect(summary.totals.requests).toBe(measured.length);
    expect(Math.max(...warm.map((r) => r.t - r.ms))).toBeLessThanOrEqual(Math.min(...measured.map((r) => r.t - r.ms)) + 1000);
    // The server saw both phases: the cross-check covers warm-up and measured requests together.
    expect(summary.server_view.server_requests).toBe(warm.length + measured.length);
    expect(readFileSync(path.join(dir, 'report.txt'), 'utf8')).toMatch(new RegExp(`Warm-up\\s+${WARMUP_S} s at the same rate`));
  });

  it('evaluates the level thresholds, including the cache hit rate from X-Cache', () => {
    expect(summary.thresholds.map((t) => `${t.metric}${t.op}${t.limit}`)).toEqual([
      'p95_ms<50',
      'p99_ms<100',
      'error_pct<0.1',
      'cache_hit_pct>85',
      'dropped_iterations<=0',
      'lost_writes<=0',
    ]);
    expect(summary.thresholds.find((t) => t.metric === 'cache_hit_pct')!.actual).not.toBeNull();
    expect(summary.assessment.passed).toBe(summary.thresholds.every((t) => t.pass) && summary.generator.dropped_iterations === 0);
  });

  it('counts one cache lookup per cacheable request, on both sides', async () => {
    const v = summary.server_view;
    expect(v.available).toBe(true);
    expect(v.cache_lookups_client).toBe(v.cache_lookups_server);
    const { metrics, requests } = await readK6Csv(path.join(dir, 'k6-samples.csv'), ['cache_hit']); // both phases
    const cacheable = requests.filter((r) => r.name === 'GET /members/:id' || r.name === 'GET /members').length;
    expect(metrics.get('cache_hit')?.length).toBe(cacheable);
  });

  it('shows progress while k6 runs: elapsed / planned, target rate and VUs busy, req/s, errors, p95 so far', () => {
    const lines = cli.stderr.split('\n').filter((l) => l.startsWith('progress level1: '));
    expect(lines.length, cli.stderr).toBeGreaterThanOrEqual(2);
    const planned = WARMUP_S + SECONDS;
    const re = new RegExp(`^progress level1: (\\d+):(\\d\\d) / 0:${String(planned).padStart(2, '0')}  target 100 req/s  VUs busy (\\d+)  ([\\d.]+) req/s  ([\\d,]+) requests  errors (\\d+) \\(([\\d.]+)%\\)  p95 ([\\d.]+) ms$`);
    const parsed = lines.map((l) => {
      const m = re.exec(l);
      expect(m, l).not.toBeNull();
      return { elapsed: Number(m![1]) * 60 + Number(m![2]), requests: Number(m![5]!.replace(/,/g, '')), rate: Number(m![4]), errors: Number(m![6]) };
    });
    for (let i = 1; i < parsed.length; i++) {
      expect(parsed[i]!.elapsed).toBeGreaterThan(parsed[i - 1]!.elapsed);
      expect(parsed[i]!.requests).toBeGreaterThanOrEqual(parsed[i - 1]!.requests);
    }
    // Counted from the same samples as the report (warm-up included), so never more than it has.
    const last = parsed[parsed.length - 1]!;
    expect(last.requests).toBeGreaterThan(0);
    expect(last.requests).toBeLessThanOrEqual(summary.totals.requests + summary.totals.warmup_requests!);
    expect(last.rate).toBeGreaterThan(0);
  });

  it('--dashboard prints the address of k6 web dashboard and saves its HTML export in the report folder', () => {
    expect(cli.stdout).toMatch(/k6 web dashboard: http:\/\/127\.0\.0\.1:\d+ /);
    const html = readFileSync(path.join(dir, 'k6-dashboard.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html.length).toBeGreaterThan(10_000);
  });
});
