// The API under test as its own process (never in the harness's event loop): spawned with tsx,
// ready when /health answers 200, stopped with SIGTERM (graceful drain).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../server/db/embedded-postgres';
import { CliError } from './cli-error';
import { PROJECT_ROOT } from './local-env';

export interface ServerProcess {
  baseUrl: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startServerProcess(o: { databaseUrl: string; apiToken: string; logFile: string; env?: Record<string, string> }): Promise<ServerProcess> {
  const port = await freePort();
  const log = createWriteStream(o.logFile);
  // LOADLAB_SERVER_NODE_FLAGS: extra node flags for the API process only (e.g. `--cpu-prof
  // --cpu-prof-dir=reports/prof`; node refuses --cpu-prof in NODE_OPTIONS).
  const nodeFlags = (process.env.LOADLAB_SERVER_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', path.join(PROJECT_ROOT, 'server', 'main.ts')], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      NODE_ENV: process.env.NODE_ENV === 'production' ? 'production' : 'development',
      LOG_LEVEL: 'warn',
      ...o.env,
      DATABASE_URL: o.databaseUrl,
      API_TOKEN: o.apiToken,
      HOST: '127.0.0.1',
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const baseUrl = `http://127.0.0.1:${port}`;
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const early = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 200))]);
    if (early !== undefined) throw new CliError(`the API server exited with code ${early} before it was ready (log: ${o.logFile})`);
    try {
      const res = await fetch(`${baseUrl}/health`);
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new CliError(`the API server did not become healthy within 30 s (log: ${o.logFile})`);
    }
  }
  return {
    baseUrl,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
