// Never lose a run (issue 13), on the harness's side: each signal, and each fault, sent to the real
// CLI while the real k6 runs against the real API (on this test file's database), leaves the report
// of what ran (INTERRUPTED or the fault, requested vs completed, every acknowledged write verified),
// the documented exit code, and no process the run started (by pid and /proc start time from the
// run's registry). Every wait is for a state (k6's samples file has N lines, a pid is gone, a line
// was printed), never a fixed sleep. The runs on the CLI's own embedded PostgreSQL: strays.test.ts.
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSummary } from '../../load/report/summary';
import { readK6Csv } from '../../load/results/k6-samples';
import { runCli, tempReportsDir } from '../support/cli';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { EXIT_INTERRUPTED, expectPartialReport, noneLeft, QUIET, registryOf, reportDirIn, REQUESTED, startCliJob, startRun, tempRunsDir, waitFor } from '../support/run-process';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
});
afterAll(async () => database?.drop());

describe('interrupts: a partial report, the exit code, no strays', () => {
  it('Ctrl-C (SIGINT to the whole process group) during load: k6 stops gracefully, the report of what ran, exit 3', async () => {
    const run = await startRun({ DATABASE_URL: database.url });
    expect(run.reg.children.map((c) => c.label).sort()).toEqual(['API server', 'k6']);
    process.kill(-run.job.pid, 'SIGINT');
    const r = await run.job.done;
    expect(r.status, run.job.output()).toBe(EXIT_INTERRUPTED);
    expect(r.stderr).toContain('SIGINT: stopping k6 gracefully');
    expectPartialReport(run.dir, 'SIGINT');
    await noneLeft(run.reg);
  }, 120_000);

  it('a second Ctrl-C stops k6 at once: the report from the samples on disk says so, writes verified, exit 3', async () => {
    const run = await startRun({ DATABASE_URL: database.url });
    const k6 = run.reg.children.find((c) => c.label === 'k6')!;
    // k6 held stopped cannot finish gracefully, so the second signal surely comes while it runs
    process.kill(k6.pid, 'SIGSTOP');
    process.kill(run.job.pid, 'SIGINT');
    await waitFor('the first signal to be taken', () => run.job.output().includes('SIGINT: stopping k6 gracefully'), 20_000, run.job);
    process.kill(run.job.pid, 'SIGINT');
    const r = await run.job.done;
    expect(r.status, run.job.output()).toBe(EXIT_INTERRUPTED);
    expect(r.stderr).toContain('SIGINT again: stopping k6 at once; the report is built from the samples on disk');
    const summary = readSummary(path.join(run.dir, 'summary.json'));
    expect(summary.interruption).toMatchObject({ signal: 'SIGINT', k6_stopped: 'at once', requested: { requests: REQUESTED } });
    expect(summary.totals.requests).toBeGreaterThan(0);
    expect(summary.data_safety.acknowledged).toBeGreaterThan(0);
    expect(summary.data_safety).toMatchObject({ verified: summary.data_safety.acknowledged, lost: 0 });
    expect(readFileSync(path.join(run.dir, 'report.txt'), 'utf8')).toMatch(/INTERRUPTED by SIGINT at \S+, [\d.]+ s into the run \(k6 stopped at once\)\./);
    await noneLeft(run.reg);
  }, 120_000);

  it('SIGTERM to loadlab alone during gate: the partial report, GATE INTERRUPTED, exit 3 (not 0/1/2)', async () => {
    const cfg = path.join(tempReportsDir(), 'gate.json');
    const gate = JSON.parse(readFileSync('loadlab.gate.json', 'utf8')) as Record<string, unknown>;
    writeFileSync(cfg, JSON.stringify({ ...gate, users: 4, ops: 400, think_time_ms: 20, ramp_up_s: 0, pattern: 'write_heavy' }));
    const run = await startRun({ DATABASE_URL: database.url }, ['gate', '--config', cfg], 'gate');
    process.kill(run.job.pid, 'SIGTERM');
    const r = await run.job.done;
    expect(r.status, run.job.output()).toBe(EXIT_INTERRUPTED);
    expect(r.stdout).toContain('GATE INTERRUPTED');
    expect(expectPartialReport(run.dir, 'SIGTERM').kind).toBe('gate');
    await noneLeft(run.reg);
  }, 120_000);
});

describe('level: interrupted in its warm-up', () => {
  it('SIGTERM during level 1\'s warm-up: the report of the warm-up that ran (said so), writes verified, exit 3', async () => {
    // A 30 s warm-up, cut early in it anyway: the signal must land before the measured part begins,
    // and 8 s (from k6's start, with the wait for a write in between) could run out on a loaded machine.
    const [warmupS, durationS] = [30, 20];
    const run = await startRun({ DATABASE_URL: database.url }, ['level', '1', '--duration', `${durationS}s`, '--warmup', String(warmupS)], 'level1', 1);
    const csv = path.join(run.dir, 'k6-samples.csv');
    // The state to cut in: a write acknowledged in the warm-up, before the measured part (level) began.
    await waitFor('an acknowledged write in the warm-up', () => readFileSync(csv, 'utf8').includes('writes_acked'), 30_000, run.job);
    process.kill(run.job.pid, 'SIGTERM');
    const r = await run.job.done;
    expect(r.status, run.job.output()).toBe(EXIT_INTERRUPTED);
    const summary = expectPartialReport(run.dir, 'SIGTERM', { seconds: warmupS + durationS });
    const { requests } = await readK6Csv(csv);
    expect(requests.filter((q) => q.scenario === 'level')).toHaveLength(0);
    expect(summary.interruption!.during_warmup).toBe(true);
    expect(summary.totals.requests).toBe(requests.filter((q) => q.scenario === 'warmup').length);
    const report = readFileSync(path.join(run.dir, 'report.txt'), 'utf8');
    expect(report).toContain("Cut during the warm-up: no measured request ran, so the figures below are the warm-up's requests");
    expect(report).toContain(`${warmupS} s at the same rate before the measured window: cut in it, so its ${summary.totals.requests.toLocaleString('en-US')} requests are the figures below`);
    await noneLeft(run.reg);
  }, 120_000);
});

describe('faults mid-run: reported, not just survived', () => {
  it('the API server SIGKILLed mid-run: when, how, server.log, the errors that followed; writes still verified; exit 1', async () => {
    const run = await startRun({ DATABASE_URL: database.url });
    const server = run.reg.children.find((c) => c.label === 'API server')!;
    process.kill(server.pid, 'SIGKILL');
    const r = await run.job.done;
    expect(r.status, run.job.output()).toBe(1);
    const summary = readSummary(path.join(run.dir, 'summary.json'));
    const e = summary.faults!.server_exit!;
    expect(e).toMatchObject({ signal: 'SIGKILL', code: null, how: 'killed by SIGKILL' });
    expect(e.after_s).toBeGreaterThan(0);
    expect(e.after_s).toBeLessThan(summary.totals.duration_s + 5);
    expect(e.failed_after['0']).toBeGreaterThan(0); // no response from a dead server
    expect(summary.assessment.passed).toBe(false);
    expect(summary.data_safety.acknowledged).toBeGreaterThan(0);
    expect(summary.data_safety).toMatchObject({ verified: summary.data_safety.acknowledged, lost: 0 });
    const report = readFileSync(path.join(run.dir, 'report.txt'), 'utf8');
    expect(report).toContain(`FAULT  the API server died ${e.after_s.toFixed(1)} s into the run (${e.at}): killed by SIGKILL`);
    expect(report).toMatch(new RegExp(`${e.failed_after['0']!.toLocaleString('en-US')} requests failed from then on \\(no response: `));
    // The server logs at warn level: the tail still says when it started and how it ended (the harness's lines).
    expect(e.log_tail.some((l) => new RegExp(`^loadlab: \\S+ API server pid ${server.pid} started: node server/main.ts, http://127\\.0\\.0\\.1:\\d+`).test(l)), e.log_tail.join('\n')).toBe(true);
    expect(e.log_tail.some((l) => l.includes(`API server pid ${server.pid} ready: GET /health answered 200`)), e.log_tail.join('\n')).toBe(true);
    expect(e.log_tail.at(-1)).toMatch(new RegExp(`^loadlab: \\S+ API server pid ${server.pid} killed by SIGKILL after \\d+\\.\\d s$`));
    expect(report).toContain(`last lines of server.log:\n           ${e.log_tail[0]}`);
    expect(report).not.toContain('(empty)');
    expect(readFileSync(path.join(run.dir, 'junit.xml'), 'utf8')).toContain('name="API server stayed up"><failure type="fault"');
    await noneLeft(run.reg);
  }, 120_000);

  it('the report folder fills up (ENOSPC) as the report is written: one line naming the file, exit 2, no half-written report', async () => {
    const runsDir = tempRunsDir();
    const reportsDir = tempReportsDir();
    const job = startCliJob(['load', '--users', '2', '--ops', '5', '--think-time', '10', '--ramp-up', '0', '--pattern', 'write_heavy'], {
      ...QUIET,
      DATABASE_URL: database.url,
      LOADLAB_REPORTS_DIR: reportsDir,
      LOADLAB_RUNS_DIR: runsDir,
    });
    const dir = await waitFor('the report folder', () => reportDirIn(reportsDir, 'load'), 60_000, job);
    // A real "no space left on device" from the kernel: the first report file's partial write goes to /dev/full.
    symlinkSync('/dev/full', path.join(dir, '.summary.json.partial'));
    const reg = await waitFor('the run registry', () => registryOf(runsDir, job.pid), 60_000, job);
    const r = await job.done;
    expect(r.status, job.output()).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toBe(`loadlab load: cannot write the report to ${path.join(dir, 'summary.json')}: no space left on the device (ENOSPC: no space left on device, write)`);
    const left = readdirSync(dir);
    for (const f of ['summary.json', 'report.txt', 'report.html', 'junit.xml', 'meta.json']) expect(left).not.toContain(f);
    expect(left.filter((f) => f.endsWith('.partial'))).toEqual([]);
    expect(existsSync(path.join(dir, 'k6-samples.csv'))).toBe(true); // the raw material stays
    await noneLeft(reg);
  }, 120_000);

  it('a reports folder that cannot be made: one line naming it, exit 2, nothing started', async () => {
    const runsDir = tempRunsDir();
    const r = await runCli(['load', '--users', '1', '--ops', '1'], { DATABASE_URL: database.url, LOADLAB_REPORTS_DIR: '/dev/null/reports', LOADLAB_RUNS_DIR: runsDir });
    expect(r.status, r.stdout + r.stderr).toBe(2);
    expect(r.stderr.trim()).toMatch(/^loadlab load: cannot create the report folder \/dev\/null\/reports\/\d{8}T\d{6}Z-load: ENOTDIR$/);
    expect(readdirSync(runsDir)).toEqual([]);
  });
});
