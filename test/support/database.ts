// Each test file gets its own fresh database on the run's PostgreSQL, migrated with the same
// Migrator as production, and dropped afterwards.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { inject } from 'vitest';
import { createDatabase } from '../../server/db/database';
import { migrateToLatest } from '../../server/db/migrate';
import type { Database } from '../../server/db/schema';

export interface TestDatabase {
  url: string;
  name: string;
  db: Kysely<Database>;
  pool: pg.Pool;
  drop(): Promise<void>;
}

export function adminUrl(): string {
  return inject('adminDatabaseUrl');
}

export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `loadlab_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  const url = withDatabaseName(adminUrl(), name);
  const { db, pool } = createDatabase(url, { max: 20 });
  if (opts.migrate !== false) await migrateToLatest(db);
  return {
    url,
    name,
    db,
    pool,
    async drop() {
      await db.destroy();
      await admin((c) => c.query(`drop database if exists ${name} with (force)`));
    },
  };
}
