// What route plugins receive: the database handles, the validated config, the read-through cache
// and the metrics registry.
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Config } from './config';
import type { Database } from './db/schema';
import type { ServerMetrics } from './observability/metrics';
import type { ReadCache } from './plugins/read-cache';

export interface AppContext {
  config: Config;
  db: Kysely<Database>;
  pool: pg.Pool;
  cache: ReadCache;
  metrics: ServerMetrics;
}
