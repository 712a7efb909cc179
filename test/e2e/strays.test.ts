// Never lose a run (issue 13), with the CLI's own embedded PostgreSQL: SIGHUP leaves a partial
// report and stops server and database; SIGKILL of loadlab alone is cleaned up by its watchdog
// within seconds; SIGKILL of loadlab, its watchdog and the postmaster is cleaned up by the next
// run, which says what it cleaned (a left-over k6, a stale postmaster.pid); PostgreSQL going away
// and coming back mid-run is reported with its interval. All runs share one data folder (beside
// .data/pg, so the library copy made for root is shared), removed at the end. States are waited
// for, never slept on.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sameProcess } from '../../common/child-guard';
import { readSummary } from '../../load/report/summary';
import { startEmbeddedPostgres } from '../../server/db/embedded-postgres';
import { placedDataDir } from '../../server/db/embedded-postgres-home';
import { EXIT_INTERRUPTED, expectPartialReport, LONG_LOAD, noneLeft, QUIET, registryOf, startCliJob, startRun, waitFor } from '../support/run-process';

const pgDir = path.resolve('.data', `pg-strays-${process.pid}`);
afterAll(() => rmSync(placedDataDir(pgDir), { recursive: true, force: true }));

/** k6 has written a request sample with this status at or after `sinceMs` (its CSV as written so far). */
function k6StatusSince(csv: string, status: number, sinceMs: number): boolean {
  return readFileSync(csv, 'utf8')
    .split('\n')
    .some((line) => {
      const f = line.split(',');
      return f[0] === 'http_req_duration' && Number(f[8]) === status && Number(f[1]) >= sinceMs;
    });
}

describe('the embedded PostgreSQL run: signals, kills and the next run', () => {
  it('SIGHUP (closed terminal) with the embedded PostgreSQL: the partial report, then server and database stopped', async () => {
    const run = await startRun({ LOADLAB_PG_DIR: pgDir });
    expect(run.reg.children.map((c) => c.label).sort()).toEqual(['API server', 'embedded PostgreSQL', 'k6']);
    process.kill(run.job.pid, 'SIGHUP');
    const r = await run.job.done;
    expect(r.status, run.job.output()).toBe(EXIT_INTERRUPTED);
    expectPartialReport(run.dir, 'SIGHUP');
    await noneLeft(run.reg);
  }, 180_000);

  it('SIGKILL to loadlab alone: its watchdog stops k6, the API server and PostgreSQL within seconds', async () => {
    const run = await startRun({ LOADLAB_PG_DIR: pgDir });
    process.kill(run.job.pid, 'SIGKILL');
    await run.job.done;
    await noneLeft(run.reg);
  }, 120_000);

  it('SIGKILL to loadlab, its watchdog and the postmaster: the next run cleans up what was left, says so, and works', async () => {
    const run = await startRun({ LOADLAB_PG_DIR: pgDir }, LONG_LOAD, 'load', 30);
    const k6 = run.reg.children.find((c) => c.label === 'k6')!;
    const postmaster = run.reg.children.find((c) => c.label === 'embedded PostgreSQL')!;
    // k6 held still (SIGSTOP) so it is surely left over: a running k6 whose parent is gone dies of
    // SIGPIPE at its next log line, and the API server leaves by itself when its parent is gone.
    process.kill(k6.pid, 'SIGSTOP');
    process.kill(run.reg.watchdog!.pid, 'SIGKILL');
    process.kill(run.job.pid, 'SIGKILL');
    process.kill(postmaster.pid, 'SIGKILL');
    await run.job.done;
    expect(sameProcess(k6.pid, k6.start)).toBe(true); // left running: nobody was there to stop it
    const next = startCliJob(['load', '--users', '2', '--ops', '3', '--think-time', '10', '--ramp-up', '0'], {
      ...QUIET,
      LOADLAB_PG_DIR: pgDir,
      LOADLAB_REPORTS_DIR: run.reportsDir,
      LOADLAB_RUNS_DIR: run.runsDir,
    });
    const r = await next.done;
    expect(r.status, next.output()).toBe(0);
    expect(r.stderr).toContain(`cleaned up after an earlier loadlab (pid ${run.job.pid}, gone): stopped k6 pid ${k6.pid}`);
    expect(r.stderr).toMatch(/cleaned up: removed a stale postmaster\.pid \(pid \d+, port \d+, not running\)/);
    await noneLeft(run.reg, 5_000);
    expect(registryOf(run.runsDir, run.job.pid)).toBeUndefined();
  }, 180_000);

  it('PostgreSQL down and back mid-run: the interval from /health polling and the 503s inside it', async () => {
    // The cluster the runs above used (already seeded), started by the test so it can stop and start it.
    const pg = await startEmbeddedPostgres({ dataDir: pgDir, settings: { fsync: 'off', synchronous_commit: 'off' } });
    try {
      // k6 must still run when PostgreSQL is back. LONG_LOAD lasts ~11 s (its 503s come as fast as its
      // 200s); PostgreSQL was back 3–4 s into the run at load average 2–3 (halt, the harness seeing
      // it, a 503 inside, restart, the harness seeing that) and takes many seconds more on a stalled
      // machine. So ~45 s of load: 500 operations per user at 80 ms think (the think time, not the
      // server, sets the pace), within a 150 s limit.
      const run = await startRun({ DATABASE_URL: pg.url }, ['load', '--users', '4', '--ops', '500', '--think-time', '80', '--ramp-up', '0', '--pattern', 'write_heavy', '--duration', '150s']);
      await pg.halt();
      const from = await waitFor('the harness to see PostgreSQL go', () => /PostgreSQL unavailable \(GET \/health answered 503\) at (\S+)/.exec(run.job.output())?.[1], 20_000, run.job);
      // The interval opens at that /health poll, up to a second after PostgreSQL went: k6 gets a 503
      // inside it (on disk) before PostgreSQL comes back, so the count inside is not left to timing.
      await waitFor('a 503 to k6 inside the interval', () => k6StatusSince(path.join(run.dir, 'k6-samples.csv'), 503, Date.parse(from)), 20_000, run.job);
      await pg.restart();
      await waitFor('the harness to see PostgreSQL back', () => run.job.output().includes('PostgreSQL back'), 20_000, run.job);
      const r = await run.job.done;
      expect(r.status, run.job.output()).toBe(0);
      const summary = readSummary(path.join(run.dir, 'summary.json'));
      const [down, ...more] = summary.faults!.database_down;
      expect(more).toHaveLength(0);
      expect(down!.to_s).not.toBeNull();
      expect(down!.to_s!).toBeGreaterThan(down!.from_s);
      expect(down!.polls).toBeGreaterThan(0);
      expect(down!.status_503_inside).toBeGreaterThan(0);
      expect(summary.faults!.server_exit).toBeUndefined();
      expect(summary.data_safety).toMatchObject({ verified: summary.data_safety.acknowledged, lost: 0 });
      const report = readFileSync(path.join(run.dir, 'report.txt'), 'utf8');
      expect(report).toContain(`FAULT  PostgreSQL unavailable from ${down!.from_s.toFixed(1)} s to ${down!.to_s!.toFixed(1)} s into the run`);
      expect(report).toContain(`inside it: ${down!.status_503_inside.toLocaleString('en-US')} requests answered 503`);
      await noneLeft(run.reg);
    } finally {
      await pg.stop();
    }
  }, 300_000);
});
