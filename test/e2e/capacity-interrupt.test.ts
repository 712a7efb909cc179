// Never lose a run (issue 13) for `loadlab capacity`: a SIGTERM in the middle of a step keeps the
// steps that completed (steps.json, the model of them in capacity.json and report.txt), names the
// cut step, exits 3 and leaves no process the run started. Small steps (2 and 3 users, 15 s each:
// step 3 cannot end before the signal lands however slow the machine, as a 4 s step could); the
// cut waits for states: step 2 in steps.json, then step 3's k6 samples on disk (a step's raw
// samples are removed once it is summarized).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readCapacityModel } from '../../load/capacity/capacity-model';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { tempReportsDir } from '../support/cli';
import { EXIT_INTERRUPTED, lineCount, noneLeft, QUIET, registryOf, reportDirIn, startCliJob, tempRunsDir, waitFor } from '../support/run-process';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
});
afterAll(async () => database?.drop());

/** The users of the steps in steps.json so far ([] until it exists). */
function completedSteps(dir: string): number[] {
  const file = path.join(dir, 'steps.json');
  if (!existsSync(file)) return [];
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { users: number }[]).map((s) => s.users);
  } catch {
    return []; // being written
  }
}

it('SIGTERM mid-step: the completed step kept and modelled, the cut step named, exit 3, no strays', async () => {
  const runsDir = tempRunsDir();
  const reportsDir = tempReportsDir();
  const job = startCliJob(['capacity', '--steps', '2,3', '--step-duration', '15s', '--ramp-up', '1', '--think-time', '50', '--warmup', '0', '--target-users', '40'], {
    ...QUIET,
    DATABASE_URL: database.url,
    LOADLAB_REPORTS_DIR: reportsDir,
    LOADLAB_RUNS_DIR: runsDir,
  });
  const dir = await waitFor('the capacity report folder', () => reportDirIn(reportsDir, 'capacity'), 60_000, job);
  const run = { job, dir };
  await waitFor('step 2 completed (steps.json)', () => completedSteps(run.dir).includes(2), 90_000, run.job);
  await waitFor('step 3 running (its k6 samples on disk)', () => lineCount(path.join(run.dir, 'step-3-k6-samples.csv')) >= 20, 60_000, run.job);
  const reg = registryOf(runsDir, job.pid)!;
  expect(reg.children.map((c) => c.label).sort()).toEqual(['API server', 'k6']);
  process.kill(run.job.pid, 'SIGTERM');
  const r = await run.job.done;
  expect(r.status, run.job.output()).toBe(EXIT_INTERRUPTED);
  expect(completedSteps(run.dir)).toEqual([2]);
  const model = readCapacityModel(path.join(run.dir, 'capacity.json'));
  expect(model.steps.map((s) => s.users)).toEqual([2]);
  expect(model.interruption).toMatchObject({ signal: 'SIGTERM', cut_step: 'step-3 (3 users)', completed_steps: ['step-2'] });
  expect(model.interruption!.completed.requests).toBe(model.steps[0]!.requests);
  const report = readFileSync(path.join(run.dir, 'report.txt'), 'utf8');
  const top = report.indexOf('INTERRUPTED by SIGTERM');
  expect(top).toBeGreaterThan(0);
  expect(top).toBeLessThan(report.indexOf('Test Configuration:'));
  expect(report).toContain('  Cut step: step-3 (3 users) (left out: it did not run its hold); completed steps: step-2.');
  expect(report).toContain(`  Completed: ${model.steps[0]!.requests.toLocaleString('en-US')} requests in the completed steps`);
  await noneLeft(reg);
}, 150_000);
