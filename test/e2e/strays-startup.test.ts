// Never lose a run (issue 13): the two children the other stray tests do not reach. loadlab
// SIGKILLed while its embedded PostgreSQL is still starting up (the postmaster is guarded from the
// moment it exists, not once it is ready; a preload, test/fixtures/stop-postgres-on-spawn.mjs,
// holds it still from its spawn), and while headless Chromium renders report.png (the browser's
// whole process group is guarded; held still once seen, so only the watchdog can end it); and an
// uncaught error in loadlab mid-run (its exit hook stops the children). Each waits for its state,
// verified, never for a time.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sameProcess, startTimeOf } from '../../common/child-guard';
import { placedDataDir } from '../../server/db/embedded-postgres-home';
import { tempReportsDir } from '../support/cli';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { LONG_LOAD, noneLeft, QUIET, registryOf, startCliJob, startRun, stillRunning, tempRunsDir, waitFor } from '../support/run-process';

const pgDir = path.resolve('.data', `pg-strays-startup-${process.pid}`);
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
});
afterAll(async () => {
  await database?.drop();
  rmSync(placedDataDir(pgDir), { recursive: true, force: true });
});

/** The processes of process group `pgid` (field 5 of /proc/<pid>/stat), with their start times. */
function groupOf(pgid: number): { pid: number; start: string; label: string }[] {
  const out: { pid: number; start: string; label: string }[] = [];
  for (const n of readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const stat = readFileSync(`/proc/${n}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pgid) out.push({ pid: Number(n), start: f[19]!, label: 'chromium group member' });
    } catch {
      /* gone */
    }
  }
  return out;
}

/** The state letter of a process (field 3 of /proc/<pid>/stat: R, S, T = stopped, …), or undefined when it is gone. */
function stateOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

it('SIGKILL to loadlab while its embedded PostgreSQL starts up: the watchdog stops the postmaster', async () => {
  const runsDir = tempRunsDir();
  // The preload holds the postmaster still (SIGSTOP) as soon as it is spawned, so the state is sure:
  // started, not yet ready, whatever the machine's speed.
  const job = startCliJob(
    ['load', '--users', '1', '--ops', '1'],
    { ...QUIET, LOADLAB_PG_DIR: pgDir, LOADLAB_REPORTS_DIR: tempReportsDir(), LOADLAB_RUNS_DIR: runsDir, LOADLAB_TEST_STOP_POSTGRES: '1' },
    ['--import', './test/fixtures/stop-postgres-on-spawn.mjs'],
  );
  // initdb first (a fresh data folder), then the postmaster: in the registry as soon as it is spawned.
  const reg = await waitFor('the postmaster in the registry', () => {
    const r = registryOf(runsDir, job.pid);
    return r?.children.some((c) => c.label === 'embedded PostgreSQL') ? r : undefined;
  }, 90_000, job);
  const postmaster = reg.children.find((c) => c.label === 'embedded PostgreSQL')!;
  try {
    await waitFor('the postmaster held still by the preload', () => stateOf(postmaster.pid) === 'T', 5_000, job);
    // postmaster.pid absent or "starting": never "ready".
    const dataDir = /data (\S+),/.exec(postmaster.note ?? '')![1]!;
    let status = 'absent';
    try {
      status = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[7]?.trim() || 'absent';
    } catch {
      /* not written yet */
    }
    expect(['absent', 'starting']).toContain(status);
    expect(reg.children.map((c) => c.label)).toEqual(['embedded PostgreSQL']); // no API server yet
  } finally {
    process.kill(job.pid, 'SIGKILL');
    await job.done;
    process.kill(postmaster.pid, 'SIGCONT'); // the watchdog's SIGINT is acted on once it runs again
  }
  await noneLeft(reg);
}, 120_000);

it('SIGKILL to loadlab while headless Chromium renders report.png: the browser\'s process group is stopped', async () => {
  const runsDir = tempRunsDir();
  // This run renders report.png (the other stray tests leave Chromium out: QUIET).
  const job = startCliJob(['load', '--users', '2', '--ops', '5', '--think-time', '10', '--ramp-up', '0'], {
    CHROMIUM_BIN: '/usr/bin/chromium',
    DATABASE_URL: database.url,
    LOADLAB_REPORTS_DIR: tempReportsDir(),
    LOADLAB_RUNS_DIR: runsDir,
  });
  const reg = await waitFor('headless Chromium in the registry', () => {
    const r = registryOf(runsDir, job.pid);
    return r?.children.some((c) => c.label === 'headless Chromium') ? r : undefined;
  }, 90_000, job);
  const browser = reg.children.find((c) => c.label === 'headless Chromium')!;
  let group: ReturnType<typeof groupOf>;
  try {
    // Its group held still at once: a small page renders in about a second, and a browser that
    // finished (and left) before the checks and the kill would prove nothing about the watchdog,
    // which SIGKILLs the group (stopped or not).
    process.kill(-browser.pid, 'SIGSTOP');
    expect(browser.group).toBe(true);
    group = groupOf(browser.pid);
    expect(group.length).toBeGreaterThan(0);
    expect(startTimeOf(browser.pid)).toBe(browser.start);
  } finally {
    process.kill(job.pid, 'SIGKILL');
  }
  await job.done;
  await noneLeft(reg);
  await waitFor('every process of the browser\'s group to be gone', () => stillRunning(group).length === 0, 15_000).catch(() => {
    throw new Error(`still running: ${stillRunning(group).join(', ')}`);
  });
  expect(sameProcess(browser.pid, browser.start)).toBe(false);
}, 120_000);

it('an uncaught error in loadlab mid-run: the exit hook stops k6 and the API server, exit 1 with the error', async () => {
  const trigger = path.join(tempRunsDir(), 'throw-now');
  const run = await startRun({ DATABASE_URL: database.url, LOADLAB_TEST_THROW_FILE: trigger }, LONG_LOAD, 'load', 100, ['--import', './test/fixtures/throw-on-file.mjs']);
  expect(run.reg.children.map((c) => c.label).sort()).toEqual(['API server', 'k6']);
  writeFileSync(trigger, '');
  const r = await run.job.done;
  expect(r.status, run.job.output()).toBe(1);
  expect(r.stderr).toContain(`Error: injected uncaught error (${trigger} exists)`);
  await noneLeft(run.reg);
}, 120_000);
