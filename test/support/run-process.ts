// The real CLI as a terminal job: its own process group (so a test can send SIGINT to the whole
// group, as Ctrl-C does, or a signal to loadlab alone), its output collected, and what it guards
// (common/child-guard.ts registry: watchdog, k6, API server, PostgreSQL) readable by pid. Waiting
// helpers poll for states; nothing here sleeps for a fixed time. Shared by the interrupt, fault and
// stray tests (test/e2e/interrupts.test.ts, test/e2e/strays.test.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { sameProcess, type GuardedEntry } from '../../common/child-guard';
import { readSummary } from '../../load/report/summary';
import { NO_SHEDDING, tempReportsDir, type CliResult } from './cli';

export interface CliJob {
  child: ChildProcess;
  pid: number;
  /** Resolves when the process has exited (status = exit code, or 128 + signal number). */
  done: Promise<CliResult & { signal: NodeJS.Signals | null }>;
  output(): string;
}

/** `nodeArgs` go before the CLI (e.g. `--import` of a test fixture); NO_SHEDDING as in runCli. */
export function startCliJob(args: string[], env: Record<string, string>, nodeArgs: string[] = []): CliJob {
  const child = spawn(process.execPath, [...nodeArgs, 'bin/loadlab.mjs', ...args], { env: { ...process.env, ...NO_SHEDDING, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ status: code ?? -1, signal, stdout, stderr }));
  });
  return { child, pid: child.pid!, done, output: () => `${stdout}\n${stderr}` };
}

/** Polls `check` every 50 ms until it returns a value other than undefined/false; fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000, job?: CliJob): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${job ? `\n--- output ---\n${job.output()}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function tempRunsDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'loadlab-runs-'));
}

export interface Registry {
  owner: { pid: number; start: string };
  watchdog?: { pid: number; start: string };
  children: GuardedEntry[];
}

/** The registry file of loadlab process `pid` (undefined until it guards a child). */
export function registryOf(runsDir: string, pid: number): Registry | undefined {
  const file = path.join(runsDir, `${pid}.json`);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Registry;
  } catch {
    return undefined; // being replaced
  }
}

/** Lines in a file so far (0 when it does not exist yet). */
export function lineCount(file: string): number {
  if (!existsSync(file)) return 0;
  const s = readFileSync(file, 'utf8');
  return s ? s.split('\n').length - 1 : 0;
}

/**
 * k6 is under way with something to verify: `lines` lines of samples on disk, one of them an
 * acknowledged write (expectPartialReport asks for at least one; 100 lines are ~10 requests, which
 * a read-mostly mix can finish without a write).
 */
export function samplesWithAckedWrite(file: string, lines: number): boolean {
  return lineCount(file) >= lines && readFileSync(file, 'utf8').includes('\nwrites_acked,');
}

/** The report folder a run created in `reportsDir` (undefined until it exists). */
export function reportDirIn(reportsDir: string, kind: string): string | undefined {
  const d = readdirSync(reportsDir).find((n) => n.endsWith(`-${kind}`));
  return d ? path.join(reportsDir, d) : undefined;
}

/** The processes of `entries` still running (same pid and start time as recorded). */
export function stillRunning(entries: { pid: number; start: string; label?: string }[]): string[] {
  return entries.filter((e) => sameProcess(e.pid, e.start)).map((e) => `${e.label ?? 'process'} ${e.pid}`);
}

export const EXIT_INTERRUPTED = 3;
// Long enough to be cut (4 users x 400 operations at 20 ms think is ~10 s), write-heavy so writes are acknowledged.
export const LONG_LOAD = ['load', '--users', '4', '--ops', '400', '--think-time', '20', '--ramp-up', '0', '--pattern', 'write_heavy', '--duration', '90s'];
export const REQUESTED = 4 * 400;
// No report.png (headless Chromium) in these runs: what they test is in the text, JSON and JUnit.
export const QUIET = { CHROMIUM_BIN: '' };

export interface Started {
  job: CliJob;
  dir: string;
  reg: Registry;
  runsDir: string;
  reportsDir: string;
}

/** Starts a long run and returns once k6 has written `lines` lines of samples with an acknowledged write among them (k6 is running). */
export async function startRun(env: Record<string, string>, args = LONG_LOAD, kind = 'load', lines = 100, nodeArgs: string[] = []): Promise<Started> {
  const runsDir = tempRunsDir();
  const reportsDir = tempReportsDir();
  const job = startCliJob(args, { ...QUIET, LOADLAB_REPORTS_DIR: reportsDir, LOADLAB_RUNS_DIR: runsDir, ...env }, nodeArgs);
  const dir = await waitFor(`the ${kind} report folder`, () => reportDirIn(reportsDir, kind), 60_000, job);
  await waitFor(`${lines} lines of k6 samples and an acknowledged write`, () => samplesWithAckedWrite(path.join(dir, 'k6-samples.csv'), lines), 90_000, job);
  const reg = await waitFor('the run registry naming k6', () => {
    const r = registryOf(runsDir, job.pid);
    return r?.children.some((c) => c.label === 'k6') ? r : undefined;
  }, 10_000, job);
  return { job, dir, reg, runsDir, reportsDir };
}

/** Every process the run guarded, the watchdog included. */
export function processesOf(reg: Registry) {
  return [...(reg.watchdog ? [{ ...reg.watchdog, label: 'watchdog' }] : []), ...reg.children];
}

export async function noneLeft(reg: Registry, timeoutMs = 15_000): Promise<void> {
  await waitFor('every process the run started to be gone', () => stillRunning(processesOf(reg)).length === 0, timeoutMs).catch(() => {
    throw new Error(`still running: ${stillRunning(processesOf(reg)).join(', ')}`);
  });
}

/**
 * The partial report of a run cut by `signal`: INTERRUPTED at the top of report.txt, report.html
 * and JUnit, requested vs completed in summary.json, every acknowledged write verified. `requested`
 * is what the run asked for: a number of requests (load, gate) or, when that is open, its seconds (level).
 */
export function expectPartialReport(dir: string, signal: string, requested: { requests: number } | { seconds: number } = { requests: REQUESTED }) {
  const summary = readSummary(path.join(dir, 'summary.json'));
  expect(summary.interrupted).toBe(true);
  const asked = 'requests' in requested ? { requests: requested.requests } : { requests: null, seconds: requested.seconds };
  expect(summary.interruption).toMatchObject({ signal, k6_stopped: 'gracefully', requested: asked });
  const done = summary.interruption!.completed.requests;
  expect(done).toBeGreaterThan(0);
  if ('requests' in requested) expect(done).toBeLessThan(requested.requests);
  else expect(summary.interruption!.completed.seconds).toBeLessThan(requested.seconds);
  expect(summary.totals.requests).toBe(done);
  expect(summary.assessment.passed).toBe(false);
  // Every write the API acknowledged before the cut is in the database.
  expect(summary.data_safety.acknowledged).toBeGreaterThan(0);
  expect(summary.data_safety).toMatchObject({ verified: summary.data_safety.acknowledged, lost: 0 });
  const report = readFileSync(path.join(dir, 'report.txt'), 'utf8');
  expect(report).not.toContain('INCOMPLETE'); // k6's exit code 105 after our own SIGINT is expected
  expect(report.indexOf(`INTERRUPTED by ${signal}`)).toBeGreaterThan(0);
  expect(report.indexOf(`INTERRUPTED by ${signal}`)).toBeLessThan(report.indexOf('Test Configuration:'));
  if ('requests' in requested) expect(report).toContain(`Completed: ${done.toLocaleString('en-US')} of ${requested.requests.toLocaleString('en-US')} requests`);
  else expect(report).toContain(`Completed: ${done.toLocaleString('en-US')} requests, ${summary.interruption!.completed.seconds.toFixed(1)} of ${requested.seconds} s planned`);
  expect(report).toMatch(/Data Safety:[\s\S]*lost 0/);
  expect(readFileSync(path.join(dir, 'report.html'), 'utf8')).toContain(`<p id="interrupted" class="fail">INTERRUPTED by ${signal}`);
  expect(readFileSync(path.join(dir, 'junit.xml'), 'utf8')).toMatch(new RegExp(`name="run completed"><failure type="interrupted" message="INTERRUPTED by ${signal}`));
  return summary;
}
