// What route plugins receive: the database handles, the validated config, the read-through cache
// the metrics registry, and which process this is (and its cluster peers, if any).
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Peer, ProcessInfo } from './cluster-peer';
import type { Config } from './config';
import type { ReadRouter } from './db/read-replica';
import type { Database } from './db/schema';
import type { ServerMetrics } from './observability/metrics';
import type { ReadCache } from './plugins/read-cache';

export interface AppContext {
  config: Config;
  db: Kysely<Database>;
  pool: pg.Pool;
  cache: ReadCache;
  metrics: ServerMetrics;
  /** The process that answers (for /health). */
  process: ProcessInfo;
  /** DATABASE_READ_URL's replica and which reads it may answer (absent without one). */
  readRouter?: ReadRouter;
  /** The other cluster workers, when this process is one of several. */
  peer?: Peer;
}
