// The seeding benchmark (loadlab bench-seed): the seeding budget, measured. On one embedded
// PostgreSQL, in one run: seed the stress profile into a fresh database; export its tables to CSV; reload the
// same rows into fresh migrated databases (indexes and constraints in place) with psql \copy and
// with 500-row multi-row INSERT batches (the old system's method). Prints seconds and rows/s for
// each and the ratios; the budget is the seeder within 2x of \copy. A benchmark, not a test.
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
import { DEFAULT_SEED, SEEDED_TABLES, seedDatabase } from '../../seeds/seed';
import { CliError } from '../lib/cli-error';
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

function psql(url: string, args: string[]): void {
  const run = spawnSync(PSQL, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, ...args], { encoding: 'utf8' });
  if (run.error) throw new CliError(`cannot run ${PSQL}: ${run.error.message} (set PSQL to its path)`);
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

async function insertBatches(url: string, tables: readonly string[], csvDir: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let total = 0;
  try {
    for (const table of tables) {
      const { header, rows } = parseCsv(readFileSync(path.join(csvDir, `${table}.csv`), 'utf8'));
      const cols = header.map((c) => `"${c}"`).join(', ');
      for (let start = 0; start < rows.length; start += INSERT_BATCH) {
        const batch = rows.slice(start, start + INSERT_BATCH);
        const params: (string | null)[] = [];
        const tuples = batch.map((r) => `(${r.map((v) => (params.push(v), `$${params.length}`)).join(', ')})`);
        // One statement per batch, committed on its own (autocommit), as the old seeder did.
        await client.query(`insert into "${table}" (${cols}) overriding system value values ${tuples.join(', ')}`, params);
      }
      total += rows.length;
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

export function renderBench(ms: Measurement[], note: string[]): string {
  const copy = ms.find((m) => m.method.startsWith('psql'))!;
  const lines = [
    `${'method'.padEnd(34)} ${'seconds'.padStart(8)} ${'rows'.padStart(10)} ${'rows/s'.padStart(10)} ${'vs \\copy'.padStart(9)}`,
    ...ms.map(
      (m) =>
        `${m.method.padEnd(34)} ${m.seconds.toFixed(2).padStart(8)} ${m.rows.toLocaleString('en-US').padStart(10)} ${Math.round(m.rows / m.seconds).toLocaleString('en-US').padStart(10)} ${`${(m.seconds / copy.seconds).toFixed(2)}x`.padStart(9)}`,
    ),
    ...note,
  ];
  return lines.join('\n');
}

/**
 * Seed the stress profile into a fresh database on its own embedded PostgreSQL, reload the same rows
 * with psql \copy and with INSERT batches, check the rows are identical, and write bench.txt and
 * bench.json into a new report folder.
 */
export async function runSeedBench(o: SeedBenchOptions, log: (line: string) => void): Promise<{ dir: string; measurements: Measurement[] }> {
  const probe = spawnSync(PSQL, ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new CliError(`psql is needed for the \\copy baseline and was not found (${PSQL}); set PSQL`);
  const dir = createReportDir('bench-seed');
  const csvDir = path.join(PROJECT_ROOT, '.data', 'bench-seed-csv');
  mkdirSync(csvDir, { recursive: true });
  const pgDir = path.join(PROJECT_ROOT, '.data', `pg-bench-${process.pid}`);
  log(`embedded PostgreSQL in ${path.relative(PROJECT_ROOT, pgDir)} (removed afterwards); ${probe.stdout.trim()}`);
  const server = await startEmbeddedPostgres({ dataDir: pgDir, ephemeral: true });
  const ms: Measurement[] = [];
  try {
    const seedUrl = await freshMigratedDatabase(server.adminUrl, 'bench_seed');
    log(`seeding the stress profile (x${o.scale}, seed ${o.seed}) ...`);
    let t = performance.now();
    const summary = await seedDatabase(seedUrl, { profile: 'stress', scale: o.scale, seed: o.seed, truncate: false, progress: true });
    ms.push({ method: 'loadlab seed (COPY, generated)', seconds: (performance.now() - t) / 1000, rows: summary.totalRows });

    log('exporting the seeded tables to CSV ...');
    for (const table of SEEDED_TABLES) psql(seedUrl, ['-c', `\\copy (select * from ${table} order by id) to '${path.join(csvDir, `${table}.csv`)}' with (format csv, header)`]);

    const copyUrl = await freshMigratedDatabase(server.adminUrl, 'bench_copy');
    const script = path.join(csvDir, 'load.sql');
    writeFileSync(script, SEEDED_TABLES.map((table) => `\\copy ${table} from '${path.join(csvDir, `${table}.csv`)}' with (format csv, header)`).join('\n') + '\n');
    log('reloading with psql \\copy (schema migrated first: indexes and constraints in place) ...');
    t = performance.now();
    psql(copyUrl, ['--single-transaction', '-f', script]);
    ms.push({ method: 'psql \\copy from CSV', seconds: (performance.now() - t) / 1000, rows: summary.totalRows });

    const seeded = await tableDigests(seedUrl, SEEDED_TABLES);
    const copied = await tableDigests(copyUrl, SEEDED_TABLES);
    const same = SEEDED_TABLES.every((table) => seeded[table] === copied[table]);
    if (!same) throw new CliError('the \\copy reload does not hold the same rows as the seeded database');

    if (!o['skip-insert']) {
      const insertUrl = await freshMigratedDatabase(server.adminUrl, 'bench_insert');
      log(`reloading with ${INSERT_BATCH}-row multi-row INSERT batches ...`);
      t = performance.now();
      const rows = await insertBatches(insertUrl, SEEDED_TABLES, csvDir);
      ms.push({ method: `INSERT, ${INSERT_BATCH}-row batches`, seconds: (performance.now() - t) / 1000, rows });
    }

    const seedVsCopy = ms[0]!.seconds / ms[1]!.seconds;
    const note = [
      '',
      `seeder / \\copy = ${seedVsCopy.toFixed(2)}x (budget: at most 2x) — ${seedVsCopy <= 2 ? 'within budget' : 'OVER BUDGET'}`,
      'The seeder time includes generating the rows, rebuilding indexes/foreign keys and ANALYZE; \\copy and INSERT read prepared CSV.',
      `Rows verified identical (md5 per table) between the seeded and the \\copy database. Machine: ${os.cpus().length} cores, shared with other work.`,
    ];
    const text = renderBench(ms, note);
    log(`\n${text}`);
    writeFileSync(path.join(dir, 'bench.txt'), `${text}\n`);
    writeFileSync(path.join(dir, 'bench.json'), `${JSON.stringify({ scale: o.scale, seed: o.seed, measurements: ms, seed_vs_copy: seedVsCopy, tables: summary.tables }, null, 2)}\n`);
    log(`\nreport: ${path.relative(process.cwd(), dir) || dir}`);
    return { dir, measurements: ms };
  } finally {
    await server.stop();
  }
}
