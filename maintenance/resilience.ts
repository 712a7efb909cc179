// Long-term resilience: disk headroom, files on disk nobody references, sha256 of stored content
// (whole files), database growth (one snapshot per run, kept in db_growth_snapshots), stale
// records, distribution outliers, timed canonical queries with their plans, unused indexes and the
// age of the newest backup. Everything is measured on this run; nothing is assumed healthy.
import { readdir, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { contentPath, orphanedFilesOnDisk, scanContent, type ContentScan } from './file-store';
import type { Db } from './sql-helpers';

export interface DiskHeadroom {
  name: string;
  path: string;
  total_bytes?: number;
  free_bytes?: number;
  free_pct?: number;
  error?: string;
}

export interface TimedQuery {
  name: string;
  sql: string;
  median_ms: number;
  runs: number;
  execution_ms: number;
  plan_nodes: string[];
  seq_scans: string[];
}

export interface ResilienceReport {
  taken_at: string;
  disk: DiskHeadroom[];
  content: Omit<ContentScan, 'missing' | 'mismatched'> & {
    mode: string;
    missing: Array<{ sha256: string; path: string; attachment_ids: number[] }>;
    mismatched: Array<{ sha256: string; path: string; attachment_ids: number[]; reason: string }>;
  };
  orphaned_files: { count: number; bytes: number; files: string[]; error?: string };
  growth: {
    database_bytes: number;
    snapshots: Array<{ taken_at: string; database_bytes: number }>;
    bytes_per_day: number | null;
    days_until_full: number | null;
    largest_tables: Array<{ table: string; bytes: number; rows: number }>;
  };
  stale: Record<string, number>;
  outliers: {
    members_over_200_jobs: Array<{ member_id: number; jobs: number }>;
    rate: { mean: number | null; stddev: number | null; p01: number | null; p99: number | null; beyond_4_sigma: number; sample_ids: number[] };
  };
  queries: TimedQuery[];
  unused_indexes: { stats_since: string | null; indexes: Array<{ table: string; index: string; bytes: number }> };
  backup: { dir: string; newest?: { file: string; bytes: number; age_hours: number }; count: number };
  findings: string[];
}

export interface ResilienceOptions {
  filesDir: string;
  backupDir: string;
  /** Hash this many random files instead of all of them. */
  sample?: number;
  queryRuns?: number;
}

async function headroom(name: string, p: string): Promise<DiskHeadroom> {
  try {
    const s = await statfs(p);
    const total = s.blocks * s.bsize;
    const free = s.bavail * s.bsize;
    return { name, path: p, total_bytes: total, free_bytes: free, free_pct: total ? (100 * free) / total : 0 };
  } catch (err) {
    return { name, path: p, error: `${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
}

const CANONICAL_QUERIES: Array<{ name: string; sql: string }> = [
  { name: 'member list by status', sql: `select * from members where status = 'active' and deleted_at is null order by id limit 50` },
  {
    name: 'member name prefix search',
    sql: `select id, first_name, last_name from members where lower(last_name) like 'mi%' and deleted_at is null order by lower(last_name), id limit 50`,
  },
  {
    name: 'member employment history',
    sql: `select * from member_employments where member_id = (select max(member_id) from member_employments) order by start_date desc`,
  },
  { name: 'current job of a member', sql: `select * from member_employments where member_id = (select min(member_id) from member_employments) and end_date is null` },
  { name: 'organization list by type', sql: `select * from organizations where org_type = 'employer' order by id limit 50` },
  { name: 'contacts of an organization', sql: `select * from organization_contacts where organization_id = (select max(organization_id) from organization_contacts)` },
  { name: 'attachments of a member', sql: `select * from file_attachments where owner_type = 'member' and owner_id = (select max(owner_id) from file_attachments where owner_type = 'member')` },
];

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function walkPlan(node: PlanNode, out: string[], seq: string[]) {
  out.push(node['Index Name'] ? `${node['Node Type']} using ${node['Index Name']}` : node['Relation Name'] ? `${node['Node Type']} on ${node['Relation Name']}` : node['Node Type']);
  if (node['Node Type'] === 'Seq Scan' && node['Relation Name']) seq.push(node['Relation Name']);
  for (const p of node.Plans ?? []) walkPlan(p, out, seq);
}

async function timeQuery(db: Db, q: { name: string; sql: string }, runs: number): Promise<TimedQuery> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await sql.raw(q.sql).execute(db);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const { rows } = await sql<{ 'QUERY PLAN': Array<{ Plan: PlanNode; 'Execution Time': number }> }>`explain (analyze, format json) ${sql.raw(q.sql)}`.execute(db);
  const plan = rows[0]!['QUERY PLAN'][0]!;
  const nodes: string[] = [];
  const seq: string[] = [];
  walkPlan(plan.Plan, nodes, seq);
  return { name: q.name, sql: q.sql, median_ms: times[Math.floor(times.length / 2)]!, runs, execution_ms: plan['Execution Time'], plan_nodes: nodes, seq_scans: seq };
}

async function newestBackup(dir: string): Promise<ResilienceReport['backup']> {
  let names: string[] = [];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.dump'));
  } catch {
    return { dir, count: 0 };
  }
  let newest: ResilienceReport['backup']['newest'];
  for (const n of names) {
    const s = await stat(path.join(dir, n));
    const age = (Date.now() - s.mtimeMs) / 3_600_000;
    if (!newest || age < newest.age_hours) newest = { file: n, bytes: s.size, age_hours: age };
  }
  return { dir, newest, count: names.length };
}

export async function runResilience(db: Db, opts: ResilienceOptions): Promise<ResilienceReport> {
  const findings: string[] = [];
  const takenAt = new Date().toISOString();

  // Disk headroom: PostgreSQL's data directory (when the server is local and tells us) and FILES_DIR.
  const dataDir = await sql<{ d: string }>`select current_setting('data_directory', true) as d`
    .execute(db)
    .then((r) => r.rows[0]?.d ?? null)
    .catch(() => null);
  const disk = [await headroom('database data directory', dataDir ?? '(not visible to this role)')];
  if (!dataDir) disk[0] = { name: 'database data directory', path: '(not visible to this role)', error: 'data_directory not readable (needs pg_read_all_settings)' };
  disk.push(await headroom('files directory', opts.filesDir));
  for (const d of disk) {
    if (d.free_pct !== undefined && d.free_pct < 10) findings.push(`low disk headroom: ${d.name} ${d.path} has ${d.free_pct.toFixed(1)}% free`);
  }

  // Stored content: every referenced file stat'ed; whole-file sha256 of all (or a random sample).
  const scan = await scanContent(db, opts.filesDir, opts.sample ? { sample: opts.sample } : {});
  const content: ResilienceReport['content'] = {
    filesDir: scan.filesDir,
    referenced: scan.referenced,
    hashed: scan.hashed,
    hashedBytes: scan.hashedBytes,
    sampled: scan.sampled,
    error: scan.error,
    mode: opts.sample ? `sample of ${opts.sample}` : 'full',
    missing: scan.missing.map((c) => ({ sha256: c.sha256, path: contentPath(opts.filesDir, c.sha256), attachment_ids: c.attachment_ids })),
    mismatched: scan.mismatched.map((c) => ({ sha256: c.sha256, path: c.path, attachment_ids: c.attachment_ids, reason: c.reason })),
  };
  if (scan.error) findings.push(scan.error);
  for (const m of content.missing) findings.push(`missing content: ${m.path} (attachments ${m.attachment_ids.join(', ')})`);
  for (const m of content.mismatched) findings.push(`altered content: ${m.path} — ${m.reason} (attachments ${m.attachment_ids.join(', ')})`);

  const orphans = await orphanedFilesOnDisk(db, opts.filesDir);
  if (orphans.files.length) findings.push(`${orphans.files.length} file(s) on disk (${orphans.bytes} bytes) referenced by no attachment`);

  // Growth: add this run's snapshot, then the trend over the kept ones.
  const sizes = await sql<{ table: string; bytes: number; rows: number }>`
    select c.relname as table, pg_total_relation_size(c.oid)::bigint as bytes, coalesce(s.n_live_tup, greatest(c.reltuples, 0))::bigint as rows
      from pg_class c left join pg_stat_user_tables s on s.relid = c.oid
     where c.relkind = 'r' and c.relnamespace = current_schema()::regnamespace order by 2 desc`.execute(db);
  const dbBytes = Number((await sql<{ b: number }>`select pg_database_size(current_database())::bigint as b`.execute(db)).rows[0]!.b);
  await db
    .insertInto('db_growth_snapshots')
    .values({ database_bytes: dbBytes, tables: JSON.stringify(Object.fromEntries(sizes.rows.map((r) => [r.table, r.bytes]))) })
    .execute();
  const snaps = (await db.selectFrom('db_growth_snapshots').select(['taken_at', 'database_bytes']).orderBy('taken_at', 'desc').limit(30).execute()).reverse();
  let perDay: number | null = null;
  if (snaps.length >= 2) {
    const first = snaps[0]!;
    const last = snaps[snaps.length - 1]!;
    const days = (Date.parse(last.taken_at) - Date.parse(first.taken_at)) / 86_400_000;
    if (days > 0) perDay = (last.database_bytes - first.database_bytes) / days;
  }
  const dataFree = disk[0]?.free_bytes;
  const daysUntilFull = perDay && perDay > 0 && dataFree !== undefined ? dataFree / perDay : null;
  if (daysUntilFull !== null && daysUntilFull < 90) findings.push(`at the current growth the database disk is full in ${daysUntilFull.toFixed(0)} days`);

  const stale = (
    await sql<Record<string, number>>`select
      (select count(*) from file_attachments where sha256 is null and created_at < now() - interval '24 hours')::integer as pending_uploads_over_24h,
      (select count(*) from members where status = 'active' and deleted_at is null and updated_at < now() - interval '3 years')::integer as active_members_untouched_3y,
      (select count(*) from members where deleted_at < now() - interval '1 year')::integer as soft_deleted_over_1y,
      (select count(*) from students where status = 'applicant' and created_at < now() - interval '1 year')::integer as applicants_over_1y`.execute(db)
  ).rows[0]!;
  for (const [k, v] of Object.entries(stale)) if (v > 0) findings.push(`stale: ${v} ${k.replace(/_/g, ' ')}`);

  const heavy = await sql<{ member_id: number; jobs: number }>`
    select member_id::integer, count(*)::integer as jobs from member_employments group by member_id having count(*) > 200 order by jobs desc limit 20`.execute(db);
  if (heavy.rows.length) findings.push(`${heavy.rows.length} member(s) with more than 200 jobs (largest: member ${heavy.rows[0]!.member_id}, ${heavy.rows[0]!.jobs} jobs)`);
  const rate = (
    await sql<{ mean: number | null; stddev: number | null; p01: number | null; p99: number | null; beyond: number; ids: number[] | null }>`
      with s as (select avg(hourly_rate)::float8 as mean, stddev_pop(hourly_rate)::float8 as sd,
                        percentile_cont(0.01) within group (order by hourly_rate)::float8 as p01,
                        percentile_cont(0.99) within group (order by hourly_rate)::float8 as p99
                   from member_employments where hourly_rate is not null)
      select s.mean, s.sd as stddev, s.p01, s.p99,
             (select count(*) from member_employments e where abs(e.hourly_rate - s.mean) > 4 * s.sd)::integer as beyond,
             (select array_agg(id::integer order by id) from (select e.id from member_employments e where abs(e.hourly_rate - s.mean) > 4 * s.sd order by e.id limit 10) x) as ids
        from s`.execute(db)
  ).rows[0]!;
  if (rate.beyond > 0) findings.push(`${rate.beyond} hourly rate(s) more than 4 standard deviations from the mean (${rate.mean?.toFixed(2)})`);

  const queries: TimedQuery[] = [];
  for (const q of CANONICAL_QUERIES) queries.push(await timeQuery(db, q, opts.queryRuns ?? 5));
  for (const q of queries) {
    const bigSeq = q.seq_scans.filter((t) => (sizes.rows.find((r) => r.table === t)?.rows ?? 0) > 10_000);
    if (bigSeq.length) findings.push(`query "${q.name}" scans ${bigSeq.join(', ')} sequentially`);
  }

  const statsSince = (await sql<{ s: string | null }>`select stats_reset::text as s from pg_stat_database where datname = current_database()`.execute(db)).rows[0]?.s ?? null;
  const unused = await sql<{ table: string; index: string; bytes: number }>`
    select s.relname as table, s.indexrelname as index, pg_relation_size(s.indexrelid)::bigint as bytes
      from pg_stat_user_indexes s join pg_index i on i.indexrelid = s.indexrelid
     where s.idx_scan = 0 and not i.indisunique and not i.indisprimary
     order by bytes desc, s.indexrelname`.execute(db);

  const backup = await newestBackup(opts.backupDir);
  if (!backup.newest) findings.push(`no backup found in ${opts.backupDir} (run loadlab backup)`);
  else if (backup.newest.age_hours > 24) findings.push(`newest backup ${backup.newest.file} is ${backup.newest.age_hours.toFixed(0)} hours old`);

  return {
    taken_at: takenAt,
    disk,
    content,
    orphaned_files: { count: orphans.files.length, bytes: orphans.bytes, files: orphans.files.slice(0, 50), error: orphans.error },
    growth: {
      database_bytes: dbBytes,
      snapshots: snaps.map((s) => ({ taken_at: s.taken_at, database_bytes: s.database_bytes })),
      bytes_per_day: perDay,
      days_until_full: daysUntilFull,
      largest_tables: sizes.rows.slice(0, 8),
    },
    stale,
    outliers: {
      members_over_200_jobs: heavy.rows,
      rate: { mean: rate.mean, stddev: rate.stddev, p01: rate.p01, p99: rate.p99, beyond_4_sigma: rate.beyond, sample_ids: rate.ids ?? [] },
    },
    queries,
    unused_indexes: { stats_since: statsSince, indexes: unused.rows },
    backup,
    findings,
  };
}

const mb = (b: number | undefined) => (b === undefined ? '?' : `${(b / 1024 / 1024).toFixed(1)} MB`);

export function formatResilience(r: ResilienceReport): string {
  const out: string[] = [`Resilience report ${r.taken_at}`, ''];
  out.push('Disk headroom');
  for (const d of r.disk) out.push(d.error ? `  ${d.name}: ${d.path}: unknown (${d.error})` : `  ${d.name}: ${d.path}: ${mb(d.free_bytes)} free of ${mb(d.total_bytes)} (${d.free_pct!.toFixed(1)}%)`);
  out.push('', `Stored content (${r.content.filesDir})`);
  if (r.content.error) out.push(`  ${r.content.error}`);
  out.push(
    `  ${r.content.referenced} referenced file(s); sha256 of the whole file verified for ${r.content.hashed} (${mb(r.content.hashedBytes)}, ${r.content.mode}); missing ${r.content.missing.length}; altered ${r.content.mismatched.length}`,
  );
  for (const m of r.content.missing) out.push(`  MISSING ${m.path} (attachments ${m.attachment_ids.join(', ')})`);
  for (const m of r.content.mismatched) out.push(`  ALTERED ${m.path}: ${m.reason} (attachments ${m.attachment_ids.join(', ')})`);
  out.push(`  orphaned files on disk: ${r.orphaned_files.count} (${mb(r.orphaned_files.bytes)})${r.orphaned_files.error ? ` — ${r.orphaned_files.error}` : ''}`);
  for (const f of r.orphaned_files.files.slice(0, 10)) out.push(`    ${f}`);
  out.push('', 'Database growth');
  out.push(
    `  now ${mb(r.growth.database_bytes)}; ${r.growth.snapshots.length} snapshot(s); trend ${r.growth.bytes_per_day === null ? 'n/a (need two snapshots)' : `${mb(r.growth.bytes_per_day)} per day`}${r.growth.days_until_full !== null ? `; disk full in ${r.growth.days_until_full.toFixed(0)} days` : ''}`,
  );
  for (const t of r.growth.largest_tables) out.push(`  ${t.table.padEnd(24)} ${mb(t.bytes).padStart(10)}  ~${t.rows} rows`);
  out.push('', 'Stale records');
  for (const [k, v] of Object.entries(r.stale)) out.push(`  ${k.replace(/_/g, ' ').padEnd(32)} ${v}`);
  out.push('', 'Outliers');
  out.push(`  members with more than 200 jobs: ${r.outliers.members_over_200_jobs.length}${r.outliers.members_over_200_jobs.map((m) => ` ${m.member_id}(${m.jobs})`).join('')}`);
  const rt = r.outliers.rate;
  out.push(`  hourly rate: mean ${rt.mean?.toFixed(2) ?? '-'}, sd ${rt.stddev?.toFixed(2) ?? '-'}, p1 ${rt.p01?.toFixed(2) ?? '-'}, p99 ${rt.p99?.toFixed(2) ?? '-'}; beyond 4 sd: ${rt.beyond_4_sigma} ${rt.sample_ids.join(' ')}`);
  out.push('', 'Canonical queries (median of runs, then EXPLAIN ANALYZE)');
  for (const q of r.queries) out.push(`  ${q.name.padEnd(28)} ${q.median_ms.toFixed(2).padStart(8)} ms  exec ${q.execution_ms.toFixed(2)} ms  ${q.plan_nodes.join(' > ')}`);
  out.push('', `Unused indexes (idx_scan = 0 since ${r.unused_indexes.stats_since ?? 'statistics began'})`);
  if (!r.unused_indexes.indexes.length) out.push('  none');
  for (const i of r.unused_indexes.indexes) out.push(`  ${i.table}.${i.index} (${mb(i.bytes)})`);
  out.push('', 'Backups');
  out.push(r.backup.newest ? `  newest ${r.backup.newest.file}: ${r.backup.newest.age_hours.toFixed(1)} hours old, ${mb(r.backup.newest.bytes)} (${r.backup.count} in ${r.backup.dir})` : `  none in ${r.backup.dir}`);
  out.push('', `Findings (${r.findings.length})`);
  for (const f of r.findings) out.push(`  - ${f}`);
  if (!r.findings.length) out.push('  none');
  return out.join('\n');
}
