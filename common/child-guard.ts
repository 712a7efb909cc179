// No child outlives loadlab. The processes loadlab starts (embedded PostgreSQL, the API server, k6)
// run in process groups of their own, so a terminal's Ctrl-C reaches loadlab alone and loadlab
// decides how each one stops (k6 first, gracefully; the report; then server and database). So that
// none of them outlives loadlab, each is guarded here:
//  - on a normal exit, an uncaught error or process.exit(), the 'exit' hook signals every guarded
//    child that is still running (synchronously: kill() needs no event loop);
//  - against SIGKILL (no hook runs), a small watchdog process (common/watchdog.mjs, own process
//    group) holds the read end of a pipe from loadlab: EOF on it, or loadlab's pid gone, means
//    loadlab is gone, and it stops every child still registered with it, then exits;
//  - if the watchdog was killed too, the registry file (.data/runs/<pid>.json: loadlab's pid, the
//    watchdog's, each child's pid and /proc start time) lets the next run find what was left and
//    stop it: cleanStrays(), which says what it cleaned.
// A pid is only ever signalled while its /proc start time is the one recorded, never a reused pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface GuardedEntry {
  pid: number;
  /** /proc/<pid>/stat start time (clock ticks since boot): tells the process from a reused pid. */
  start: string;
  label: string;
  /** How it is asked to stop (SIGINT for k6 and PostgreSQL: graceful / fast shutdown; SIGTERM for the API). */
  signal: NodeJS.Signals;
  /** What else to say about it when it is cleaned up (e.g. the port it listened on). */
  note?: string;
  /** Signal the whole process group it leads (headless Chromium: its renderers and zygotes too). */
  group?: boolean;
}

interface RegistryFile {
  owner: { pid: number; start: string; command: string };
  watchdog?: { pid: number; start: string };
  children: GuardedEntry[];
}

export const RUNS_DIR = process.env.LOADLAB_RUNS_DIR ?? path.resolve(import.meta.dirname, '..', '.data', 'runs');
const WATCHDOG = path.join(import.meta.dirname, 'watchdog.mjs');

/** Field 22 of /proc/<pid>/stat (start time), or undefined when the process does not exist or has exited. */
export function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // State Z or X: it has exited and only waits to be reaped (by init, when its parent was killed
    // too, which can take seconds): it runs no more, so it is not there to stop or to wait for.
    return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

/** True when `pid` runs and is the process that was recorded with `start`. */
export function sameProcess(pid: number, start: string): boolean {
  return startTimeOf(pid) === start;
}

const children = new Map<number, GuardedEntry>();
let watchdog: ChildProcess | undefined;
let registryFile: string | undefined;
let hooked = false;

function writeRegistry(): void {
  if (!registryFile) return;
  const body: RegistryFile = {
    owner: { pid: process.pid, start: startTimeOf(process.pid) ?? '', command: process.argv.slice(1).join(' ') },
    watchdog: watchdog?.pid ? { pid: watchdog.pid, start: startTimeOf(watchdog.pid) ?? '' } : undefined,
    children: [...children.values()],
  };
  try {
    const tmp = `${registryFile}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(body)}\n`);
    renameSync(tmp, registryFile);
  } catch {
    /* a registry that cannot be written only loses the next run's cleanup, never this run */
  }
}

function send(line: string): void {
  try {
    watchdog?.stdin?.write(`${line}\n`);
  } catch {
    /* the watchdog is gone: the exit hook and the registry still cover the children */
  }
}

function ensureWatchdog(): void {
  if (watchdog || process.env.LOADLAB_NO_WATCHDOG === '1') return;
  try {
    mkdirSync(RUNS_DIR, { recursive: true });
    registryFile = path.join(RUNS_DIR, `${process.pid}.json`);
  } catch {
    registryFile = undefined;
  }
  // Its own process group (detached): a Ctrl-C to loadlab's group must not reach it. stdin is the
  // pipe whose EOF means "loadlab is gone"; libuv opens it close-on-exec, so no other child holds it.
  watchdog = spawn(process.execPath, [WATCHDOG, String(process.pid), registryFile ?? ''], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  watchdog.on('error', () => {
    watchdog = undefined;
  });
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void }).unref?.();
  watchdog.stdin?.on('error', () => {});
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    let signalled = 0;
    for (const c of children.values()) {
      if (!sameProcess(c.pid, c.start)) continue;
      try {
        process.kill(c.group ? -c.pid : c.pid, c.signal);
        signalled++;
      } catch {
        /* gone already */
      }
    }
    // Everything was asked to stop; the watchdog sees the pipe close and finishes the job (and
    // removes the registry file). With nothing left running there is nothing to record.
    if (!signalled && registryFile) rmSync(registryFile, { force: true });
  });
}

/**
 * Guard a child that was spawned with `detached: true`: it is stopped with `signal` if loadlab ends
 * (however) while it still runs. Returns the function that forgets it (call it once it has exited).
 */
export function guardChild(child: ChildProcess | number, label: string, signal: NodeJS.Signals, note?: string, opts: { group?: boolean } = {}): () => void {
  const pid = typeof child === 'number' ? child : child.pid;
  if (!pid) return () => {};
  const start = startTimeOf(pid);
  if (!start) return () => {};
  hookExit();
  ensureWatchdog();
  const entry: GuardedEntry = { pid, start, label, signal, note, ...(opts.group ? { group: true } : {}) };
  children.set(pid, entry);
  send(`add ${pid} ${start} ${signal} ${encodeURIComponent(label)}${opts.group ? ' group' : ''}`);
  writeRegistry();
  const forget = () => {
    if (children.get(pid) !== entry) return;
    children.delete(pid);
    send(`del ${pid}`);
    writeRegistry();
  };
  if (typeof child !== 'number') child.once('exit', forget);
  return forget;
}

/** The children guarded right now (for tests and the report). */
export function guardedChildren(): GuardedEntry[] {
  return [...children.values()];
}

/**
 * Signal `pid` (if it is still the recorded process) and wait up to `graceMs` for it to go; then
 * SIGKILL. With `group`, the whole process group it leads is signalled.
 */
export async function stopProcess(pid: number, start: string, signal: NodeJS.Signals, graceMs = 10_000, group = false): Promise<'stopped' | 'killed' | 'gone'> {
  if (!sameProcess(pid, start)) return 'gone';
  const target = group ? -pid : pid;
  try {
    process.kill(target, signal);
    process.kill(target, 'SIGCONT'); // a stopped (SIGSTOP) process acts on the signal only once continued
  } catch {
    return 'gone';
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!sameProcess(pid, start)) return 'stopped';
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    process.kill(target, 'SIGKILL');
  } catch {
    return 'stopped';
  }
  while (sameProcess(pid, start) && Date.now() < deadline + 5_000) await new Promise((r) => setTimeout(r, 50));
  return 'killed';
}

/** The pid of a live loadlab process (other than this one) that guards `pid`, if any. */
export function liveOwnerOf(pid: number, dir = RUNS_DIR): number | undefined {
  if (!existsSync(dir)) return undefined;
  for (const name of readdirSync(dir)) {
    if (!/^\d+\.json$/.test(name)) continue;
    try {
      const reg = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as RegistryFile;
      if (reg.owner.pid !== process.pid && sameProcess(reg.owner.pid, reg.owner.start) && reg.children.some((c) => c.pid === pid)) return reg.owner.pid;
    } catch {
      /* unreadable: not an owner we can name */
    }
  }
  return undefined;
}

/**
 * What earlier loadlab processes left behind: for every registry file whose owner is gone (and
 * whose watchdog, if any, is gone too or did not finish), stop each child that still runs. Returns
 * one line per thing cleaned.
 */
export async function cleanStrays(dir = RUNS_DIR): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const lines: string[] = [];
  for (const name of readdirSync(dir)) {
    if (!/^\d+\.json$/.test(name)) continue;
    const file = path.join(dir, name);
    let reg: RegistryFile;
    try {
      reg = JSON.parse(readFileSync(file, 'utf8')) as RegistryFile;
    } catch {
      rmSync(file, { force: true });
      continue;
    }
    if (reg.owner.pid === process.pid || sameProcess(reg.owner.pid, reg.owner.start)) continue;
    // A watchdog still at work is left to finish; one that is gone left the rest to us.
    if (reg.watchdog && sameProcess(reg.watchdog.pid, reg.watchdog.start)) continue;
    for (const c of reg.children) {
      const how = await stopProcess(c.pid, c.start, c.signal, 10_000, c.group);
      if (how === 'gone') continue;
      lines.push(`cleaned up after an earlier loadlab (pid ${reg.owner.pid}, gone): ${how === 'killed' ? 'killed' : 'stopped'} ${c.label} pid ${c.pid}${c.note ? ` (${c.note})` : ''}`);
    }
    rmSync(file, { force: true });
  }
  return lines;
}
