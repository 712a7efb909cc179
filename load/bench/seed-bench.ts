// The seeding benchmark (loadlab bench-seed): the seeding budget, measured. On one embedded
// PostgreSQL, in one run: seed the stress profile into a fresh database; export its tables to CSV; reload the
// same rows into fresh migrated databases (indexes and constraints in place) with psql \copy and
// with 500-row multi-row INSERT batches (the old system's method). Prints seconds and rows/s for
// each and the ratios; the budget is the seeder within 2x of \copy. A benchmark, not a test.
// Interrupted (SIGINT, SIGTERM, SIGHUP; lib/interrupt.ts), it stops the method it is in (the seed
// rolls back, psql gets SIGINT and cancels, the INSERT batches stop between batches), writes the rows
// of the methods that completed to bench.txt / bench.json marked INTERRUPTED with the method that
// was cut, and stops its embedded PostgreSQL, whose data folder (every database it created) is removed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { z } from 'zod';
import { createDatabase } from '../../server/db/database';
import { ensureDatabase, startEmbeddedPostgres } from '../../server/db/embedded-postgres';
import { migrateToLatest } from '../../server/db/migrate';
import { MAX_SCALE } from '../../seeds/profiles';
import { DEFAULT_SEED, SEEDED_TABLES, seedDatabase, SeedStopped } from '../../seeds/seed';
import { runChild } from '../lib/child-run';
import { CliError } from '../lib/cli-error';
import { benchInterruptedLine, interruption } from '../lib/interrupt';
import { PROJECT_ROOT } from '../lib/local-env';
import { createReportDir } from '../lib/report-dir';

const PSQL = process.env.PSQL ?? 'psql';
const INSERT_BATCH = 500;

function withDatabase(adminUrl: string, name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

async function freshMigratedDatabase(adminUrl: string, name: string): Promise<string> {
  await ensureDatabase(adminUrl, name);
  const url = withDatabase(adminUrl, name);
  const { db } = createDatabase(url, { max: 2 });
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
  return url;
}

/** A method the signal cut: it is named in bench.txt, never counted. */
class MethodCut extends Error {}

/** psql as a guarded child (an interrupt reaches it as SIGINT: it cancels its statement and exits). */
async function psql(url: string, args: string[]): Promise<void> {
  const run = await runChild(PSQL, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, ...args], { label: 'psql', keepChars: 4000 }).catch((err: Error) => {
    throw new CliError(`cannot run ${PSQL}: ${err.message} (set PSQL to its path)`);
  });
  if (interruption()) throw new MethodCut();
  if (run.status !== 0) throw new CliError(`psql failed: ${run.stderr.trim().split('\n')[0]}`);
}

/** PostgreSQL CSV (header, NULL = unquoted empty) → rows of string | null. */
export function parseCsv(text: string): { header: string[]; rows: (string | null)[][] } {
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    let value: string | null;
    if (text[i] === '"') {
      let out = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error('unterminated quoted CSV field');
        out += text.slice(i, q);
        if (text[q + 1] === '"') {
          out += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      value = out;
    } else {
      let j = i;
      while (j < n && text[j] !== ',' && text[j] !== '\n') j++;
      value = j === i ? null : text.slice(i, j);
      i = j;
    }
    row.push(value);
    if (text[i] === ',') i++;
    else {
      rows.push(row);
      row = [];
      i++;
    }
  }
  const [header, ...data] = rows;
  return { header: (header ?? []) as string[], rows: data };
}

async function insertBatches(url: string, tables: readonly string[], csvDir: string, onTable: (table: string, rows: number) => void): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let total = 0;
  try {
    for (const table of tables) {
      const { header, rows } = parseCsv(readFileSync(path.join(csvDir, `${table}.csv`), 'utf8'));
      const cols = header.map((c) => `"${c}"`).join(', ');
      for (let start = 0; start < rows.length; start += INSERT_BATCH) {
        if (interruption()) throw new MethodCut(); // between batches: each one committed or not sent
        const batch = rows.slice(start, start + INSERT_BATCH);
        const params: (string | null)[] = [];
        const tuples = batch.map((r) => `(${r.map((v) => (params.push(v), `$${params.length}`)).join(', ')})`);
        // One statement per batch, committed on its own (autocommit), as the old seeder did.
        await client.query(`insert into "${table}" (${cols}) overriding system value values ${tuples.join(', ')}`, params);
      }
      total += rows.length;
      onTable(table, rows.length);
    }
  } finally {
    await client.end();
  }
  return total;
}

async function tableDigests(url: string, tables: readonly string[]): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const out: Record<string, string> = {};
    for (const t of tables) {
      const r = await client.query<{ h: string; n: string }>(`select md5(coalesce(string_agg(x::text, E'\\n' order by x.id), '')) as h, count(*) as n from "${t}" x`);
      out[t] = `${r.rows[0]!.n}:${r.rows[0]!.h}`;
    }
    return out;
  } finally {
    await client.end();
  }
}

export const SeedBenchOptions = z.object({
  scale: z.coerce.number({ error: 'scale must be a number' }).positive('scale must be above 0').max(MAX_SCALE).default(1),
  seed: z.coerce.number().int().min(0).default(DEFAULT_SEED),
  'skip-insert': z.boolean().default(false),
});

export type SeedBenchOptions = z.infer<typeof SeedBenchOptions>;

export interface Measurement {
  method: string;
  seconds: number;
  rows: number;
}

export function renderBench(ms: Measurement[], note: string[], head: string[] = []): string {
  const copy = ms.find((m) => m.method.startsWith('psql'));
  const lines = [
    ...head,
    `${'method'.padEnd(34)} ${'seconds'.padStart(8)} ${'rows'.padStart(10)} ${'rows/s'.padStart(10)} ${'vs \\copy'.padStart(9)}`,
    ...ms.map(
      (m) =>
        `${m.method.padEnd(34)} ${m.seconds.toFixed(2).padStart(8)} ${m.rows.toLocaleString('en-US').padStart(10)} ${Math.round(m.rows / m.seconds).toLocaleString('en-US').padStart(10)} ${(copy ? `${(m.seconds / copy.seconds).toFixed(2)}x` : 'n/a').padStart(9)}`,
    ),
    ...note,
  ];
  return lines.join('\n');
}

/** What an interrupted bench-seed says at the top of bench.txt (and in bench.json). */
export interface SeedBenchInterruption {
  signal: string;
  at: string;
  after_s: number;
  cut: string;
  completed: string[];
  not_run: string[];
}

const METHODS = ['loadlab seed (COPY, generated)', 'psql \\copy from CSV', `INSERT, ${INSERT_BATCH}-row batches`] as const;

/**
 * Seed the stress profile into a fresh database on its own embedded PostgreSQL, reload the same rows
 * with psql \copy and with INSERT batches, check the rows are identical, and write bench.txt and
 * bench.json into a new report folder. Interrupted, the methods that completed are written, marked
 * INTERRUPTED (`interruption`).
 */
export async function runSeedBench(
  o: SeedBenchOptions,
  log: (line: string) => void,
): Promise<{ dir: string; measurements: Measurement[]; interruption?: SeedBenchInterruption }> {
  const probe = spawnSync(PSQL, ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new CliError(`psql is needed for the \\copy baseline and was not found (${PSQL}); set PSQL`);
  const dir = createReportDir('bench-seed');
  const startedMs = Date.now();
  const csvDir = path.join(PROJECT_ROOT, '.data', 'bench-seed-csv');
  mkdirSync(csvDir, { recursive: true });
  const pgDir = path.join(PROJECT_ROOT, '.data', `pg-bench-${process.pid}`);
  log(`embedded PostgreSQL in ${path.relative(PROJECT_ROOT, pgDir)} (removed afterwards); ${probe.stdout.trim()}`);
  const server = await startEmbeddedPostgres({ dataDir: pgDir, ephemeral: true });
  const ms: Measurement[] = [];
  const wanted = o['skip-insert'] ? METHODS.slice(0, 2) : METHODS;
  let phase: string = 'preparing the database';
  let summary: Awaited<ReturnType<typeof seedDatabase>> | undefined;
  try {
    try {
      if (interruption()) throw new MethodCut();
      const seedUrl = await freshMigratedDatabase(server.adminUrl, 'bench_seed');
      phase = METHODS[0];
      log(`seeding the stress profile (x${o.scale}, seed ${o.seed}) ...`);
      let t = performance.now();
      summary = await seedDatabase(seedUrl, {
        profile: 'stress',
        scale: o.scale,
        seed: o.seed,
        truncate: false,
        progress: true,
        shouldStop: () => !!interruption(),
        onTableLoaded: (table, rows) => log(`  ${table}: ${rows.toLocaleString('en-US')} rows`),
      }).catch((err) => {
        throw err instanceof SeedStopped ? new MethodCut(err.message) : err;
      });
      ms.push({ method: METHODS[0], seconds: (performance.now() - t) / 1000, rows: summary.totalRows });

      phase = `exporting the seeded tables to CSV (for ${METHODS[1]})`;
      log('exporting the seeded tables to CSV ...');
      for (const table of SEEDED_TABLES) await psql(seedUrl, ['-c', `\\copy (select * from ${table} order by id) to '${path.join(csvDir, `${table}.csv`)}' with (format csv, header)`]);

      const copyUrl = await freshMigratedDatabase(server.adminUrl, 'bench_copy');
      const script = path.join(csvDir, 'load.sql');
      writeFileSync(script, SEEDED_TABLES.map((table) => `\\copy ${table} from '${path.join(csvDir, `${table}.csv`)}' with (format csv, header)`).join('\n') + '\n');
      phase = METHODS[1];
      log('reloading with psql \\copy (schema migrated first: indexes and constraints in place) ...');
      t = performance.now();
      await psql(copyUrl, ['--single-transaction', '-f', script]);
      ms.push({ method: METHODS[1], seconds: (performance.now() - t) / 1000, rows: summary.totalRows });

      phase = 'comparing the seeded and the \\copy rows';
      const seeded = await tableDigests(seedUrl, SEEDED_TABLES);
      const copied = await tableDigests(copyUrl, SEEDED_TABLES);
      const same = SEEDED_TABLES.every((table) => seeded[table] === copied[table]);
      if (!same) throw new CliError('the \\copy reload does not hold the same rows as the seeded database');

      if (!o['skip-insert']) {
        if (interruption()) throw new MethodCut();
        const insertUrl = await freshMigratedDatabase(server.adminUrl, 'bench_insert');
        phase = METHODS[2];
        log(`reloading with ${INSERT_BATCH}-row multi-row INSERT batches ...`);
        t = performance.now();
        const rows = await insertBatches(insertUrl, SEEDED_TABLES, csvDir, (table, n) => log(`  ${table}: ${n.toLocaleString('en-US')} rows inserted`));
        ms.push({ method: METHODS[2], seconds: (performance.now() - t) / 1000, rows });
      }
    } catch (err) {
      if (!(err instanceof MethodCut)) throw err;
    }
  } finally {
    // Every database it created (bench_seed, bench_copy, bench_insert) goes with the cluster's data folder.
    await server.stop();
  }

  const signalled = interruption();
  const cut: SeedBenchInterruption | undefined = signalled && {
    signal: signalled.signal,
    at: signalled.at,
    after_s: (signalled.atMs - startedMs) / 1000,
    cut: phase,
    completed: ms.map((m) => m.method),
    not_run: wanted.filter((m) => !ms.some((x) => x.method === m) && m !== phase),
  };
  const head = cut
    ? [
        benchInterruptedLine(startedMs, 'the rows below are the methods that completed.'),
        `  Cut: ${cut.cut} (not counted). Not run: ${cut.not_run.join(', ') || 'none'}. Its embedded PostgreSQL was stopped and its data folder, with every database the benchmark created, removed.`,
        '',
      ]
    : [];
  const seedVsCopy = ms[0] && ms[1] ? ms[0].seconds / ms[1].seconds : undefined;
  const note = [
    '',
    seedVsCopy === undefined ? 'seeder / \\copy: not measured (the benchmark was cut before both completed)' : `seeder / \\copy = ${seedVsCopy.toFixed(2)}x (budget: at most 2x) — ${seedVsCopy <= 2 ? 'within budget' : 'OVER BUDGET'}`,
    'The seeder time includes generating the rows, rebuilding indexes/foreign keys and ANALYZE; \\copy and INSERT read prepared CSV.',
    ...(ms[1] ? ['Rows verified identical (md5 per table) between the seeded and the \\copy database.'] : []),
    `Machine: ${os.cpus().length} cores, shared with other work.`,
  ];
  const text = renderBench(ms, note, head);
  log(`\n${text}`);
  writeFileSync(path.join(dir, 'bench.txt'), `${text}\n`);
  writeFileSync(
    path.join(dir, 'bench.json'),
    `${JSON.stringify({ scale: o.scale, seed: o.seed, interrupted: !!cut, interruption: cut, measurements: ms, seed_vs_copy: seedVsCopy ?? null, tables: summary?.tables ?? [] }, null, 2)}\n`,
  );
  log(`\nreport: ${path.relative(process.cwd(), dir) || dir}`);
  return { dir, measurements: ms, interruption: cut };
}
