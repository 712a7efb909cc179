// Finding and running the real k6: $K6_BIN, else `k6` on PATH when >= 1.0, else the pinned build
// in .tools/bin (made by `make setup` / scripts/install-k6). k6 runs in a process group of its own,
// guarded (common/child-guard.ts), and is stopped by the run's interrupt handling (interrupt.ts).
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import path from 'node:path';
import { guardChild } from '../../common/child-guard';
import { CliError } from './cli-error';
import { watchK6 } from './interrupt';
import { PROJECT_ROOT } from './local-env';

export interface K6Binary {
  path: string;
  version: string;
}

function versionOf(bin: string): string | undefined {
  const r = spawnSync(bin, ['version'], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) return undefined;
  return /k6 (v\d+\.\d+\.\d+\S*)/.exec(r.stdout)?.[1];
}

export function majorOf(version: string): number {
  return Number(/^v(\d+)/.exec(version)?.[1] ?? 0);
}

export function resolveK6(env: NodeJS.ProcessEnv = process.env): K6Binary {
  const candidates: string[] = [];
  if (env.K6_BIN) {
    const v = versionOf(env.K6_BIN);
    if (!v) throw new CliError(`K6_BIN=${env.K6_BIN} is not a working k6 binary`);
    return { path: env.K6_BIN, version: v };
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter)) if (dir) candidates.push(path.join(dir, 'k6'));
  for (const c of candidates) {
    if (!existsSync(c)) continue;
    const v = versionOf(c);
    if (v && majorOf(v) >= 1) return { path: c, version: v };
  }
  const local = path.join(PROJECT_ROOT, '.tools', 'bin', 'k6');
  if (existsSync(local)) {
    const v = versionOf(local);
    if (v) return { path: local, version: v };
  }
  throw new CliError('k6 not found: run `make setup` (builds the pinned k6 with Go), install k6 >= 1.0 on PATH, or set K6_BIN');
}

export interface K6RunOptions {
  k6: K6Binary;
  script: string;
  env: Record<string, string>;
  /** Raw samples, one CSV row per metric sample (millisecond timestamps). */
  csvOut?: string;
  /** k6's stdout+stderr go here. */
  logFile: string;
  extraArgs?: string[];
  /** Called with k6's pid once it has started (for memory/CPU sampling). */
  onStart?: (pid: number) => void;
}

export async function runK6(o: K6RunOptions): Promise<{ exitCode: number; signal: NodeJS.Signals | null; seconds: number }> {
  const args = ['run', '--quiet', '--no-color', '--address', '', '--system-tags', 'status,method,name,scenario,expected_response,error_code'];
  if (o.csvOut) args.push('--out', `csv=${o.csvOut}`);
  args.push(...(o.extraArgs ?? []), o.script);
  const log = createWriteStream(o.logFile);
  const t0 = performance.now();
  const child = spawn(o.k6.path, args, {
    // K6_GOGC (default 400) becomes k6's GOGC: with Go's default of 100 its collector ran in
    // bursts of ~1.1 cores for 3-4 s every ~20 s at 4,000 VUs and saturated this 2-core machine
    // (p95 289 ms vs 20 ms measured with 400, for 0.94 instead of 0.57 MB per VU).
    env: { ...process.env, GOGC: process.env.K6_GOGC ?? '400', ...o.env, K6_CSV_TIME_FORMAT: 'unix_milli', K6_NO_USAGE_REPORT: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  guardChild(child, 'k6', 'SIGINT');
  watchK6(child);
  if (child.pid) o.onStart?.(child.pid);
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const { exitCode, signal } = await new Promise<{ exitCode: number; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, sig) => resolve({ exitCode: code ?? (sig ? 128 : 1), signal: sig }));
  });
  await new Promise<void>((r) => log.end(r));
  return { exitCode, signal, seconds: (performance.now() - t0) / 1000 };
}

/** k6 exit codes that still produced results (99 = thresholds crossed). */
export const K6_THRESHOLDS_FAILED = 99;
