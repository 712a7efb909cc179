// Runs the real CLI (node bin/loadlab.mjs) as a child process, as a user would.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 240_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/loadlab.mjs', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
