// Runs the real CLI (node bin/loadlab.mjs) as a child process, as a user would.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCommand, type Command } from '../../load/lib/command';

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

// The API a run starts sheds load (503) when its event loop looks overloaded; with the test runner's
// other workers on the same cores that happens by chance, and one 503 fails a small gate. Shedding is
// tested on purpose only (test/integration/load-protection.test.ts), as in test/support/app.ts.
export const NO_SHEDDING = { SHED_MAX_EVENT_LOOP_DELAY_MS: '0', SHED_MAX_EVENT_LOOP_UTILIZATION: '0' };

export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 240_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/loadlab.mjs', ...args], { env: { ...process.env, ...NO_SHEDDING, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, stdout, stderr });
    });
  });
}

export function tempReportsDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'loadlab-reports-'));
}

/** The single report folder a run wrote into `reportsDir` (asserts there is exactly one new one). */
export function onlyReportDir(reportsDir: string, kind: string): string {
  const dirs = readdirSync(reportsDir).filter((d) => d.endsWith(`-${kind}`));
  if (dirs.length !== 1) throw new Error(`expected one ${kind} report in ${reportsDir}, found ${dirs.join(', ') || 'none'}`);
  return path.join(reportsDir, dirs[0]!);
}

/**
 * One command of the CLI (through load/cli.ts runCommand, as main runs it) inside the test process:
 * no tsx start-up and no loading of every other command per call. stdout/stderr are what the command printed with console.log/console.error.
 */
export async function runCommandInProcess(name: string, command: Command, args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  const env = { ...NO_SHEDDING, ...extraEnv };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    const status = await runCommand(name, command, args);
    return { status, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
