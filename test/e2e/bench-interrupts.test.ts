// Never lose a run (issue 13) for the benchmarks: a signal during bench-* leaves what completed,
// marked INTERRUPTED at the top, the documented exit code 3 and no process the run started (by
// pid and /proc start time from the runs' registries). One case per distinct code path:
// bench-4000 (one `load` run through executeRun), bench-api (its own embedded PostgreSQL, k6 steps
// and a server per series), bench-merge (child `loadlab load` runs that write their own partial
// report). Parameters are tiny; every wait is for a state (a line printed, a registry entry, k6
// samples on disk), never a fixed sleep.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../load/lib/local-env';
import { placedDataDir } from '../../server/db/embedded-postgres-home';
import { SEEDED_TABLES } from '../../seeds/seed';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { tempReportsDir } from '../support/cli';
import {
  EXIT_INTERRUPTED,
  expectPartialReport,
  lineCount,
  noneLeft,
  processesOf,
  QUIET,
  registryOf,
  reportDirIn,
  samplesWithAckedWrite,
  startCliJob,
  startRun,
  tempRunsDir,
  waitFor,
  type Registry,
} from '../support/run-process';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
});
afterAll(async () => database?.drop());

describe('bench-* interrupted: what completed, INTERRUPTED, exit 3, no strays', () => {
  it('bench-4000 (SIGTERM to loadlab alone): the run\'s partial report, bench-4000.txt INTERRUPTED with no verdict', async () => {
    const [users, ops] = [4, 400];
    const run = await startRun(
      { DATABASE_URL: database.url },
      ['bench-4000', '--no-seed', '--users', String(users), '--ops', String(ops), '--think-time', '20', '--ramp-up', '0'],
      'bench-4000',
    );
    process.kill(run.job.pid, 'SIGTERM');
    const r = await run.job.done;
    expect(r.status, run.job.output()).toBe(EXIT_INTERRUPTED);
    expectPartialReport(run.dir, 'SIGTERM', { requests: users * ops });
    const bench = readFileSync(path.join(run.dir, 'bench-4000.txt'), 'utf8');
    expect(bench.split('\n')[0]).toMatch(/^INTERRUPTED by SIGTERM at \S+, \d+\.\d s into the run \(k6 stopped gracefully\)\.$/);
    expect(bench).toContain('result: INTERRUPTED: no verdict on a partial run');
    expect(bench).not.toMatch(/result: (PASS|FAIL)/);
    expect(JSON.parse(readFileSync(path.join(run.dir, 'bench-4000.json'), 'utf8'))).toMatchObject({ interrupted: true, pass: false });
    await noneLeft(run.reg);
  }, 120_000);

  it('bench-api (Ctrl-C to its process group during a k6 step): completed series kept, the cut step named, server and PostgreSQL stopped', async () => {
    const runsDir = tempRunsDir();
    const reportsDir = tempReportsDir();
    // Steps of 5 s: the cache-off series (its warm-up and its step, both at 20/s) runs 10 s or more
    // from the k6 the test waits for, so the signal lands in it on a loaded machine too (with 2 s
    // steps the series could end first and the cut land in the next one).
    const job = startCliJob(['bench-api', '--step-seconds', '5', '--start-rate', '20', '--max-rate', '20'], { ...QUIET, LOADLAB_REPORTS_DIR: reportsDir, LOADLAB_RUNS_DIR: runsDir });
    // The state: the raw pg series is done and k6 runs the first API series' warm-up step.
    const reg = await waitFor('k6 running against the API', () => {
      const r = registryOf(runsDir, job.pid);
      return r?.children.some((c) => c.label === 'k6') ? r : undefined;
    }, 90_000, job);
    expect(reg.children.map((c) => c.label).sort()).toEqual(['API server', 'embedded PostgreSQL', 'k6']);
    process.kill(-job.pid, 'SIGINT');
    const r = await job.done;
    expect(r.status, job.output()).toBe(EXIT_INTERRUPTED);
    expect(r.stderr).toContain('SIGINT: stopping k6 gracefully');
    const dir = reportDirIn(reportsDir, 'bench-api')!;
    const md = readFileSync(path.join(dir, 'bench.md'), 'utf8').split('\n');
    expect(md[0]).toMatch(/^INTERRUPTED by SIGINT at \S+, \d+\.\d s into the benchmark: the figures below cover only the steps that completed\.$/);
    expect(md[1]).toBe(
      '  Cut: GET /members/:id cache off at 20/s (that step is not counted). Completed series: raw pg (same SQL). Not run: GET /members/:id cache on, GET /livez (trivial).',
    );
    const json = JSON.parse(readFileSync(path.join(dir, 'bench.json'), 'utf8'));
    expect(json).toMatchObject({ interrupted: true, interruption: { signal: 'SIGINT', completed_series: ['raw pg (same SQL)'] } });
    expect(json.series.map((s: { name: string }) => s.name)).toEqual(['raw pg (same SQL)', 'GET /members/:id cache off']);
    expect(json.series[0].steps.length).toBeGreaterThan(0);
    expect(json.series[0].cutAtRate).toBeUndefined();
    expect(json.series[1]).toMatchObject({ cutAtRate: 20, steps: [] });
    await noneLeft(reg);
  }, 180_000);

  it('bench-merge (SIGTERM to loadlab alone during its first load run): the child run writes its partial report, bench.txt INTERRUPTED names it', async () => {
    const runsDir = tempRunsDir();
    const reportsDir = tempReportsDir();
    const [users, ops] = [4, 400];
    const job = startCliJob(['bench-merge', '--files', '1', '--requests-per-file', '1000', '--users', String(users), '--ops', String(ops), '--think-time', '20'], {
      ...QUIET,
      DATABASE_URL: database.url,
      LOADLAB_REPORTS_DIR: reportsDir,
      LOADLAB_RUNS_DIR: runsDir,
    });
    const dir = await waitFor('the bench-merge folder', () => reportDirIn(reportsDir, 'bench-merge'), 60_000, job);
    const runs = path.join(dir, 'runs');
    const inner = await waitFor('the first load run', () => reportDirIn(runs, 'load'), 60_000, job);
    await waitFor('100 lines of k6 samples and an acknowledged write in the first run', () => samplesWithAckedWrite(path.join(inner, 'k6-samples.csv'), 100), 90_000, job);
    // Both loadlabs' registries: this one guards the child run, the child guards k6 and its server.
    const outer = registryOf(runsDir, job.pid)!;
    const child = outer.children.find((c) => c.label === 'loadlab load')!;
    expect(child).toBeDefined();
    const childReg = await waitFor('the child run\'s registry naming k6', () => {
      const x = registryOf(runsDir, child.pid);
      return x?.children.some((c) => c.label === 'k6') ? x : undefined;
    }, 10_000, job);
    process.kill(job.pid, 'SIGTERM');
    const r = await job.done;
    expect(r.status, job.output()).toBe(EXIT_INTERRUPTED);
    expectPartialReport(inner, 'SIGINT', { requests: users * ops }); // the signal passed on to the child run
    const text = readFileSync(path.join(dir, 'bench.txt'), 'utf8').split('\n');
    expect(text[0]).toMatch(/^INTERRUPTED by SIGTERM at \S+, \d+\.\d s into the benchmark: cut during the first run \(load --instances 1\); the parts below are those that completed\.$/);
    expect(text[1]).toBe(`  The cut run wrote its own partial report: ${path.relative(dir, inner)}`);
    expect(text).toContain('1-3. not measured: the first run (load --instances 1) was cut');
    expect(readdirSync(runs)).toHaveLength(1); // the second run never started
    await noneLeft({ ...outer, children: [...outer.children, ...processesOf(childReg as Registry)] } as Registry);
  }, 150_000);

  it('bench-seed (SIGHUP to loadlab alone during the INSERT batches): the seed and \\copy rows kept, INSERT named as cut, its PostgreSQL and databases gone', async () => {
    const runsDir = tempRunsDir();
    const reportsDir = tempReportsDir();
    const job = startCliJob(['bench-seed', '--scale', '0.1'], { ...QUIET, LOADLAB_REPORTS_DIR: reportsDir, LOADLAB_RUNS_DIR: runsDir });
    // The state: seed and \copy done, the INSERT batches past their first table (the rest takes seconds).
    await waitFor('the INSERT batches under way', () => /locations: [\d,]+ rows inserted/.test(job.output()), 90_000, job);
    const reg = registryOf(runsDir, job.pid)!;
    expect(reg.children.map((c) => c.label)).toEqual(['embedded PostgreSQL']);
    process.kill(job.pid, 'SIGHUP');
    const r = await job.done;
    expect(r.status, job.output()).toBe(EXIT_INTERRUPTED);
    const dir = reportDirIn(reportsDir, 'bench-seed')!;
    const text = readFileSync(path.join(dir, 'bench.txt'), 'utf8').split('\n');
    expect(text[0]).toMatch(/^INTERRUPTED by SIGHUP at \S+, \d+\.\d s into the benchmark: the rows below are the methods that completed\.$/);
    expect(text[1]).toBe('  Cut: INSERT, 500-row batches (not counted). Not run: none. Its embedded PostgreSQL was stopped and its data folder, with every database the benchmark created, removed.');
    expect(text.filter((l) => /^(loadlab seed|psql \\copy|INSERT)/.test(l)).map((l) => l.split(/ {2,}/)[0])).toEqual(['loadlab seed (COPY, generated)', 'psql \\copy from CSV']);
    expect(text.some((l) => /^seeder \/ \\copy = \d+\.\d\dx/.test(l))).toBe(true);
    const json = JSON.parse(readFileSync(path.join(dir, 'bench.json'), 'utf8'));
    expect(json).toMatchObject({ interrupted: true, interruption: { signal: 'SIGHUP', cut: 'INSERT, 500-row batches', completed: ['loadlab seed (COPY, generated)', 'psql \\copy from CSV'], not_run: [] } });
    expect(json.measurements.every((m: { rows: number; seconds: number }) => m.rows > 0 && m.seconds > 0)).toBe(true);
    expect(existsSync(placedDataDir(path.join(PROJECT_ROOT, '.data', `pg-bench-${job.pid}`)))).toBe(false);
    await noneLeft(reg);
  }, 120_000);

  it('bench-4000 cut while it seeds (SIGTERM to loadlab alone): the seed stops and rolls back, no load run, bench-4000.txt INTERRUPTED says so', async () => {
    const counts = async () => {
      const exists = (await database.pool.query<{ t: string | null }>(`select to_regclass('members')::text as t`)).rows[0]!.t;
      return exists ? Number((await database.pool.query<{ n: string }>('select count(*) as n from members')).rows[0]!.n) : null;
    };
    const before = await counts();
    const runsDir = tempRunsDir();
    const reportsDir = tempReportsDir();
    const job = startCliJob(['bench-4000', '--users', '4', '--ops', '400'], { ...QUIET, DATABASE_URL: database.url, LOADLAB_REPORTS_DIR: reportsDir, LOADLAB_RUNS_DIR: runsDir });
    // The state: the members are loaded (inside the seed's one transaction), ~430,000 employments next.
    await waitFor('the seed past its members table', () => /members: 10,000 rows/.test(job.output()), 90_000, job);
    process.kill(job.pid, 'SIGTERM');
    const r = await job.done;
    expect(r.status, job.output()).toBe(EXIT_INTERRUPTED);
    const dir = reportDirIn(reportsDir, 'bench-4000')!;
    const text = readFileSync(path.join(dir, 'bench-4000.txt'), 'utf8').split('\n');
    expect(text[0]).toMatch(/^INTERRUPTED by SIGTERM at \S+, \d+\.\d s into the benchmark: cut while seeding the stress data; no load run, nothing measured\.$/);
    // The signal lands after members; the seed checks between tables, so it stops after members or a later table.
    const cut = /^ {2}The seed was stopped after (\d) of 9 tables \((.+) had been loaded\) and rolled back: the database is as it was before it, not seeded\.$/.exec(text[1] ?? '');
    expect(cut, text[1]).not.toBeNull();
    const loaded = Number(cut![1]);
    expect(loaded).toBeGreaterThanOrEqual(SEEDED_TABLES.indexOf('members') + 1);
    expect(loaded).toBeLessThan(SEEDED_TABLES.length);
    expect(cut![2]).toBe(SEEDED_TABLES.slice(0, loaded).join(', '));
    expect(text).toContain(`  result: INTERRUPTED: no verdict (report folder ${dir})`);
    expect(JSON.parse(readFileSync(path.join(dir, 'bench-4000.json'), 'utf8'))).toMatchObject({ interrupted: true, cut: 'seed', seed: 'stopped', pass: false });
    expect(readdirSync(dir).sort()).toEqual(['bench-4000.json', 'bench-4000.txt']); // no report of a run that never ran
    expect(await counts()).toBe(before ?? 0); // rolled back: not half-seeded (migrated if it was not)
    // With DATABASE_URL the seed starts no process: nothing was guarded, nothing is left.
    expect(registryOf(runsDir, job.pid)?.children ?? []).toEqual([]);
  }, 120_000);

  it('bench-compare (Ctrl-C to its process group during its first gate run): the gate gets SIGINT and writes its partial report, bench-compare.txt INTERRUPTED names it', async () => {
    const runsDir = tempRunsDir();
    const reportsDir = tempReportsDir();
    const [users, ops] = [4, 400];
    const job = startCliJob(['bench-compare', '--pairs', '1', '--cache-off-pairs', '1', '--users', String(users), '--ops', String(ops), '--think-time', '20', '--pattern', 'write_heavy'], {
      ...QUIET,
      DATABASE_URL: database.url,
      LOADLAB_REPORTS_DIR: reportsDir,
      LOADLAB_RUNS_DIR: runsDir,
    });
    const dir = await waitFor('the bench-compare folder', () => reportDirIn(reportsDir, 'bench-compare'), 60_000, job);
    const runs = path.join(dir, 'runs');
    const inner = await waitFor('the first gate run', () => reportDirIn(runs, 'gate'), 60_000, job);
    await waitFor('100 lines of k6 samples and an acknowledged write in the first gate run', () => samplesWithAckedWrite(path.join(inner, 'k6-samples.csv'), 100), 90_000, job);
    const outer = registryOf(runsDir, job.pid)!;
    const child = outer.children.find((c) => c.label === 'loadlab gate')!;
    expect(child).toBeDefined();
    const childReg = await waitFor('the gate\'s registry naming k6', () => {
      const x = registryOf(runsDir, child.pid);
      return x?.children.some((c) => c.label === 'k6') ? x : undefined;
    }, 10_000, job);
    process.kill(-job.pid, 'SIGINT');
    const r = await job.done;
    expect(r.status, job.output()).toBe(EXIT_INTERRUPTED);
    expectPartialReport(inner, 'SIGINT', { requests: users * ops });
    const text = readFileSync(path.join(dir, 'bench-compare.txt'), 'utf8').split('\n');
    expect(text[0]).toMatch(
      /^INTERRUPTED by SIGINT at \S+, \d+\.\d s into the benchmark: cut during pair 1, run A \(cache on\); the pairs below are those that completed \(0 of 1 same-configuration, 0 of 1 cache-off\)\.$/,
    );
    expect(text[1]).toBe(`  The cut gate run wrote its own partial report: ${path.relative(dir, inner)}`);
    expect(text).toContain('false alarms, compare: 0 of 0 pairs flagged an operation; 0 of 0 judged operations (-); 0 too noisy to judge');
    expect(readdirSync(runs)).toHaveLength(1); // no later run started
    await noneLeft({ ...outer, children: [...outer.children, ...processesOf(childReg as Registry)] } as Registry);
  }, 150_000);

  it('bench-scale (SIGTERM to loadlab alone during its first level 3 run): the level writes its partial report, bench-scale.txt INTERRUPTED, no server, PostgreSQL or data folder left', async () => {
    const runsDir = tempRunsDir();
    const reportsDir = tempReportsDir();
    const job = startCliJob(['bench-scale', '--level-duration', '30s', '--warmup', '0'], { ...QUIET, LOADLAB_REPORTS_DIR: reportsDir, LOADLAB_RUNS_DIR: runsDir });
    const dir = await waitFor('the bench-scale folder', () => reportDirIn(reportsDir, 'bench-scale'), 60_000, job);
    // The bench's own PostgreSQL and the stress seed come first: most of the wait, and what grows most
    // on a loaded machine (the whole case took 22 s here at load average 2.4; its limit is 300 s).
    const inner = await waitFor('the first level 3 run', () => reportDirIn(dir, 'level3'), 240_000, job);
    await waitFor('100 lines of k6 samples in the level run', () => lineCount(path.join(inner, 'k6-samples.csv')) >= 100, 90_000, job);
    const outer = registryOf(runsDir, job.pid)!;
    const child = outer.children.find((c) => c.label === 'loadlab level')!;
    expect(child).toBeDefined();
    const childReg = await waitFor('the level run\'s registry naming k6', () => {
      const x = registryOf(runsDir, child.pid);
      return x?.children.some((c) => c.label === 'k6') ? x : undefined;
    }, 10_000, job);
    expect(childReg.children.map((c) => c.label).sort()).toEqual(['API server', 'embedded PostgreSQL', 'k6']);
    process.kill(job.pid, 'SIGTERM');
    const r = await job.done;
    expect(r.status, job.output()).toBe(EXIT_INTERRUPTED);
    const partial = JSON.parse(readFileSync(path.join(inner, 'summary.json'), 'utf8'));
    expect(partial).toMatchObject({ interrupted: true, interruption: { signal: 'SIGINT', k6_stopped: 'gracefully' } });
    expect(readFileSync(path.join(inner, 'report.txt'), 'utf8')).toContain('INTERRUPTED by SIGINT');
    const text = readFileSync(path.join(dir, 'bench-scale.txt'), 'utf8').split('\n');
    expect(text[0]).toMatch(/^INTERRUPTED by SIGTERM at \S+, \d+\.\d s into the benchmark: cut during level 3 \(1 process\); the parts below are those that completed \(a cut level is its partial report, never compared\)\.$/);
    expect(text[1]).toBe(`  The cut run wrote its own partial report: ${path.basename(inner)}`);
    expect(text.some((l) => /^\s+1 process .*CUT \(partial\)\s*$/.test(l))).toBe(true);
    const json = JSON.parse(readFileSync(path.join(dir, 'bench-scale.json'), 'utf8'));
    expect(json.levels).toHaveLength(1);
    expect(json.ceilings).toEqual([]);
    expect(readdirSync(dir).filter((d) => /-(level3|bench-api)$/.test(d))).toHaveLength(1); // nothing after the cut part started
    expect(existsSync(placedDataDir(path.join(PROJECT_ROOT, '.data', `pg-bench-scale-${job.pid}`)))).toBe(false);
    await noneLeft({ ...outer, children: [...outer.children, ...processesOf(childReg as Registry)] } as Registry);
  }, 300_000);

  it('bench-care (SIGTERM to loadlab alone during its integrity passes): the table of the passes that completed, INTERRUPTED, its bench database dropped', async () => {
    const runsDir = tempRunsDir();
    const reportsDir = tempReportsDir();
    const job = startCliJob(['bench-care', '--source', 'generate', '--members', '2000', '--runs', '20'], { ...QUIET, DATABASE_URL: database.url, LOADLAB_REPORTS_DIR: reportsDir, LOADLAB_RUNS_DIR: runsDir });
    // The state: the data is built and the first of 20 integrity passes is done.
    await waitFor('the first integrity pass', () => /integrity pass 1 of 20: /.test(job.output()), 90_000, job);
    process.kill(job.pid, 'SIGTERM');
    const r = await job.done;
    expect(r.status, job.output()).toBe(EXIT_INTERRUPTED);
    const dir = reportDirIn(reportsDir, 'bench-care')!;
    const text = readFileSync(path.join(dir, 'bench.txt'), 'utf8').split('\n');
    const m = /^INTERRUPTED by SIGTERM at \S+, \d+\.\d s into the benchmark: cut during integrity pass (\d+) of 20; what was measured before it follows\.$/.exec(text[0]!);
    expect(m, text.join('\n')).not.toBeNull();
    const completed = Number(m![1]) - 1;
    expect(completed).toBeGreaterThanOrEqual(1);
    expect(text[1]).toBe('  The bench database loadlab_bench_care it created was dropped.');
    expect(text).toContain(`integrity: ${completed} of 20 passes completed`);
    expect(text.some((l) => /^data: generate_series fallback/.test(l))).toBe(true);
    expect(text.some((l) => /^ALL 21 CHECKS, one pass \(wall clock\)/.test(l))).toBe(true);
    expect(text.some((l) => /^heal/.test(l))).toBe(false); // never reached
    const exists = await database.pool.query(`select 1 from pg_database where datname = 'loadlab_bench_care'`);
    expect(exists.rowCount).toBe(0);
    expect(registryOf(runsDir, job.pid)?.children ?? []).toEqual([]); // with DATABASE_URL it starts no process
  }, 120_000);
});
