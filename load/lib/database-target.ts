// The database a command works on: DATABASE_URL when set, otherwise the embedded PostgreSQL
// under .data/pg, started for the command and stopped when it is done.
import path from 'node:path';
import type { Kysely } from 'kysely';
import { createDatabase } from '../../server/db/database';
import { startEmbeddedPostgres } from '../../server/db/embedded-postgres';
import { migrateToLatest } from '../../server/db/migrate';
import type { Database } from '../../server/db/schema';
import { PROJECT_ROOT } from './local-env';

export interface DatabaseTarget {
  url: string;
  embedded: boolean;
}

export async function usingDatabaseTarget<T>(cb: (target: DatabaseTarget) => Promise<T>, log: (m: string) => void = () => {}): Promise<T> {
  const url = process.env.DATABASE_URL;
  if (url) return cb({ url, embedded: false });
  const dataDir = process.env.LOADLAB_PG_DIR ?? path.join(PROJECT_ROOT, '.data', 'pg');
  const pg = await startEmbeddedPostgres({ dataDir });
  log(`embedded PostgreSQL on 127.0.0.1:${pg.port} (data ${path.relative(PROJECT_ROOT, dataDir) || dataDir})`);
  // embedded-postgres also stops its clusters on process exit (SIGINT included).
  try {
    return await cb({ url: pg.url, embedded: true });
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
