// The database a command works on: DATABASE_URL when set, otherwise the embedded PostgreSQL
// under .data/pg (as root: its place under LOADLAB_PG_HOME), started for the command and stopped
// when it is done.
import path from 'node:path';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { createDatabase } from '../../server/db/database';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../server/db/embedded-postgres';
import { migrateToLatest } from '../../server/db/migrate';
import type { Database } from '../../server/db/schema';
import { CliError } from './cli-error';
import { PROJECT_ROOT } from './local-env';

export interface DatabaseTarget {
  url: string;
  embedded: boolean;
  /** the embedded cluster itself (absent with DATABASE_URL): what a replica is made from */
  handle?: EmbeddedPostgresHandle;
}

/** The embedded cluster's data folder as asked for (LOADLAB_PG_DIR or .data/pg; as root it is placed under LOADLAB_PG_HOME). */
export function embeddedDataDir(): string {
  return process.env.LOADLAB_PG_DIR ?? path.join(PROJECT_ROOT, '.data', 'pg');
}

export async function usingDatabaseTarget<T>(cb: (target: DatabaseTarget) => Promise<T>, log: (m: string) => void = () => {}): Promise<T> {
  const url = process.env.DATABASE_URL;
  if (url) return cb({ url, embedded: false });
  const pg = await startEmbeddedPostgres({ dataDir: embeddedDataDir() });
  const shown = pg.dataDir.startsWith(PROJECT_ROOT + path.sep) ? path.relative(PROJECT_ROOT, pg.dataDir) : pg.dataDir;
  for (const line of pg.cleaned) console.error(line);
  log(`embedded PostgreSQL on 127.0.0.1:${pg.port} (data ${shown})`);
  // embedded-postgres also stops its clusters on process exit (SIGINT included).
  try {
    return await cb({ url: pg.url, embedded: true, handle: pg });
  } finally {
    await pg.stop();
  }
}

/** A Kysely handle on the target, migrated to the latest schema, destroyed afterwards. */
export async function usingMigratedDb<T>(url: string, cb: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const { db } = createDatabase(url, { max: 10, applicationName: 'loadlab-cli' });
  try {
    await migrateToLatest(db);
    return await cb(db);
  } finally {
    await db.destroy();
  }
}

/** Reachability check with a one-line reason, for "unreachable database" errors. */
export function describeConnectionError(url: string, err: unknown): string {
  const u = new URL(url);
  const e = err as { code?: string; message?: string };
  return `cannot reach PostgreSQL at ${u.hostname}:${u.port || 5432}/${u.pathname.slice(1)}: ${e.code ?? ''} ${e.message ?? String(err)}`.replace(/\s+/g, ' ').trim();
}

/**
 * A new, empty database on the server behind `url` (loadlab_run_<time>_<pid>), dropped when the
 * callback is done: a run that must start from known data gets its own.
 */
export async function usingFreshDatabase<T>(url: string, cb: (url: string, name: string) => Promise<T>): Promise<T> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const name = `loadlab_run_${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}_${process.pid}`;
  const client = new pg.Client({ connectionString: admin.toString() });
  try {
    await client.connect();
    await client.query(`create database ${client.escapeIdentifier(name)}`);
  } catch (err) {
    await client.end().catch(() => {});
    throw new CliError(`cannot create a fresh database on ${admin.hostname}:${admin.port || 5432}: ${(err as Error).message}`);
  }
  const fresh = new URL(url);
  fresh.pathname = `/${name}`;
  try {
    return await cb(fresh.toString(), name);
  } finally {
    await client.query(`drop database if exists ${client.escapeIdentifier(name)} with (force)`).catch(() => {});
    await client.end().catch(() => {});
  }
}
