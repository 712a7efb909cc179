// What route plugins receive: the database handles and the validated config.
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Config } from './config';
import type { Database } from './db/schema';

export interface AppContext {
  config: Config;
  db: Kysely<Database>;
  pool: pg.Pool;
}
