// loadlab load --instances 2, end to end: two real k6 processes, each its execution segment,
// started paused and released together, against the real API on a fresh database. One report:
// counts add exactly (users x ops, per instance, per route and status against the server's own
// /metrics), every acknowledged write verified, and — the precision test — the merged p50/p95/p99
// within the stated histogram precision of the exact percentiles over the union of both instances'
// raw samples (kept in the report folder). `loadlab merge` of the same folder gives the same
// figures. Bad --instances values are one line and exit 2, and so is an instance that dies mid-run
// (the others are stopped; no report is written from part of a run).
import { createServer, type Server } from 'node:http';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCommand } from '../../load/commands/load';
import { mergeCommand } from '../../load/commands/merge';
import { readSummary, type RunSummary } from '../../load/report/summary';
import { RELATIVE_PRECISION } from '../../load/results/histogram';
import { readK6Csv, type RequestSample } from '../../load/results/k6-samples';
import { latencyStats } from '../../load/results/stats';
import { expectStartedAtRate } from '../support/arrival-rate';
import { onlyReportDir, runCli, runCommandInProcess, tempReportsDir } from '../support/cli';
import { createTestDatabase, type TestDatabase } from '../support/database';

const USERS = 20;
const OPS = 10;

let database: TestDatabase;
let dir: string;
let summary: RunSummary;
let stdout: string;
let report: string;
const perInstance: RequestSample[][] = [];

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
  const reportsDir = tempReportsDir();
  const run = await runCli(['load', '--instances', '2', '--users', String(USERS), '--ops', String(OPS), '--think-time', '20', '--ramp-up', '2', '--duration', '90s'], {
    DATABASE_URL: database.url,
    LOADLAB_REPORTS_DIR: reportsDir,
    LOADLAB_TAG_VU: '1',
  });
  stdout = run.stdout;
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  dir = onlyReportDir(reportsDir, 'load');
  summary = readSummary(path.join(dir, 'summary.json'));
  report = readFileSync(path.join(dir, 'report.txt'), 'utf8');
  for (const i of [1, 2]) perInstance.push((await readK6Csv(path.join(dir, `instance-${i}-k6-samples.csv`))).requests.filter((r) => r.op !== 'setup'));
}, 240_000);

afterAll(async () => database?.drop());

describe('loadlab load --instances 2', () => {
  it('prints one report of exactly users x ops operations, split by execution segment', () => {
    expect(summary.totals).toMatchObject({ requests: USERS * OPS, expected_requests: USERS * OPS });
    expect(summary.instances).toMatchObject({ count: 2, sequence: '0,1/2,1', complete: true, problems: [] });
    expect(summary.instances!.list.map((i) => [i.segment, i.requests])).toEqual([
      ['0:1/2', (USERS / 2) * OPS],
      ['1/2:1', (USERS / 2) * OPS],
    ]);
    expect(perInstance.map((r) => r.length)).toEqual([(USERS / 2) * OPS, (USERS / 2) * OPS]);
    for (const i of summary.instances!.list) {
      expect(i.k6_cpu_avg_cores).not.toBeNull();
      expect(i.k6_rss_peak_mb).toBeGreaterThan(0);
    }
    expect(report).toMatch(/k6 Instances: 2 \(execution segments 0,1\/2,1\), start skew \d+ ms/);
    expect(stdout).toMatch(/k6 instances: 2, start skew \d+ ms/);
    expect(summary.assessment.passed).toBe(true);
  });

  it('gives every user to exactly one instance (global VU ids 1..users, disjoint)', () => {
    const vus = perInstance.map((rs) => new Set(rs.map((r) => r.vu!)));
    expect([...vus[0]!].filter((v) => vus[1]!.has(v))).toEqual([]);
    expect([...vus[0]!, ...vus[1]!].sort((a, b) => a - b)).toEqual(Array.from({ length: USERS }, (_, i) => i + 1));
  });

  it("matches the server's counts per route and status, and verifies every write of both instances", () => {
    const v = summary.server_view;
    expect(v.available).toBe(true);
    expect(v.mismatches).toEqual([]);
    expect(v.server_requests).toBe(USERS * OPS);
    expect(v.cache_lookups_client).toBe(v.cache_lookups_server);
    const d = summary.data_safety;
    expect(d.acknowledged).toBeGreaterThan(0);
    expect(d).toMatchObject({ verified: d.acknowledged, lost: 0 });
  });

  it('computes p50/p95/p99 from the merged distribution, within the stated precision of the exact union', () => {
    const union = perInstance.flat();
    const exact = latencyStats(union.map((r) => r.ms));
    expect(summary.latency_precision?.relative).toBe(RELATIVE_PRECISION);
    for (const k of ['med', 'p95', 'p99'] as const) {
      expect(Math.abs(summary.latency_ms[k] - exact[k]) / exact[k], k).toBeLessThanOrEqual(RELATIVE_PRECISION);
    }
    expect(summary.latency_ms.min).toBe(exact.min);
    expect(summary.latency_ms.max).toBe(exact.max);
    for (const o of summary.operations) {
      const e = latencyStats(union.filter((r) => r.op === o.op).map((r) => r.ms));
      expect(o.count).toBe(e.count);
      expect(Math.abs(o.latency_ms.p95 - e.p95) / e.p95, o.op).toBeLessThanOrEqual(RELATIVE_PRECISION);
    }
  });

  it('loadlab merge of the report folder gives the same figures', async () => {
    const reports = tempReportsDir();
    const r = await runCommandInProcess('merge', mergeCommand, [dir], { LOADLAB_REPORTS_DIR: reports });
    expect(r.status, r.stderr).toBe(1); // no --target: lost writes not measured, so that threshold fails
    const m = readSummary(path.join(onlyReportDir(reports, 'merge'), 'summary.json'));
    expect(m.latency_ms).toEqual(summary.latency_ms);
    expect(m.operations).toEqual(summary.operations);
    expect(m.instances?.complete).toBe(true);
  });
});

describe('loadlab level 1 --instances 2', () => {
  it('splits the arrival rate by segment: one run of rate x duration iterations, cross-checked with the server', async () => {
    const reports = tempReportsDir();
    const SECONDS = 3;
    const run = await runCli(['level', '1', '--duration', `${SECONDS}s`, '--warmup', '1', '--instances', '2'], { DATABASE_URL: database.url, LOADLAB_REPORTS_DIR: reports });
    expect([0, 1], `${run.stdout}\n${run.stderr}`).toContain(run.status);
    const s = readSummary(path.join(onlyReportDir(reports, 'level1'), 'summary.json'));
    expect(s.instances).toMatchObject({ count: 2, complete: true });
    const started = s.totals.requests + s.generator.dropped_iterations;
    // Each instance's constant-arrival-rate loop starts its half of the rate on its own: the slack is per instance.
    expectStartedAtRate(started, 100 * SECONDS, 2);
    expect(s.instances!.list.map((i) => i.requests).reduce((a, b) => a + b, 0)).toBe(s.totals.requests + (s.totals.warmup_requests ?? 0));
    expect(s.server_view.mismatches).toEqual([]);
    expect(s.server_view.server_requests).toBe(s.totals.requests + (s.totals.warmup_requests ?? 0));
    expect(s.assessment.passed).toBe(s.thresholds.every((t) => t.pass) && s.generator.dropped_iterations === 0);
  }, 120_000);
});

/** pids of the k6 processes whose command line mentions `needle` (e.g. a report folder's file). */
function k6PidsWith(needle: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (path.basename(cmd[0] ?? '').startsWith('k6') && cmd.some((a) => a.includes(needle))) pids.push(Number(d));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

describe('a k6 instance that dies mid-run', () => {
  it('is named in one line, exit 2; the other instance is stopped and no report is written', async () => {
    const reports = tempReportsDir();
    const run = runCommandInProcess('load', loadCommand, ['--instances', '2', '--users', '4', '--ops', '200', '--think-time', '100', '--ramp-up', '0', '--duration', '60s'], {
      DATABASE_URL: database.url,
      LOADLAB_REPORTS_DIR: reports,
    });
    // Wait until instance 2 is running its test (its CSV has samples), then kill it as the OOM killer would.
    let killed: number | undefined;
    const deadline = Date.now() + 60_000;
    while (killed === undefined && Date.now() < deadline) {
      const dirs = readdirSync(reports).filter((d) => d.endsWith('-load'));
      const csv = dirs.length === 1 ? path.join(reports, dirs[0]!, 'instance-2-k6-samples.csv') : undefined;
      if (csv && existsSync(csv) && statSync(csv).size > 4096) {
        const [pid] = k6PidsWith(csv);
        if (pid) process.kill((killed = pid), 'SIGKILL');
      }
      if (killed === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(killed, 'instance 2 never started writing samples').toBeDefined();
    const r = await run;
    expect(r.status, r.stdout).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^loadlab load: k6 instance 2 of 2 \(segment 1\/2:1\) was killed by SIGKILL: INCOMPLETE, no report, stopped instance 1; see .*instance-2-k6\.log/);
    const dir = onlyReportDir(reports, 'load');
    for (const f of ['summary.json', 'report.txt', 'report.html', 'junit.xml']) expect(existsSync(path.join(dir, f)), f).toBe(false);
    expect(k6PidsWith(dir)).toEqual([]);
  }, 120_000);
});

describe('--instances bad input', () => {
  let prod: Server;
  let prodUrl: string;
  beforeAll(async () => {
    prod = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: 'ok', env: 'production' }));
    });
    await new Promise<void>((r) => prod.listen(0, '127.0.0.1', r));
    prodUrl = `http://127.0.0.1:${(prod.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => prod.close(() => r())));

  it('is one line naming the problem, exit 2', async () => {
    const reports = tempReportsDir();
    const cases: [string[], RegExp][] = [
      [['--instances', '0'], /^loadlab load: --instances: instances must be at least 1$/],
      [['--instances', 'two'], /^loadlab load: --instances: instances must be a number$/],
      [['--instances', '21', '--users', '20'], /^loadlab load: --instances: 21 instances for 20 users: every k6 instance needs at least one$/],
      [['--instances', '2', '--target', prodUrl], /env=production; pass --force/],
      [['--instances', '2', '--dashboard'], /--dashboard shows one k6 process/],
    ];
    for (const [args, message] of cases) {
      const r = await runCommandInProcess('load', loadCommand, args, { LOADLAB_REPORTS_DIR: reports });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });
});
