// End to end: the real CLI starts the real API server on a fresh database, seeds it, runs the
// real k6 with user patterns, and writes the report folder. Assertions read the k6 output
// (raw samples) and the produced summary.json / report.txt / junit.xml / meta.json.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReportPage } from '../../load/lib/browser';
import { readK6Csv, type RequestSample } from '../../load/results/k6-samples';
import { readSummary, type RunSummary } from '../../load/report/summary';
import { ResourceSeries } from '../../load/results/resource-sampler';
import { OPERATIONS } from '../../scenarios/lib/patterns';
import { onlyReportDir, runCli, tempReportsDir } from '../support/cli';
import { createTestDatabase, type TestDatabase } from '../support/database';

const USERS = 20;
const OPS = 15;
const RAMP_S = 4;

let database: TestDatabase;
let dir: string;
let summary: RunSummary;
let report: string;
let stdout: string;
let requests: RequestSample[];

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
  const reportsDir = tempReportsDir();
  const run = await runCli(
    ['load', '--users', String(USERS), '--ops', String(OPS), '--think-time', '20', '--ramp-up', String(RAMP_S), '--pattern', 'distributed', '--duration', '90s', '--export', path.join(reportsDir, 'exported.txt')],
    { DATABASE_URL: database.url, LOADLAB_REPORTS_DIR: reportsDir, LOADLAB_TAG_VU: '1', LOADLAB_OP_SELECTION: 'cycle' },
  );
  stdout = run.stdout;
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  dir = onlyReportDir(reportsDir, 'load');
  summary = readSummary(path.join(dir, 'summary.json'));
  report = readFileSync(path.join(dir, 'report.txt'), 'utf8');
  expect(readFileSync(path.join(reportsDir, 'exported.txt'), 'utf8')).toBe(report);
  requests = (await readK6Csv(path.join(dir, 'k6-samples.csv'))).requests.filter((r) => r.op !== 'setup');
}, 240_000);

afterAll(async () => database?.drop());

describe('loadlab load: users, operations, patterns', () => {
  it('prints the k6 version it used', () => {
    expect(stdout).toMatch(/^k6 v\d+\.\d+\.\d+/m);
    expect(summary.k6.version).toMatch(/^v[1-9]\d*\./);
  });

  it('every user performs exactly --ops operations', () => {
    expect(requests).toHaveLength(USERS * OPS);
    const perVu = new Map<number, number>();
    for (const r of requests) perVu.set(r.vu!, (perVu.get(r.vu!) ?? 0) + 1);
    expect(perVu.size).toBe(USERS);
    for (const n of perVu.values()) expect(n).toBe(OPS);
    expect(summary.totals).toMatchObject({ requests: USERS * OPS, expected_requests: USERS * OPS });
  });

  it('users start evenly spread over --ramp-up: user k never starts before (k-1) x ramp/users', () => {
    const first = new Map<number, number>();
    for (const r of requests) if (!first.has(r.vu!) || r.t < first.get(r.vu!)!) first.set(r.vu!, r.t);
    // The request timestamp is when the response ended; the start is at least `ms` earlier.
    const startOf = (vu: number) => first.get(vu)! - requests.find((r) => r.vu === vu && r.t === first.get(vu))!.ms;
    const t0 = startOf(1);
    // Up to half a spacing (100 ms) early: `t - ms` only estimates a start (k6's duration leaves out
    // connecting and the wait for a connection, which differ from user to user on a loaded machine,
    // user 1 included). Users started together, or spread over a shorter ramp, still fail.
    const spacing = (RAMP_S * 1000) / USERS;
    for (let vu = 2; vu <= USERS; vu++) {
      expect(startOf(vu) - t0, `user ${vu}`).toBeGreaterThanOrEqual((vu - 1) * spacing - spacing / 2);
    }
    // …and the last user does start within the ramp (not all at the end).
    expect(startOf(USERS) - t0).toBeLessThan(RAMP_S * 1000 + 5_000);
  });

  it('distributed assigns 50/20/25/5 % of users to read-heavy/write-heavy/mixed/file users', () => {
    expect(summary.config.user_split).toEqual({ read_heavy: 10, write_heavy: 4, mixed: 5, file_operations: 1 });
    const kindOfVu = new Map<number, string>();
    for (const r of requests) kindOfVu.set(r.vu!, r.userKind!);
    const counted: Record<string, number> = {};
    for (const k of kindOfVu.values()) counted[k] = (counted[k] ?? 0) + 1;
    expect(counted).toEqual({ read_heavy: 10, write_heavy: 4, mixed: 5, file_operations: 1 });
  });

  it('exercises every operation of the design, named by route template', () => {
    expect(summary.operations.map((o) => o.op).sort()).toEqual([...OPERATIONS].sort());
    for (const name of summary.operations.flatMap((o) => o.names)) expect(name).toMatch(/^(GET|POST|PATCH|PUT|DELETE) \/[a-z/:-]+$/);
  });

  it('had no failures and no harness errors', () => {
    expect(summary.totals.failed).toBe(0);
    expect(summary.harness_errors.total).toBe(0);
  });

  it('verifies every acknowledged write in the database afterwards: none lost', async () => {
    const d = summary.data_safety;
    expect(d.acknowledged).toBeGreaterThan(0);
    expect(d).toMatchObject({ verified: d.acknowledged, lost: 0 });
    const createdMembers = d.by_op.create_member?.acknowledged ?? 0;
    const rows = await database.db.selectFrom('members').select('id').where('member_number', 'like', 'L%-%-%').execute();
    expect(rows.length).toBe(createdMembers);
  });

  it("matches the server's request counts per route and status (/metrics before and after)", () => {
    const v = summary.server_view;
    expect(v.available).toBe(true);
    expect(v.mismatches).toEqual([]);
    expect(v.server_requests).toBe(USERS * OPS);
    expect(v.cache_lookups_server).toBe(v.cache_lookups_client);
  });

  it('samples the resources every second: machine, API, PostgreSQL and k6 CPU, pool, event loop, server counters', () => {
    const series = ResourceSeries.parse(JSON.parse(readFileSync(path.join(dir, 'resources.json'), 'utf8')));
    expect(series.sources.postgres).toMatch(/^local cluster: postmaster pid \d+/);
    expect(series.samples.length).toBeGreaterThanOrEqual(3);
    const r = summary.resources!;
    expect(r.samples).toBeGreaterThan(0);
    for (const f of ['machine_busy_cores', 'api_cpu_cores', 'postgres_cpu_cores', 'k6_cpu_cores', 'pool_busy', 'pool_waiting', 'event_loop_utilization', 'requests_rps', 'db_time_per_s']) {
      expect(r.mean[f], f).toBeTypeOf('number');
      expect(Number.isFinite(r.mean[f]), f).toBe(true);
    }
    // Every part was doing work while k6 ran, and no part can use more than the machine has.
    for (const f of ['api_cpu_cores', 'postgres_cpu_cores', 'k6_cpu_cores']) {
      expect(r.mean[f]!, f).toBeGreaterThan(0);
      expect(r.max[f]!, f).toBeLessThanOrEqual(series.cores + 0.2);
    }
    expect(r.mean.pool_max).toBeGreaterThan(0);
    expect(r.mean.event_loop_utilization!).toBeGreaterThan(0);
    expect(r.mean.event_loop_utilization!).toBeLessThanOrEqual(1);
    // The server's own count of API requests per second agrees with k6's throughput within 10 %
    // (the window edges of one-second samples make up the difference; the last sample is taken as
    // k6 ends, so the series covers the whole run).
    const serverRequests = series.samples.reduce((a, s) => a + (s.requests_rps ?? 0) * s.dt_s, 0);
    expect(Math.abs(serverRequests - USERS * OPS) / (USERS * OPS)).toBeLessThan(0.1);
    expect(report).toMatch(/Resources \(mean over the run, \d+ one-second samples, resources\.json\):/);
    expect(report).toMatch(/the machine's CPU: \d+% — [\d.]+ of \d+ cores busy \(API [\d.]+, PostgreSQL [\d.]+, k6 [\d.]+/);
    expect(summary.assessment.notes!.some((w) => w.startsWith('most used resource: '))).toBe(true);
    expect(report).toMatch(/^  NOTE  most used resource: /m);
    expect(report).toMatch(/^  NOTE  where it breaks, from this run's use per user .*: first .* \(80% at ~[\d,]+ users, 100% at ~[\d,]+ users\)/m);
  });

  it('computes latency over all requests, consistent with the per-op figures', () => {
    const l = summary.latency_ms;
    expect(l.count).toBe(summary.totals.requests);
    expect(l.min).toBeLessThanOrEqual(l.med);
    expect(l.med).toBeLessThanOrEqual(l.p95);
    expect(l.p95).toBeLessThanOrEqual(l.p99);
    expect(l.p99).toBeLessThanOrEqual(l.max);
    expect(l.max).toBe(Math.max(...summary.operations.map((o) => o.latency_ms.max)));
  });

  it('writes report.txt with every section, in order', () => {
    const sections = [
      'Test Configuration:',
      'User Pattern Distribution:',
      'Overall Results:',
      'Response Times',
      'Operation Breakdown:',
      'Server View:',
      'Data Safety:',
      'Performance Assessment:',
      'Scaling to 4,000 Users:',
    ];
    const positions = sections.map((s) => report.indexOf(s));
    for (const [i, p] of positions.entries()) expect(p, sections[i]).toBeGreaterThanOrEqual(0);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(report).toMatch(/writes acknowledged \d+, verified \d+, lost 0/);
    expect(report).toMatch(/MB per VU/);
    // The data the run started from, stated: a fresh database is seeded for the run.
    expect(summary.config.data).toMatch(/^dev profile, seed 46, seeded for this run: [\d,]+ members, [\d,]+ employments at the start/);
    expect(report).not.toMatch(/users × 100|x 100 \/ avg/);
  });

  it('writes report.html, junit.xml and meta.json beside it', () => {
    expect(readFileSync(path.join(dir, 'report.html'), 'utf8')).toContain('uPlot');
    const junit = readFileSync(path.join(dir, 'junit.xml'), 'utf8');
    // one test case per threshold (5) and one per operation
    expect(junit).toMatch(new RegExp(`<testsuite name="loadlab load [^"]+" tests="${5 + summary.operations.length}" failures="0"`));
    for (const o of summary.operations) expect(junit).toContain(`name="operation ${o.op}: every request answered without failure"`);
    const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8'));
    expect(meta).toMatchObject({ kind: 'load', k6_version: summary.k6.version, options: { users: USERS, ops: OPS } });
    expect(existsSync(path.join(dir, 'k6.log'))).toBe(true);
    expect(existsSync(path.join(dir, 'report.png'))).toBe(true);
  });

  it('report.html charts the real run: every chart (latency per op, distribution, users, failures, server) has data', async () => {
    const page = await renderReportPage(path.join(dir, 'report.html'), path.join(dir, 'report-check.png'));
    expect(page.errors).toEqual([]);
    expect(page.titles).toHaveLength(7);
    expect(page.withoutData).toEqual([]);
  });
});
