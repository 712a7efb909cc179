// The API under test as its own process (never in the harness's event loop): spawned with tsx,
// ready when /health answers 200 (and, with workers > 1, when the cluster primary said every worker
// listens), stopped with SIGTERM (graceful drain; the primary stops its workers). It runs in a process group
// of its own (a terminal's Ctrl-C reaches loadlab, which stops the server after the report) and is
// guarded (common/child-guard.ts); it also watches its parent itself (LOADLAB_PARENT_PID, in
// server/main.ts). How and when it exited is kept for the report (a server that dies mid-run).
// The server logs at warn level (info would log every request), so server.log also gets the
// harness's own lines, prefixed `loadlab:`: when it started (pid, port) and how it ended: the tail
// of a dead server's log then says what happened even when the server itself said nothing.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { guardChild } from '../../common/child-guard';
import { freePort } from '../../server/db/embedded-postgres';
import { CLUSTER_READY } from '../../server/cluster';
import { CliError } from './cli-error';
import { PROJECT_ROOT } from './local-env';

export interface ServerExit {
  /** epoch ms when the harness saw it exit */
  atMs: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  baseUrl: string;
  pid: number;
  logFile: string;
  /** Set once the process has exited (before stop() was asked, it died). */
  exited(): ServerExit | undefined;
  /** Resolves once the server has exited and server.log holds everything it wrote, and the exit line. */
  logClosed: Promise<void>;
  stop(): Promise<void>;
}

export async function startServerProcess(o: { databaseUrl: string; apiToken: string; logFile: string; env?: Record<string, string>; workers?: number }): Promise<ServerProcess> {
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
      LOADLAB_PARENT_PID: String(process.pid),
      WORKERS: String(o.workers ?? 1),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  guardChild(child, 'API server', 'SIGTERM', `port ${port}`);
  let clusterReady = (o.workers ?? 1) <= 1;
  child.stdout!.on('data', (d: Buffer) => {
    if (!clusterReady && d.toString().includes(CLUSTER_READY)) clusterReady = true;
  });
  // Both streams feed one log, which is ended (after the exit line) once the process has closed them.
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const baseUrl = `http://127.0.0.1:${port}`;
  const startedMs = Date.now();
  let stopAsked = false;
  const harnessLine = (line: string) => log.write(`loadlab: ${new Date().toISOString()} API server pid ${child.pid} ${line}\n`);
  harnessLine(`started: node server/main.ts, ${baseUrl}, ${o.workers ?? 1} process${(o.workers ?? 1) > 1 ? 'es' : ''}, LOG_LEVEL=${o.env?.LOG_LEVEL ?? 'warn'}`);
  let exit: ServerExit | undefined;
  const exited = new Promise<number>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { atMs: Date.now(), code, signal };
      resolve(code ?? 1);
    }),
  );
  const logClosed = new Promise<void>((resolve) =>
    child.once('close', (code, signal) => {
      const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
      harnessLine(`${how} after ${((Date.now() - startedMs) / 1000).toFixed(1)} s${stopAsked ? ' (stopped by loadlab)' : ''}`);
      log.end(() => resolve());
    }),
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    const early = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 200))]);
    if (early !== undefined) throw new CliError(`the API server exited with code ${early} before it was ready (log: ${o.logFile})`);
    try {
      const res = await fetch(`${baseUrl}/health`);
      if (res.status === 200 && clusterReady) {
        harnessLine(`ready: GET /health answered 200 after ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
        break;
      }
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
    logFile: o.logFile,
    exited: () => exit,
    logClosed,
    async stop() {
      if (child.exitCode !== null) return;
      stopAsked = true;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
