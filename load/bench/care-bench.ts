// The database-care benchmark (loadlab bench-care): the care budget, measured. Builds the stress data
// set in a scratch database (`loadlab seed --profile stress` when that profile exists, otherwise a
// stress-scale generate_series fallback, and the output says which), plants 1% anomalies (per kind:
// 1% of the members), then times every integrity check (median of --runs passes), a heal dry run
// and the real heal. Budget from the design: all checks together about one second. Not a test.
// Interrupted (SIGINT, SIGTERM, SIGHUP), it stops at the next step (a statement of the data build, an
// integrity pass, a heal; `loadlab seed` as a guarded child gets SIGINT and rolls back), writes what
// it measured so far (the integrity table from the passes that completed) to bench.txt marked
// INTERRUPTED with the step that was cut, drops the bench database it created, and exits 3.
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { z } from 'zod';
import { mergeFindings, plantAnomalies } from '../../maintenance/anomalies';
import { formatHeal } from '../../maintenance/care-format';
import { CHECKS } from '../../maintenance/checks';
import { contentPath, scanContent } from '../../maintenance/file-store';
import { heal } from '../../maintenance/heal';
import { defaultCheckContext, runIntegrity, type IntegrityReport } from '../../maintenance/integrity';
import { loadNotifyConfig, Notifier } from '../../maintenance/notifications';
import { usingDatabase } from '../../server/db/database';
import { migrateToLatest } from '../../server/db/migrate';
import type { Database } from '../../server/db/schema';
import { runChild } from '../lib/child-run';
import { CliError } from '../lib/cli-error';
import { benchInterruptedLine, interruption } from '../lib/interrupt';
import { describeConnectionError } from '../lib/database-target';
import { PROJECT_ROOT } from '../lib/local-env';
import { createReportDir } from '../lib/report-dir';
import type { Kysely } from 'kysely';

const BENCH_DB = 'loadlab_bench_care';

/** Stops the benchmark at a step boundary when a signal came (see the top of the file). */
class StepCut extends Error {}

function stopIfInterrupted(step: string): void {
  if (interruption()) throw new StepCut(step);
}

async function dropBenchDatabase(url: string): Promise<void> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`drop database if exists ${BENCH_DB} with (force)`);
  } finally {
    await client.end();
  }
}

async function recreateDatabase(url: string): Promise<string> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  try {
    await client.connect();
  } catch (err) {
    throw new CliError(describeConnectionError(admin.toString(), err));
  }
  try {
    await client.query(`drop database if exists ${BENCH_DB} with (force)`);
    await client.query(`create database ${BENCH_DB}`);
  } finally {
    await client.end();
  }
  const u = new URL(url);
  u.pathname = `/${BENCH_DB}`;
  return u.toString();
}

/** Stress scale with set-based SQL: 750 organizations, 10,000 members, ~430,000 clean, non-overlapping employments. */
async function generateStress(db: Kysely<Database>, filesDir: string, members: number): Promise<void> {
  const step = 'building the data (generate_series fallback)';
  await sql`insert into organizations (name, org_type, city, state)
            select 'Employer ' || g, 'employer', 'Seattle', 'WA' from generate_series(1, 700) g`.execute(db);
  stopIfInterrupted(step);
  await sql`insert into organizations (name, org_type, city, state)
            select 'Partner ' || g, (array['union', 'training_partner', 'jatc'])[1 + g % 3]::org_type, 'Seattle', 'WA' from generate_series(1, 50) g`.execute(db);
  await sql`insert into organization_contacts (organization_id, first_name, last_name, title, is_primary)
            select o.id, 'Contact' || k, 'Org' || o.id, 'Manager', k = 1 from organizations o, generate_series(1, 4) k`.execute(db);
  stopIfInterrupted(step);
  await sql`insert into members (member_number, first_name, last_name, classification, status, date_of_birth, hire_date, city, state)
            select 'M' || lpad(g::text, 6, '0'), 'First' || g, 'Last' || (g % 997),
                   (array['apprentice_1','apprentice_2','journeyman','journeyman','journeyman','residential_wireman','lineman'])[1 + g % 7]::member_classification,
                   (case when g % 50 = 0 then 'deceased' when g % 17 = 0 then 'retired' when g % 29 = 0 then 'inactive' else 'active' end)::member_status,
                   date '1950-01-01' + (g * 37 % 9000),
                   date '1950-01-01' + (g * 37 % 9000) + 18 * 365 + (g % 200),
                   'Seattle', 'WA'
              from generate_series(1, ${members}) g`.execute(db);
  stopIfInterrupted(step);
  // 30..56 jobs per member (mean 43), each 160 days, 170 days apart: never overlapping; the last
  // job of an active member is current.
  await sql`insert into member_employments (member_id, organization_id, job_title, start_date, end_date, hourly_rate)
            select m.id, 1 + ((m.id * 7 + j * 13) % 700), 'Inside wireman',
                   m.hire_date + (j - 1) * 170,
                   case when j = 30 + m.id % 27 and m.status = 'active' then null else m.hire_date + (j - 1) * 170 + 160 end,
                   20 + ((m.id + j) % 80) + 0.5
              from members m, generate_series(1, 56) j
             where j <= 30 + m.id % 27`.execute(db);
  stopIfInterrupted(step);
  await sql`insert into students (student_number, first_name, last_name, email, status, member_id)
            select 'S' || g, 'Student' || g, 'Last' || g, 's' || g || '@bench.test', 'enrolled', g * 10 from generate_series(1, ${Math.floor(members / 10)}) g`.execute(db);
  // 10,000 distinct stored files (2 KB each) referenced by 100,000 attachment rows.
  const distinct = Math.max(1, Math.floor(members));
  const hashes: string[] = [];
  await mkdir(filesDir, { recursive: true });
  for (let i = 0; i < distinct; i++) {
    if (i % 500 === 0) stopIfInterrupted(step);
    const content = Buffer.alloc(2048, `stored document ${i}\n`);
    const sha = createHash('sha256').update(content).digest('hex');
    const file = contentPath(filesDir, sha);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    hashes.push(sha);
  }
  await sql`insert into file_attachments (owner_type, owner_id, category, file_name, mime_type, size_bytes, sha256, storage_key)
            select 'member', 1 + (g % ${members}), 'document', 'doc' || g || '.txt', 'text/plain', 2048, h.sha, h.sha
              from generate_series(0, ${members * 10 - 1}) g
              join unnest(${hashes}::text[]) with ordinality h(sha, n) on h.n = 1 + (g % ${distinct})`.execute(db);
  await sql`analyze`.execute(db);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export const CareBenchOptions = z.object({
  runs: z.coerce.number().int().min(1).max(20).default(3),
  members: z.coerce.number().int().min(100).max(100_000).default(10_000),
  source: z.enum(['auto', 'seed', 'generate']).default('auto'),
});
export type CareBenchOptions = z.infer<typeof CareBenchOptions>;

/**
 * Recreate the bench database on the server of `targetUrl`, fill it (stress seed or the fallback),
 * plant 1% anomalies, time the checks and both heals, and write bench.txt and bench.json into a new
 * report folder (returned). The bench database is kept for inspection.
 */
export async function runCareBench(targetUrl: string, o: CareBenchOptions, log: (line: string) => void): Promise<{ dir: string; interrupted: boolean }> {
  const startedMs = Date.now();
  const url = await recreateDatabase(targetUrl);
  try {
    return { dir: await measure(url, o, log), interrupted: false };
  } catch (err) {
    if (!(err instanceof StepCut)) throw err;
    await dropBenchDatabase(targetUrl);
    const lines = [
      benchInterruptedLine(startedMs, `cut during ${err.message}; what was measured before it follows.`),
      `  The bench database ${BENCH_DB} it created was dropped.`,
      '',
      ...measured,
    ];
    const dir = createReportDir('bench-care');
    await writeFile(path.join(dir, 'bench.txt'), `${lines.join('\n')}\n`);
    await writeFile(path.join(dir, 'bench.json'), JSON.stringify({ interrupted: true, interruption: { ...interruption(), cut: err.message }, lines: measured }, null, 2));
    log(`\n${lines.slice(0, 2).join('\n')}\nwritten to ${path.relative(PROJECT_ROOT, dir)}/bench.txt`);
    return { dir, interrupted: true };
  } finally {
    measured = [];
  }
}

/** The lines measured so far (bench.txt of a cut benchmark). */
let measured: string[] = [];

async function measure(url: string, o: CareBenchOptions, log: (line: string) => void): Promise<string> {
  const filesDir = path.join(PROJECT_ROOT, '.data', 'bench-care-files');
  await rm(filesDir, { recursive: true, force: true });
  const lines: string[] = (measured = []);
  const say = (l = '') => {
    lines.push(l);
    log(l);
  };

  // 1. Data: the stress seeder when it exists, otherwise the set-based fallback.
  let source = 'generate_series fallback (10k members, 750 orgs, ~430k employments, 100k attachments over 10k stored files)';
  const t0 = performance.now();
  let seeded = false;
  if (o.source !== 'generate') {
    const r = await runChild(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'loadlab.mjs'), 'seed', '--profile', 'stress', '--with-files', '--truncate'], {
      label: 'loadlab seed',
      env: { ...process.env, DATABASE_URL: url, FILES_DIR: filesDir },
      keepChars: 4000,
    });
    stopIfInterrupted('building the data (loadlab seed --profile stress, rolled back)');
    if (r.status === 0) {
      seeded = true;
      source = 'loadlab seed --profile stress --with-files';
    } else if (o.source === 'seed') {
      throw new CliError(`loadlab seed --profile stress failed: ${(r.stderr || r.stdout).trim().split('\n')[0]}`);
    } else {
      say(`stress seeder not available here (${(r.stderr || r.stdout).trim().split('\n').pop()}); using the generate_series fallback`);
    }
  }
  return usingDatabase(
    url,
    async (db) => {
      await migrateToLatest(db);
      if (!seeded) await generateStress(db, filesDir, o.members);
      const counts = (
        await sql<{ members: number; employments: number; organizations: number; attachments: number }>`select
          (select count(*) from members)::integer as members, (select count(*) from member_employments)::integer as employments,
          (select count(*) from organizations)::integer as organizations, (select count(*) from file_attachments)::integer as attachments`.execute(db)
      ).rows[0]!;
      const loadSeconds = (performance.now() - t0) / 1000;

      // 2. Plant 1%: per kind, 1% of the members.
      const perKind = Math.max(1, Math.round(counts.members / 100));
      const t1 = performance.now();
      stopIfInterrupted('planting the anomalies');
      const planted = mergeFindings(await plantAnomalies(db, [], perKind, { filesDir }));
      const plantSeconds = (performance.now() - t1) / 1000;
      const plantedTotal = Object.values(planted).reduce((n, ids) => n + ids.length, 0);
      await sql`analyze`.execute(db);

      say(`data: ${source}`);
      say(`      ${counts.members} members, ${counts.organizations} organizations, ${counts.employments} employments, ${counts.attachments} attachments (built in ${loadSeconds.toFixed(1)} s)`);
      say(`planted: ${plantedTotal} anomalies, ${perKind} per kind (1% of members each) in ${plantSeconds.toFixed(1)} s`);
      say();

      // 3. Integrity, --runs passes; per-check median. Then the SQL checks alone and the full
      //    sha256 verification (resilience), so I/O and SQL costs are visible separately.
      const ctx = defaultCheckContext({ ...process.env, FILES_DIR: filesDir }, PROJECT_ROOT);
      const passes: IntegrityReport[] = [];
      const checkRows = () => {
        const last = passes[passes.length - 1]!;
        return CHECKS.map((c) => {
        const secs = passes.map((p) => p.checks.find((x) => x.id === c.id)!.seconds);
        const result = last.checks.find((x) => x.id === c.id)!;
        const plantedHere = planted[c.id]?.length ?? 0;
        return { id: c.id, planted: plantedHere, found: result.count, error: result.error, coverage: result.coverage, median: median(secs), max: Math.max(...secs) };
        });
      };
      const width = Math.max(...CHECKS.map((c) => c.id.length), 44);
      const sayChecks = (rows: ReturnType<typeof checkRows>) => {
        say(`${'check'.padEnd(width)}  planted    found  median s     max s`);
        for (const r of rows) {
          say(`${r.id.padEnd(width)}  ${String(r.planted).padStart(7)}  ${r.error ? '  ERROR' : String(r.found).padStart(7)}  ${r.median.toFixed(3).padStart(8)}  ${r.max.toFixed(3).padStart(8)}${r.error ? `  ${r.error}` : ''}`);
        }
        const wall = passes.map((p) => p.seconds);
        say(`${'ALL 21 CHECKS, one pass (wall clock)'.padEnd(width)}  ${String(plantedTotal).padStart(7)}  ${String(rows.reduce((n, r) => n + r.found, 0)).padStart(7)}  ${median(wall).toFixed(3).padStart(8)}  ${Math.max(...wall).toFixed(3).padStart(8)}`);
      };
      for (let i = 0; i < o.runs; i++) {
        if (interruption()) {
          // The table of the passes that completed, then the cut.
          if (passes.length) {
            say(`integrity: ${passes.length} of ${o.runs} passes completed`);
            sayChecks(checkRows());
          }
          stopIfInterrupted(`integrity pass ${i + 1} of ${o.runs}`);
        }
        passes.push(await runIntegrity(db, CHECKS, ctx, { sampleSize: 0 }));
        log(`  integrity pass ${i + 1} of ${o.runs}: ${passes.at(-1)!.seconds.toFixed(3)} s`);
      }
      const rows = checkRows();
      const sqlChecks = CHECKS.filter((c) => !c.id.startsWith('file_content_'));
      const sqlWall: number[] = [];
      for (let i = 0; i < o.runs; i++) sqlWall.push((await runIntegrity(db, sqlChecks, ctx, { sampleSize: 0 })).seconds);
      const fileCount = (await sql<{ n: number }>`select count(distinct sha256)::integer as n from file_attachments`.execute(db)).rows[0]!.n;
      const tFull = performance.now();
      const full = await scanContent(db, filesDir, {});
      const fullSeconds = (performance.now() - tFull) / 1000;

      sayChecks(rows);
      stopIfInterrupted('the SQL-only integrity passes');
      const wall = passes.map((p) => p.seconds);
      say(`${`SQL checks only (${sqlChecks.length}), one pass`.padEnd(width)}  ${''.padStart(7)}  ${''.padStart(7)}  ${median(sqlWall).toFixed(3).padStart(8)}  ${Math.max(...sqlWall).toFixed(3).padStart(8)}`);
      say(`${`full sha256 of all ${fileCount} files (resilience)`.padEnd(width)}  ${''.padStart(7)}  ${String(full.missing.length + full.mismatched.length).padStart(7)}  ${fullSeconds.toFixed(3).padStart(8)}  ${fullSeconds.toFixed(3).padStart(8)}`);
      const cov = rows.find((r) => r.coverage)?.coverage;
      if (cov) say(`file_content_mismatch coverage in integrity: ${cov}`);
      say(`${o.runs} passes each; budget: all checks together about 1 s; load average now ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
      say();

      // 4. Heal: a dry run, then the real one (notifications to the log channel only).
      const auditDir = path.join(PROJECT_ROOT, '.data', 'logs', 'bench-care-audit');
      stopIfInterrupted('heal --dry-run');
      const dry = await heal(db, { checks: CHECKS, ctx, dryRun: true, auditDir });
      say(`heal --dry-run: ${((Date.parse(dry.finished_at) - Date.parse(dry.started_at)) / 1000).toFixed(2)} s, would change ${dry.changes.length} rows`);
      const notifier = new Notifier(loadNotifyConfig({ NOTIFY_CHANNELS: 'log', NOTIFY_LOG_FILE: path.join(PROJECT_ROOT, '.data', 'logs', 'bench-care-notifications.jsonl') }));
      stopIfInterrupted('heal');
      const real = await heal(db, { checks: CHECKS, ctx, dryRun: false, auditDir, notifier });
      notifier.close();
      say(`heal: ${((Date.parse(real.finished_at) - Date.parse(real.started_at)) / 1000).toFixed(2)} s`);
      say(formatHeal(real, { changes: false }));
      const dir = createReportDir('bench-care');
      await writeFile(path.join(dir, 'bench.txt'), `${lines.join('\n')}\n`);
      await writeFile(path.join(dir, 'bench.json'), JSON.stringify({ source, counts, per_kind: perKind, planted: plantedTotal, checks: rows, wall, sql_wall: sqlWall, full_sha256_seconds: fullSeconds, files: fileCount, heal: { ...real, changes: real.changes.length } }, null, 2));
      log(`\nwritten to ${path.relative(PROJECT_ROOT, dir)}/bench.txt (the bench database ${BENCH_DB} is kept for inspection)`);
      return dir;
    },
    { max: 8, applicationName: 'loadlab-bench-care' },
  );
}
