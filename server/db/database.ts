// The Kysely factory: one pg Pool per database URL, with the pool settings of the Config and the
// type parsers that make rows match the API contract (ids and counts as numbers, dates as strings).
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from './schema';

// int8 (ids, counts) -> number: ids stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
// numeric (hourly_rate) -> number: the API's money is a JSON number with two decimals.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));
// date -> 'YYYY-MM-DD' untouched (no time-zone shifts through JS Date).
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);
// timestamptz -> ISO 8601 string, as the API returns it.
pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, (v) => new Date(v).toISOString());

// Named prepared statements: a registered SQL text is parsed and planned once per connection, then
// only bound and executed (for the hottest reads, where PostgreSQL's planning cost as much as the
// execution). Kysely sends (text, values); the pool's clients put the registered name on it.
const preparedNames = new Map<string, string>();

/** From now on, every pool connection of createPool() sends `sqlText` as a named prepared statement. */
export function prepareStatement(sqlText: string): void {
  if (!preparedNames.has(sqlText)) preparedNames.set(sqlText, `loadlab_prepared_${preparedNames.size + 1}`);
}

/** The pool's client class: (text, values) of a registered statement go out under its name. */
class PreparingClient extends pg.Client {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const [text, values] = args;
    const name = typeof text === 'string' && args.length <= 2 ? preparedNames.get(text) : undefined;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return name ? super.query({ name, text, values }) : (super.query as (...a: any[]) => any)(...args);
  }
}

export interface PoolSettings {
  max?: number;
  idleTimeoutMs?: number;
  connectTimeoutMs?: number;
  maxLifetimeS?: number;
  statementTimeoutMs?: number;
  applicationName?: string;
}

export function createPool(url: string, s: PoolSettings = {}): pg.Pool {
  const pool = new pg.Pool({
    Client: PreparingClient as unknown as new () => pg.ClientBase,
    connectionString: url,
    max: s.max ?? 10,
    idleTimeoutMillis: s.idleTimeoutMs ?? 10_000,
    connectionTimeoutMillis: s.connectTimeoutMs ?? 5_000,
    maxLifetimeSeconds: s.maxLifetimeS ?? 0,
    statement_timeout: s.statementTimeoutMs || undefined,
    // Client-side backstop when the server vanishes without closing the socket (no RST): a query
    // gives up a second after the server-side statement timeout would have cancelled it.
    query_timeout: s.statementTimeoutMs ? s.statementTimeoutMs + 1_000 : undefined,
    keepAlive: true,
    application_name: s.applicationName ?? 'loadlab',
  });
  // An idle client losing its server (PostgreSQL restarted) must not crash the process.
  pool.on('error', () => {});
  // A checked-out client whose server goes away between queries (mid-transaction, say) emits
  // 'error' with no pool listener attached: without this the process would crash. Its pending
  // and next queries still fail (-> 503), and the pool discards it on release.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  return pool;
}

export interface DatabaseHooks {
  /** Called after every query (successful or failed) with its duration in milliseconds. */
  onQuery?: (durationMs: number) => void;
}

export function createDatabase(url: string, s: PoolSettings = {}, hooks: DatabaseHooks = {}): { db: Kysely<Database>; pool: pg.Pool } {
  const pool = createPool(url, s);
  const onQuery = hooks.onQuery;
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    ...(onQuery ? { log: (event: { queryDurationMillis: number }) => onQuery(event.queryDurationMillis) } : {}),
  });
  return { db, pool };
}

/** Run `cb` with a database handle and always destroy the pool afterwards. */
export async function usingDatabase<T>(
  url: string,
  cb: (db: Kysely<Database>) => Promise<T>,
  s: PoolSettings = {},
): Promise<T> {
  const { db } = createDatabase(url, s);
  try {
    return await cb(db);
  } finally {
    await db.destroy();
  }
}
