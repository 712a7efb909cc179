// End to end: the real CLI starts the API server on a fresh database, runs six real k6 capacity
// steps (2–7 users, a few seconds each, 50 ms think time, each step on two k6 instances), fits the
// model and writes the report folder. A tiny noisy run proves the pipe, not the fit's quality: the fit must have a point per step and
// finite numbers, or say clearly why it could not be made.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCapacityModel, readLatestCapacityModel, type CapacityModel } from '../../load/capacity/capacity-model';
import { renderReportPage } from '../../load/lib/browser';
import { createTestDatabase, type TestDatabase } from '../support/database';

let database: TestDatabase;
let reportsDir: string;
let dir: string;
let model: CapacityModel;
let stdout: string;

const STEPS = [2, 3, 4, 5, 6, 7];

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
  reportsDir = mkdtempSync(path.join(tmpdir(), 'loadlab-e2e-capacity-'));
  const run = spawnSync(
    process.execPath,
    ['bin/loadlab.mjs', 'capacity', '--steps', STEPS.join(','), '--step-duration', '4s', '--ramp-up', '1', '--think-time', '50', '--target-users', '40', '--warmup', '2', '--instances', '2'],
    { env: { ...process.env, DATABASE_URL: database.url, LOADLAB_REPORTS_DIR: reportsDir }, encoding: 'utf8', timeout: 240_000 },
  );
  stdout = run.stdout;
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  const dirs = readdirSync(reportsDir);
  expect(dirs).toHaveLength(1);
  expect(dirs[0]).toMatch(/^\d{8}T\d{6}Z-capacity$/);
  dir = path.join(reportsDir, dirs[0]!);
  model = readCapacityModel(path.join(dir, 'capacity.json'));
}, 300_000);

afterAll(async () => database?.drop());

describe('loadlab capacity against its own server', () => {
  it('writes the report folder: capacity.json, report.txt, report.html', () => {
    const files = readdirSync(dir);
    for (const f of ['capacity.json', 'report.txt', 'report.html', 'steps.json']) expect(files).toContain(f);
    // Raw samples are summarised and removed unless --keep-samples.
    expect(files.filter((f) => f.endsWith('k6-samples.csv'))).toEqual([]);
    expect(stdout).toContain(`report folder:`);
  });

  it('ran one real k6 step per user count, each with requests in its steady-state window', () => {
    // and the settling step the run printed it chose (settle-step.ts; its rule is unit-tested): none,
    // or one more at most half the 40 target users, beyond the largest, with the note
    const settle = /^settling step: (?:none \((.+)\)|(\d+) users \((.+)\))$/m.exec(stdout);
    expect(settle, stdout).not.toBeNull();
    const settled = settle![2] ? Number(settle![2]) : undefined;
    expect(model.steps.map((s) => s.users)).toEqual(settled ? [...STEPS, settled] : STEPS);
    if (settled) {
      expect(settled).toBeGreaterThan(7);
      expect(settled).toBeLessThanOrEqual(20);
      expect(model.steps.at(-1)!.notes).toContain('settling step (weak evidence: added by the run)');
    }
    for (const s of model.steps) {
      expect(s.k6_exit_code).toBe(0);
      expect(s.requests).toBeGreaterThan(0);
      expect(s.errors).toBe(0);
      expect(s.throughput_rps).toBeGreaterThan(0);
      expect(s.window.end).toBeGreaterThan(s.window.start);
      expect(s.vu_lag_ms).not.toBeNull();
    }
  });

  it('ran each step on two k6 instances (execution segments), with their start skew and CPU', () => {
    for (const s of model.steps) {
      expect(s.k6_instances, `${s.users} users`).toMatchObject({ count: 2 });
      expect(s.k6_instances!.start_skew_ms).not.toBeNull();
      expect(s.k6_instances!.cpu_cores).toHaveLength(2);
      expect(s.k6.cpu_cores).toBe(Math.max(...s.k6_instances!.cpu_cores.map((c) => c ?? -1)));
    }
    expect(stdout).toMatch(/busiest of 2 instances, start skew \d+ ms/);
  });

  it('fits every step (6, or 7 with a settling step) with finite numbers, or gives a clear reason', () => {
    const usable = model.steps.filter((s) => !s.saturated).length;
    if (model.fit.ok) {
      expect(model.fit.points).toBe(model.steps.length);
      for (const v of [model.fit.lambda, model.fit.sigma, model.fit.kappa, model.fit.r2]) expect(Number.isFinite(v)).toBe(true);
      expect(model.prediction!.target_users).toBe(40);
      expect(Number.isFinite(model.prediction!.throughput_rps)).toBe(true);
    } else {
      // Only a saturated (left-out) step or a degenerate curve may stop the fit, and it says so.
      expect(model.fit.reason.length).toBeGreaterThan(20);
      expect(model.fit.points).toBe(usable);
    }
  });

  it('the report text carries the steps, the fit and the old formula; the latest model is found for its target', () => {
    const text = readFileSync(path.join(dir, 'report.txt'), 'utf8');
    expect(text).toContain('LOADLAB CAPACITY REPORT');
    expect(text).toContain('Fit (Universal Scalability Law):');
    expect(text).toMatch(/Answer at 40 Users:\n  40 users: (held|not held) — predicted mean [\d.,]+ ms \(band [^)]*\) against the 500 ms target/);
    expect(text).toContain('Resource Demands (Utilization Law):');
    expect(text).toMatch(/Headline model: (demand model \(Utilization Law \+ MVA\)|USL) — /);
    expect(model.demand.ok, model.demand.ok ? '' : model.demand.reason).toBe(true);
    if (model.demand.ok) {
      expect(model.demand.fits.map((f) => f.resource)).toEqual(expect.arrayContaining(['machine_cpu', 'api_cpu', 'postgres_cpu', 'k6_cpu', 'event_loop', 'pool']));
      expect(model.demand.prediction.throughput_rps).toBeGreaterThan(0);
    }
    expect(text).not.toMatch(/every N|Infinity/);
    expect(text).toContain('old formula (users × 100 / avg_ms), not a prediction');
    expect(text).not.toMatch(/NaN/);
    expect(readLatestCapacityModel(reportsDir, 40)!.model.run_id).toBe(model.run_id);
    expect(readFileSync(path.join(dir, 'report.html'), 'utf8')).toContain('var uPlot');
  });

  it('report.html renders its three charts offline in Chromium, each with data, without script errors', async () => {
    const page = await renderReportPage(path.join(dir, 'report.html'), path.join(dir, 'report.png'));
    expect(page.errors).toEqual([]);
    // throughput, response time and each resource's utilisation, every one with data
    expect(page.rendered).toBe(3);
    expect(page.withData).toBe(3);
    expect(page.canvases).toBeGreaterThanOrEqual(3);
  });

  it('starts from its own fresh database seeded with the dev profile, shows the data per step, and drops it afterwards', async () => {
    // The dev profile has 500 members; create_member (10% of the mix) adds to them from step to
    // step (and during the unmeasured warm-up before the first one).
    const counts = model.steps.map((s) => s.data_at_start!.members);
    expect(counts[0]).toBeGreaterThanOrEqual(500);
    expect(counts[0]).toBeLessThan(600);
    for (let i = 1; i < counts.length; i++) expect(counts[i]!).toBeGreaterThanOrEqual(counts[i - 1]!);
    expect(counts.at(-1)!).toBeGreaterThan(500);
    expect(stdout).toMatch(/seeding a fresh database loadlab_run_\d+_\d+ with the dev profile/);
    // DATABASE_URL's own database stays as it was (empty, not even migrated); the fresh one is gone.
    const tables = await database.db.selectFrom('information_schema.tables' as never).select('table_name' as never).where('table_schema' as never, '=', 'public' as never).execute();
    expect(tables).toEqual([]);
    const left = await database.pool.query("select datname from pg_database where datname like 'loadlab_run_%'");
    expect(left.rows.filter((r: { datname: string }) => stdout.includes(r.datname))).toEqual([]);
  });

  it("records every step's resource series and window means: API, PostgreSQL, k6, machine, pool, event loop", () => {
    for (const s of model.steps) {
      const r = s.resources!;
      expect(r.sources.postgres).toMatch(/^local cluster/);
      for (const f of ['machine_busy_cores', 'api_cpu_cores', 'postgres_cpu_cores', 'k6_cpu_cores', 'pool_busy', 'event_loop_utilization', 'requests_rps']) {
        expect(Number.isFinite(r.mean[f]), `${s.users} users: ${f}`).toBe(true);
      }
      expect(readdirSync(dir)).toContain(`step-${s.users}-resources.json`);
      expect(s.latency_quantiles_ms).toHaveLength(101);
    }
  });
});
