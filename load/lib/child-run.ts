// A child process a benchmark waits for (a `loadlab gate`, `loadlab seed`, psql): in a process group
// of its own, guarded (common/child-guard.ts: it never outlives this loadlab, whatever ends it), and
// watched by lib/interrupt.ts, so an interrupt here reaches it as SIGINT (a child loadlab writes its
// own partial report; psql cancels its statement; a plain child ends). Its output is kept (the last
// `keepChars` characters of each stream) and, with `logFile`, appended there as it comes.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { guardChild } from '../../common/child-guard';
import { watchChildRun } from './interrupt';

export interface ChildRunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Names it in the runs' registry and in the cleanup lines of a later run. */
  label: string;
  /** How the exit hook and the watchdog stop it if this process ends first (default SIGTERM). */
  stopSignal?: NodeJS.Signals;
  logFile?: string;
  keepChars?: number;
}

export interface ChildRunResult {
  /** The exit code, or 128 when a signal ended it. */
  status: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runChild(command: string, args: string[], o: ChildRunOptions): Promise<ChildRunResult> {
  const keep = o.keepChars ?? 64 * 2 ** 20;
  return new Promise((resolve, reject) => {
    const log = o.logFile ? createWriteStream(o.logFile, { flags: 'a' }) : undefined;
    log?.write(`$ ${o.label} ${args.join(' ')}\n`);
    const child = spawn(command, args, { cwd: o.cwd, env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    guardChild(child, o.label, o.stopSignal ?? 'SIGTERM');
    watchChildRun(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => {
      stdout = (stdout + d).slice(-keep);
      log?.write(d);
    });
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d).slice(-keep);
      log?.write(d);
    });
    child.once('error', (err) => {
      log?.end();
      reject(err);
    });
    child.once('close', (code, signal) => {
      log?.end(`exit ${code ?? signal}\n`);
      resolve({ status: code ?? 128, signal, stdout, stderr });
    });
  });
}
