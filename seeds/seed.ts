// The seeder: deterministic, realistic data loaded with COPY in one transaction.
//
// Flow (one connection, one transaction, so a failure at any point leaves the database as it was):
//   refuse production targets → lock the seeded tables → refuse non-empty tables unless --truncate →
//   TRUNCATE … RESTART IDENTITY → drop secondary indexes, foreign keys and exclusion constraints
//   (definitions kept from the catalog) → COPY … FREEZE each table from a lazy generator → rebuild
//   the indexes (the partial unique ones validate "one primary contact" / "one current job") and
//   re-add the foreign keys and exclusion constraints (validated over every row: "no overlapping
//   jobs" is built once as a GiST index instead of row by row) → move identity sequences past the
//   ids → ANALYZE → COMMIT.
// Primary keys, unique and check constraints stay in place during the load.
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { DATA_TABLES, type Database } from '../server/db/schema';
import { isoToDay } from './calendar';
import { copyRows } from './copy-writer';
import { FileStore } from './file-store';
import { tableSources, type GenerateOptions } from './generators';
import { readIdPool, writeIdPool } from './id-pool';
import { expectedRows, resolveProfile, type ProfileName } from './profiles';
import { createProgress } from './progress';

/** The "today" of the data set unless --as-of says otherwise: fixed, so a seed reproduces on any day. */
export const DEFAULT_AS_OF = '2026-11-22';
export const DEFAULT_FILE_SCALE = 0.001;
export const DEFAULT_SEED = 46;

/** The database setting that marks a production database: ALTER DATABASE … SET loadlab.environment = 'production'. */
export const ENVIRONMENT_SETTING = 'loadlab.environment';

export interface SeedOptions {
  profile: ProfileName;
  seed: number;
  truncate: boolean;
  /** Multiplies the profile's counts (default 1). */
  scale?: number;
  /** YYYY-MM-DD: the day histories run up to (default DEFAULT_AS_OF). */
  asOf?: string;
  /** Write real file content under filesDir and record sha256 (default false). */
  withFiles?: boolean;
  /** Content size = nominal size × fileScale (default 0.001). */
  fileScale?: number;
  /** Default: FILES_DIR or .data/files. */
  filesDir?: string;
  /** Write the k6 id-pool sample here after the commit (default: none). */
  poolFile?: string;
  /** Progress bars on stderr (only drawn when stderr is a TTY). */
  progress?: boolean;
  log?: (line: string) => void;
  /** Called inside the transaction after each table is loaded (an exception rolls everything back). */
  onTableLoaded?: (table: string, rows: number) => void | Promise<void>;
  /**
   * Asked after every 64 KB chunk and every table: true stops the seed (an interrupted run). The
   * COPY in progress is failed and the transaction rolled back, so the database is as it was;
   * seedDatabase then throws SeedStopped.
   */
  shouldStop?: () => boolean;
}

export interface TableTiming {
  table: string;
  rows: number;
  seconds: number;
}

export interface FinishTimings {
  indexesAndKeys: number;
  analyze: number;
  commit: number;
}

export interface SeedSummary {
  rows: Record<string, number>;
  totalRows: number;
  seconds: number;
  tables: TableTiming[];
  /** Seconds spent after the COPYs: rebuilding indexes and foreign keys, ANALYZE, COMMIT. */
  finishSeconds: number;
  finish: FinishTimings;
  profile: ProfileName;
  scale: number;
  seed: number;
  asOf: string;
  files?: { written: number; bytes: number; dir: string };
  poolFile?: string;
}

/** Refusals and bad input: the CLI prints the message as one line (exit 2). */
export class SeedError extends Error {}

/** The seed was stopped by `shouldStop` and rolled back: nothing of it is in the database. */
export class SeedStopped extends Error {
  constructor(
    /** Tables whose COPY had completed when it stopped (all rolled back with the rest). */
    readonly tablesLoaded: string[],
    readonly tablesTotal: number,
  ) {
    super(`the seed was stopped after ${tablesLoaded.length} of ${tablesTotal} tables and rolled back: the database is as it was before`);
  }
}

export const SEEDED_TABLES = DATA_TABLES.filter((t) => t !== 'audit_logs');

/** True when no data table has a row (audit_logs included: old audit rows would describe other data). */
export async function isDatabaseEmpty(db: Kysely<Database>): Promise<boolean> {
  const checks = DATA_TABLES.map((t) => `exists (select 1 from ${t})`).join(' or ');
  const r = await sql<{ any: boolean }>`select ${sql.raw(checks)} as any`.execute(db);
  return r.rows[0]?.any === false;
}

/** Why a target must not be seeded, or null: NODE_ENV=production here, or the database marked production. */
export async function productionMarker(client: pg.ClientBase, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  if (env.NODE_ENV === 'production') return 'NODE_ENV=production';
  const { rows } = await client.query<{ v: string | null }>('select current_setting($1, true) as v', [ENVIRONMENT_SETTING]);
  const v = rows[0]?.v;
  return v && v.trim().toLowerCase() === 'production' ? `the database says ${ENVIRONMENT_SETTING} = '${v}'` : null;
}

export function describeTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}/${u.pathname.slice(1)}`;
  } catch {
    return 'the database';
  }
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000, application_name: 'loadlab-seed' });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    const e = err as { code?: string; message?: string };
    throw new SeedError(`cannot reach PostgreSQL at ${describeTarget(url)}: ${[e.code, e.message].filter(Boolean).join(' ')}`.replace(/\s+/g, ' '));
  }
  return client;
}

/** Pre-flight for the CLI (before migrations): reachable and not production, or a SeedError. */
export async function checkSeedTarget(url: string): Promise<void> {
  const client = await connect(url);
  try {
    const marker = await productionMarker(client);
    if (marker) throw new SeedError(`refusing to seed ${describeTarget(url)}: ${marker}`);
  } finally {
    await client.end();
  }
}

interface DroppedStructures {
  indexes: { name: string; def: string }[];
  /** Foreign keys and exclusion constraints: dropped and re-added by `alter table`. */
  foreignKeys: { table: string; name: string; def: string }[];
}

const quoteIdent = (s: string) => `"${s.replaceAll('"', '""')}"`;

/** Drop the secondary indexes (not those behind PK/unique constraints), FKs and exclusion constraints of `tables`, returning their definitions. */
async function dropSecondaryStructures(client: pg.ClientBase, tables: readonly string[]): Promise<DroppedStructures> {
  const idx = await client.query<{ name: string; def: string }>(
    `select quote_ident(ic.relname) as name, pg_get_indexdef(i.indexrelid) as def
       from pg_index i
       join pg_class t on t.oid = i.indrelid
       join pg_class ic on ic.oid = i.indexrelid
       join pg_namespace n on n.oid = t.relnamespace
      where n.nspname = current_schema() and t.relname = any($1)
        and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid and c.conrelid = t.oid and c.contype in ('p', 'u', 'x'))
      order by t.relname, ic.relname`,
    [tables],
  );
  const fks = await client.query<{ table: string; name: string; def: string }>(
    `select quote_ident(t.relname) as table, c.conname as name, pg_get_constraintdef(c.oid) as def
       from pg_constraint c
       join pg_class t on t.oid = c.conrelid
       join pg_namespace n on n.oid = t.relnamespace
      where c.contype in ('f', 'x') and n.nspname = current_schema() and t.relname = any($1)
      order by t.relname, c.conname`,
    [tables],
  );
  for (const fk of fks.rows) await client.query(`alter table ${fk.table} drop constraint ${quoteIdent(fk.name)}`);
  for (const i of idx.rows) await client.query(`drop index ${i.name}`);
  return { indexes: idx.rows, foreignKeys: fks.rows };
}

async function restoreSecondaryStructures(client: pg.ClientBase, d: DroppedStructures): Promise<void> {
  for (const i of d.indexes) await client.query(i.def);
  for (const fk of d.foreignKeys) await client.query(`alter table ${fk.table} add constraint ${quoteIdent(fk.name)} ${fk.def}`);
}

export function resolveSeedOptions(opts: SeedOptions) {
  let profile;
  try {
    profile = resolveProfile(opts.profile, opts.scale ?? 1);
  } catch (err) {
    throw new SeedError((err as Error).message);
  }
  if (!Number.isSafeInteger(opts.seed) || opts.seed < 0) throw new SeedError(`seed must be a whole number 0 or more, got ${opts.seed}`);
  const asOf = opts.asOf ?? DEFAULT_AS_OF;
  let asOfDay: number;
  try {
    asOfDay = isoToDay(asOf);
  } catch (err) {
    throw new SeedError(`as-of: ${(err as Error).message}`);
  }
  const fileScale = opts.fileScale ?? DEFAULT_FILE_SCALE;
  if (!Number.isFinite(fileScale) || fileScale <= 0 || fileScale > 1) throw new SeedError(`file scale must be above 0 and at most 1, got ${fileScale}`);
  const filesDir = path.resolve(opts.filesDir ?? process.env.FILES_DIR ?? '.data/files');
  return { profile, asOf, asOfDay, fileScale, filesDir };
}

/** Seed `url` with the profile; all or nothing. Throws SeedError for refusals and bad input. */
export async function seedDatabase(url: string, opts: SeedOptions): Promise<SeedSummary> {
  const t0 = performance.now();
  const { profile, asOf, asOfDay, fileScale, filesDir } = resolveSeedOptions(opts);
  const log = opts.log ?? (() => {});
  const fileStore = opts.withFiles ? new FileStore(filesDir, fileScale) : undefined;
  const gen: GenerateOptions = { seed: opts.seed, profile, asOfDay, fileSink: fileStore };
  const expected = expectedRows(profile);
  const width = Math.max(...SEEDED_TABLES.map((t) => t.length));
  const progress = createProgress(Boolean(opts.progress && process.stderr.isTTY), width);

  const client = await connect(url);
  const timings: TableTiming[] = [];
  let finishSeconds = 0;
  const finish: FinishTimings = { indexesAndKeys: 0, analyze: 0, commit: 0 };
  try {
    const marker = await productionMarker(client);
    if (marker) throw new SeedError(`refusing to seed ${describeTarget(url)}: ${marker}`);
    const missing = await client.query<{ t: string }>('select t from unnest($1::text[]) t where to_regclass(t) is null', [DATA_TABLES]);
    if (missing.rows.length) throw new SeedError(`the database has no ${missing.rows.map((r) => r.t).join(', ')} table; run loadlab migrate first`);

    await client.query('begin');
    await client.query(`set local lock_timeout = '15s'`);
    await client.query(`lock table ${DATA_TABLES.join(', ')} in access exclusive mode`);
    const withRows = await client.query<{ t: string }>(
      `select t from (values ${DATA_TABLES.map((t, i) => `(${i}, '${t}', exists (select 1 from ${t}))`).join(', ')}) as v(n, t, has_rows) where has_rows order by n`,
    );
    if (withRows.rows.length && !opts.truncate) {
      throw new SeedError(`${describeTarget(url)} already has data (${withRows.rows.map((r) => r.t).join(', ')}); pass --truncate to replace it`);
    }
    // Clearing an empty table costs nothing and lets COPY … FREEZE write frozen, all-visible rows.
    await client.query(`truncate ${DATA_TABLES.join(', ')} restart identity`);
    await client.query(`set local maintenance_work_mem = '256MB'`);
    const dropped = await dropSecondaryStructures(client, SEEDED_TABLES);

    const { sources } = tableSources(gen);
    const stopIfAsked = () => {
      if (opts.shouldStop?.()) throw new SeedStopped(timings.map((t) => t.table), sources.length);
    };
    for (const make of sources) {
      stopIfAsked();
      const source = make();
      const started = performance.now();
      const bar = progress.table(source.table, expected[source.table] ?? 0);
      const rows = await copyRows(client, source, {
        freeze: true,
        onProgress: (n) => {
          stopIfAsked(); // thrown inside the COPY's source: the COPY fails, the catch below rolls back
          bar.update(n);
        },
      });
      bar.finish(rows);
      timings.push({ table: source.table, rows, seconds: (performance.now() - started) / 1000 });
      await opts.onTableLoaded?.(source.table, rows);
    }

    const finishStarted = performance.now();
    let mark = finishStarted;
    const lap = (name: keyof FinishTimings) => {
      const now = performance.now();
      finish[name] = (now - mark) / 1000;
      mark = now;
    };
    stopIfAsked();
    await restoreSecondaryStructures(client, dropped);
    lap('indexesAndKeys');
    for (const t of SEEDED_TABLES) {
      await client.query(`select setval(pg_get_serial_sequence($1, 'id'), coalesce((select max(id) from ${t}), 0) + 1, false)`, [t]);
    }
    await client.query(`analyze ${SEEDED_TABLES.join(', ')}`);
    lap('analyze');
    await client.query('commit');
    lap('commit');
    finishSeconds = (performance.now() - finishStarted) / 1000;
  } catch (err) {
    await client.query('rollback').catch(() => {});
    await client.end().catch(() => {});
    fileStore?.removeCreated();
    if ((err as { code?: string }).code === '55P03') {
      throw new SeedError(`${describeTarget(url)}: the data tables stayed locked by another session for 15 s (an API server or another seed?)`);
    }
    throw err;
  } finally {
    progress.stop();
  }

  try {
    let poolFile: string | undefined;
    if (opts.poolFile) {
      poolFile = path.resolve(opts.poolFile);
      writeIdPool(poolFile, await readIdPool(client));
    }
    const rows = Object.fromEntries(timings.map((t) => [t.table, t.rows]));
    const totalRows = timings.reduce((a, t) => a + t.rows, 0);
    const summary: SeedSummary = {
      rows,
      totalRows,
      seconds: (performance.now() - t0) / 1000,
      tables: timings,
      finishSeconds,
      finish,
      profile: profile.name,
      scale: profile.scale,
      seed: opts.seed,
      asOf,
      ...(fileStore ? { files: { written: fileStore.created.length, bytes: fileStore.bytesWritten, dir: filesDir } } : {}),
      ...(poolFile ? { poolFile } : {}),
    };
    for (const line of formatSeedSummary(summary)) log(line);
    return summary;
  } finally {
    await client.end();
  }
}

const num = (n: number) => Math.round(n).toLocaleString('en-US');

/** The end summary: rows per table, seconds, rows/s, and the totals. */
export function formatSeedSummary(s: SeedSummary): string[] {
  const width = Math.max(5, ...s.tables.map((t) => t.table.length));
  const lines = [
    `seeded profile ${s.profile}${s.scale !== 1 ? ` x${s.scale}` : ''}, seed ${s.seed}, as of ${s.asOf}`,
    `${'table'.padEnd(width)}  ${'rows'.padStart(10)}  ${'seconds'.padStart(8)}  ${'rows/s'.padStart(10)}`,
  ];
  for (const t of s.tables) {
    lines.push(`${t.table.padEnd(width)}  ${num(t.rows).padStart(10)}  ${t.seconds.toFixed(2).padStart(8)}  ${num(t.rows / Math.max(t.seconds, 1e-6)).padStart(10)}`);
  }
  const step = (name: string, seconds: number) => lines.push(`${name.padEnd(width)}  ${''.padStart(10)}  ${seconds.toFixed(2).padStart(8)}`);
  step('(indexes, keys)', s.finish.indexesAndKeys);
  step('(analyze)', s.finish.analyze);
  step('(commit)', s.finish.commit);
  lines.push(`${'total'.padEnd(width)}  ${num(s.totalRows).padStart(10)}  ${s.seconds.toFixed(2).padStart(8)}  ${num(s.totalRows / Math.max(s.seconds, 1e-6)).padStart(10)}`);
  if (s.files) lines.push(`files: ${num(s.files.written)} written (${(s.files.bytes / 1024 / 1024).toFixed(1)} MB) under ${s.files.dir}`);
  if (s.poolFile) lines.push(`id pool: ${s.poolFile}`);
  return lines;
}
