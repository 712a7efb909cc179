// The seeded data must be data a union officer would recognise: each rule of the seeding issue is
// checked with SQL over a freshly seeded dev data set (constraints are re-checked too: the seeder
// drops and rebuilds indexes and foreign keys, so the schema must come back exactly as migrated).
import { spawnSync } from 'node:child_process';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataPoolFile } from '../../load/lib/data-pool';
import { collectDbStats, renderDbStats } from '../../load/commands/db-stats';
import { MIME_BY_EXTENSION, SIZE_RANGES } from '../../seeds/file-kinds';
import { expectedRows, resolveProfile } from '../../seeds/profiles';
import { DEFAULT_AS_OF, seedDatabase, type SeedSummary } from '../../seeds/seed';
import { createTestDatabase, type TestDatabase } from '../support/database';

let t: TestDatabase;
let summary: SeedSummary;
let schemaBefore: string[];
let poolFile: string;
const profile = resolveProfile('dev');

async function schemaShape(): Promise<string[]> {
  const r = await sql<{ d: string }>`
    select 'index ' || indexname || ': ' || indexdef as d from pg_indexes where schemaname = 'public'
    union all
    select 'constraint ' || conrelid::regclass || '.' || conname || ': ' || pg_get_constraintdef(oid) from pg_constraint
     where connamespace = 'public'::regnamespace
    order by 1`.execute(t.db);
  return r.rows.map((x) => x.d);
}

async function one<T>(query: ReturnType<typeof sql<T>>): Promise<T> {
  const r = await query.execute(t.db);
  return r.rows[0]!;
}

beforeAll(async () => {
  t = await createTestDatabase();
  schemaBefore = await schemaShape();
  poolFile = path.join(mkdtempSync(path.join(tmpdir(), 'loadlab-pool-')), 'id-pool.json');
  summary = await seedDatabase(t.url, { profile: 'dev', seed: 46, truncate: false, poolFile });
});
afterAll(async () => t?.drop());

describe('shape of the dev profile', () => {
  it('has the profile counts for fixed-size tables and plausible totals for the random ones', async () => {
    const counts = await one(sql<Record<string, number>>`
      select (select count(*) from locations) as locations, (select count(*) from instructors) as instructors,
             (select count(*) from organizations) as organizations, (select count(*) from members) as members,
             (select count(*) from students) as students, (select count(*) from member_employments) as member_employments,
             (select count(*) from file_attachments) as file_attachments, (select count(*) from organization_contacts) as organization_contacts`);
    expect(Number(counts.locations)).toBe(profile.locations);
    expect(Number(counts.instructors)).toBe(profile.instructors);
    expect(Number(counts.organizations)).toBe(profile.employers + profile.otherOrganizations);
    expect(Number(counts.members)).toBe(profile.members);
    expect(Number(counts.students)).toBe(profile.students);
    const expected = expectedRows(profile);
    for (const table of ['member_employments', 'file_attachments', 'organization_contacts'] as const) {
      expect(Number(counts[table]), table).toBeGreaterThan(expected[table]! * 0.85);
      expect(Number(counts[table]), table).toBeLessThan(expected[table]! * 1.15);
    }
    expect(summary.rows.members).toBe(profile.members);
  });

  it('has 700:50 employers to other organizations scaled, with unions, training partners or JATCs', async () => {
    const r = await sql<{ org_type: string; n: number }>`select org_type, count(*) as n from organizations group by 1`.execute(t.db);
    const by = Object.fromEntries(r.rows.map((x) => [x.org_type, Number(x.n)]));
    expect(by.employer).toBe(profile.employers);
    expect((by.union ?? 0) + (by.training_partner ?? 0) + (by.jatc ?? 0)).toBe(profile.otherOrganizations);
  });

  it('gives every organization 2-4 contacts with exactly one primary', async () => {
    const bad = await one(sql<{ n: number }>`
      select count(*) as n from (
        select o.id, count(c.id) as contacts, count(c.id) filter (where c.is_primary) as primaries
          from organizations o left join organization_contacts c on c.organization_id = o.id group by o.id) x
       where contacts not between 2 and 4 or primaries <> 1`);
    expect(Number(bad.n)).toBe(0);
  });
});

describe('employment histories', () => {
  it('has 1-100 jobs per member, about 43 on average (triangular)', async () => {
    const r = await one(sql<{ lo: number; hi: number; mean: number; members: number }>`
      select min(n) as lo, max(n) as hi, avg(n)::float8 as mean, count(*) as members
        from (select m.id, count(e.id) as n from members m left join member_employments e on e.member_id = m.id group by m.id) x`);
    expect(Number(r.lo)).toBeGreaterThanOrEqual(1);
    expect(Number(r.hi)).toBeLessThanOrEqual(100);
    expect(r.mean).toBeGreaterThan(38);
    expect(r.mean).toBeLessThan(48);
  });

  it('is sequential and non-overlapping from the hire date to the as-of date', async () => {
    const r = await one(sql<{ overlaps: number; before_hire: number; first_not_at_hire: number; after_as_of: number; reversed: number }>`
      with j as (
        select e.*, m.hire_date,
               lag(e.end_date) over w as prev_end, lag(e.id) over w as prev_id,
               row_number() over w as k
          from member_employments e join members m on m.id = e.member_id
        window w as (partition by e.member_id order by e.start_date, e.id))
      select count(*) filter (where prev_id is not null and (prev_end is null or start_date <= prev_end)) as overlaps,
             count(*) filter (where start_date < hire_date) as before_hire,
             count(*) filter (where k = 1 and start_date <> hire_date) as first_not_at_hire,
             count(*) filter (where coalesce(end_date, start_date) > ${DEFAULT_AS_OF}::date) as after_as_of,
             count(*) filter (where end_date < start_date) as reversed
        from j`);
    expect(r).toEqual({ overlaps: 0, before_hire: 0, first_not_at_hire: 0, after_as_of: 0, reversed: 0 });
  });

  it('has at most one current job per member, it is the latest, and none for retired or deceased members', async () => {
    const r = await one(sql<{ multi: number; not_latest: number; retired_current: number; active_current: number; active: number }>`
      select
        (select count(*) from (select member_id from member_employments where end_date is null group by 1 having count(*) > 1) x) as multi,
        (select count(*) from member_employments c where c.end_date is null
           and exists (select 1 from member_employments l where l.member_id = c.member_id and l.start_date > c.start_date)) as not_latest,
        (select count(*) from member_employments e join members m on m.id = e.member_id
          where e.end_date is null and m.status in ('retired', 'deceased')) as retired_current,
        (select count(distinct e.member_id) from member_employments e join members m on m.id = e.member_id
          where e.end_date is null and m.status = 'active') as active_current,
        (select count(*) from members where status = 'active') as active`);
    expect(Number(r.multi)).toBe(0);
    expect(Number(r.not_latest)).toBe(0);
    expect(Number(r.retired_current)).toBe(0);
    // Most active members are working; some are on the bench.
    expect(Number(r.active_current) / Number(r.active)).toBeGreaterThan(0.75);
    expect(Number(r.active_current)).toBeLessThan(Number(r.active));
  });

  it('places jobs only at employers', async () => {
    const r = await one(sql<{ n: number }>`
      select count(*) as n from member_employments e join organizations o on o.id = e.organization_id where o.org_type <> 'employer'`);
    expect(Number(r.n)).toBe(0);
  });

  it('returns to an earlier employer in about a fifth of later jobs', async () => {
    // Jobs 2..20 of each career: the dev profile's 35 shops are never all used up that early, so the
    // share is the generator's 20% choice (the other 80% go to a shop new to the member).
    const r = await one(sql<{ share: number; jobs: number }>`
      with j as (
        select row_number() over (partition by member_id order by start_date) as k,
               row_number() over (partition by member_id, organization_id order by start_date) as visit
          from member_employments)
      select avg(case when visit > 1 then 1 else 0 end)::float8 as share, count(*) as jobs from j where k between 2 and 20`);
    expect(Number(r.jobs)).toBeGreaterThan(1000);
    expect(r.share).toBeGreaterThan(0.17);
    expect(r.share).toBeLessThan(0.23);
  });

  it('keeps hourly rates in range with two decimals', async () => {
    const r = await one(sql<{ lo: number; hi: number; frac: number }>`
      select min(hourly_rate) as lo, max(hourly_rate) as hi,
             count(*) filter (where hourly_rate <> round(hourly_rate, 2)) as frac from member_employments`);
    expect(Number(r.lo)).toBeGreaterThanOrEqual(10);
    expect(Number(r.hi)).toBeLessThanOrEqual(250);
    expect(Number(r.frac)).toBe(0);
  });
});

describe('members', () => {
  it('were hired after their 18th birthday', async () => {
    const r = await one(sql<{ n: number }>`select count(*) as n from members where hire_date <= date_of_birth + interval '18 years'`);
    expect(Number(r.n)).toBe(0);
  });

  it('have a classification consistent with years of service', async () => {
    // Service runs to the as-of date for active members, to the end of the last job otherwise.
    const r = await sql<{ classification: string; years: number; n: number }>`
      with s as (
        select m.classification,
               floor(((case when m.status = 'active' then ${DEFAULT_AS_OF}::date
                            else (select max(coalesce(e.end_date, ${DEFAULT_AS_OF}::date)) from member_employments e where e.member_id = m.id) end)
                      - m.hire_date) / 365.25)::int as years
          from members m)
      select classification, years, count(*) as n from s group by 1, 2`.execute(t.db);
    const wrong = r.rows.filter((x) => {
      const m = /^apprentice_(\d)$/.exec(x.classification);
      return m ? x.years !== Number(m[1]) - 1 : x.years < 5;
    });
    expect(wrong).toEqual([]);
    expect(r.rows.some((x) => x.classification.startsWith('apprentice_'))).toBe(true);
    expect(r.rows.some((x) => x.classification === 'journeyman')).toBe(true);
  });

  it('include about a fifth apprentices among working members, with fewer jobs than journeymen', async () => {
    const r = await one(sql<{ share: number; apprentice_jobs: number; journey_jobs: number }>`
      with m as (select m.id, m.classification::text like 'apprentice_%' as apprentice, (select count(*) from member_employments e where e.member_id = m.id) as jobs
                   from members m where status in ('active', 'inactive', 'suspended'))
      select avg(case when apprentice then 1 else 0 end)::float8 as share,
             avg(jobs) filter (where apprentice)::float8 as apprentice_jobs, avg(jobs) filter (where not apprentice)::float8 as journey_jobs from m`);
    expect(r.share).toBeGreaterThan(0.1);
    expect(r.share).toBeLessThan(0.3);
    expect(r.apprentice_jobs).toBeLessThan(r.journey_jobs / 2);
  });

  it('have unique 7-digit member numbers and a mix of statuses', async () => {
    const r = await one(sql<{ n: number; distinct_numbers: number; bad: number; statuses: number }>`
      select count(*) as n, count(distinct member_number) as distinct_numbers,
             count(*) filter (where member_number !~ '^[1-9][0-9]{6}$') as bad, count(distinct status) as statuses from members`);
    expect(Number(r.distinct_numbers)).toBe(Number(r.n));
    expect(Number(r.bad)).toBe(0);
    expect(Number(r.statuses)).toBe(5);
  });
});

describe('students and cohorts', () => {
  it('links some students to apprentice members and puts non-applicants in cohorts', async () => {
    const r = await one(sql<{ linked: number; linked_not_apprentice: number; applicants_in_cohort: number; others_without_cohort: number; name_mismatch: number }>`
      select count(s.member_id) as linked,
             count(*) filter (where s.member_id is not null and m.classification::text not like 'apprentice_%') as linked_not_apprentice,
             count(*) filter (where s.status = 'applicant' and s.cohort_id is not null) as applicants_in_cohort,
             count(*) filter (where s.status <> 'applicant' and s.cohort_id is null) as others_without_cohort,
             count(*) filter (where s.member_id is not null and (s.first_name, s.last_name) <> (m.first_name, m.last_name)) as name_mismatch
        from students s left join members m on m.id = s.member_id`);
    expect(Number(r.linked)).toBeGreaterThan(0);
    expect(Number(r.linked_not_apprentice)).toBe(0);
    expect(Number(r.applicants_in_cohort)).toBe(0);
    expect(Number(r.others_without_cohort)).toBe(0);
    expect(Number(r.name_mismatch)).toBe(0);
  });
});

describe('file attachments', () => {
  it('has files for members (1-20), students (5-15), organizations (2-10) and grievances', async () => {
    const r = await sql<{ owner_type: string; lo: number; hi: number; owners: number }>`
      select owner_type, min(n) as lo, max(n) as hi, count(*) as owners
        from (select owner_type, owner_id, count(*) as n from file_attachments group by 1, 2) x group by 1`.execute(t.db);
    const by = Object.fromEntries(r.rows.map((x) => [x.owner_type, x]));
    expect(Number(by.member!.owners)).toBe(profile.members);
    expect([Number(by.member!.lo), Number(by.member!.hi)]).toSatisfy(([lo, hi]: number[]) => lo! >= 1 && hi! <= 20);
    expect(Number(by.student!.owners)).toBe(profile.students);
    expect([Number(by.student!.lo), Number(by.student!.hi)]).toSatisfy(([lo, hi]: number[]) => lo! >= 5 && hi! <= 15);
    expect(Number(by.organization!.owners)).toBe(profile.employers + profile.otherOrganizations);
    expect([Number(by.organization!.lo), Number(by.organization!.hi)]).toSatisfy(([lo, hi]: number[]) => lo! >= 2 && hi! <= 10);
    expect(Number(by.grievance!.owners)).toBe(profile.grievances);
  });

  it('attaches only to owners that exist', async () => {
    const r = await one(sql<{ n: number }>`
      select count(*) as n from file_attachments f
       where (f.owner_type = 'member' and not exists (select 1 from members m where m.id = f.owner_id))
          or (f.owner_type = 'student' and not exists (select 1 from students s where s.id = f.owner_id))
          or (f.owner_type = 'organization' and not exists (select 1 from organizations o where o.id = f.owner_id))`);
    expect(Number(r.n)).toBe(0);
  });

  it('uses the MIME type of the file extension', async () => {
    const r = await sql<{ ext: string; mime_type: string }>`
      select distinct lower(substring(file_name from '\.([A-Za-z0-9]+)$')) as ext, mime_type from file_attachments`.execute(t.db);
    expect(r.rows.length).toBeGreaterThan(3);
    for (const row of r.rows) expect(row.mime_type, row.ext).toBe(MIME_BY_EXTENSION[row.ext]);
  });

  it('has realistic sizes: camera photos 2.5-5.5 MB, scanned PDFs 0.2-2 MB, documents 50 KB-5 MB', async () => {
    const r = await sql<{ kind: string; lo: number; hi: number; n: number }>`
      select case when mime_type = 'image/jpeg' then 'camera_photo'
                  when category in ('id_document', 'certification', 'dispatch_slip', 'transcript', 'insurance_certificate', 'signatory_agreement', 'grievance_form') then 'scanned_pdf'
                  else 'document' end as kind,
             min(size_bytes) as lo, max(size_bytes) as hi, count(*) as n
        from file_attachments group by 1`.execute(t.db);
    const ranges: Record<string, [number, number]> = {
      camera_photo: SIZE_RANGES.camera_photo,
      scanned_pdf: SIZE_RANGES.scanned_pdf,
      document: SIZE_RANGES.word_document,
    };
    expect(r.rows.map((x) => x.kind).sort()).toEqual(['camera_photo', 'document', 'scanned_pdf']);
    for (const row of r.rows) {
      expect(Number(row.lo), row.kind).toBeGreaterThanOrEqual(ranges[row.kind]![0] - 1);
      expect(Number(row.hi), row.kind).toBeLessThanOrEqual(ranges[row.kind]![1] + 1);
    }
  });

  it('leaves sha256 and storage_key null without --with-files', async () => {
    const r = await one(sql<{ n: number }>`select count(*) as n from file_attachments where sha256 is not null or storage_key is not null`);
    expect(Number(r.n)).toBe(0);
  });
});

describe('timestamps', () => {
  it('are generated (not now()): created_at <= updated_at, none after the as-of day', async () => {
    for (const table of ['locations', 'instructors', 'organizations', 'organization_contacts', 'members', 'member_employments', 'cohorts', 'students', 'file_attachments'] as const) {
      const r = await one(sql<{ bad: number; n: number }>`
        select count(*) filter (where created_at > updated_at or updated_at >= ${DEFAULT_AS_OF}::date + 1) as bad, count(*) as n
          from ${sql.table(table)}`);
      expect(Number(r.n), table).toBeGreaterThan(0);
      expect(Number(r.bad), table).toBe(0);
    }
  });
});

describe('after the load', () => {
  it('restores every index and constraint exactly as migrated', async () => {
    expect(await schemaShape()).toEqual(schemaBefore);
  });

  it('still enforces one primary contact and one current job (the rebuilt partial unique indexes)', async () => {
    const org = await one(sql<{ organization_id: number }>`select organization_id from organization_contacts where is_primary limit 1`);
    await expect(
      t.db.insertInto('organization_contacts').values({ organization_id: org.organization_id, first_name: 'A', last_name: 'B', is_primary: true }).execute(),
    ).rejects.toMatchObject({ constraint: 'organization_contacts_one_primary_idx' });
    const job = await one(sql<{ member_id: number; organization_id: number }>`select member_id, organization_id from member_employments where end_date is null limit 1`);
    await expect(
      t.db.insertInto('member_employments').values({ member_id: job.member_id, organization_id: job.organization_id, start_date: '2026-11-23' }).execute(),
    ).rejects.toMatchObject({ constraint: 'member_employments_one_current_idx' });
  });

  it('moves identity sequences past the seeded ids', async () => {
    const row = await t.db
      .insertInto('members')
      .values({ member_number: 'NEW-1', first_name: 'New', last_name: 'Member', classification: 'apprentice_1' })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(row.id).toBe(profile.members + 1);
    await t.db.deleteFrom('members').where('id', '=', row.id).execute();
  });

  it('writes an id pool of rows that exist, in the DataPoolFile shape', async () => {
    const pool = JSON.parse(readFileSync(poolFile, 'utf8')) as DataPoolFile;
    expect(Object.keys(pool).sort()).toEqual(['employerIds', 'fileIds', 'memberIds', 'names', 'organizationIds', 'searchPrefixes', 'studentIds']);
    expect(pool.memberIds.length).toBe(profile.members);
    const employers = await sql<{ n: number }>`select count(*) as n from organizations where org_type = 'employer' and id = any(${pool.employerIds})`.execute(t.db);
    expect(Number(employers.rows[0]!.n)).toBe(pool.employerIds.length);
    const files = await sql<{ n: number }>`select count(*) as n from file_attachments where id = any(${pool.fileIds})`.execute(t.db);
    expect(Number(files.rows[0]!.n)).toBe(pool.fileIds.length);
    expect(pool.names.length).toBeGreaterThan(0);
    const prefix = pool.searchPrefixes[0]!;
    const hits = await sql<{ n: number }>`select count(*) as n from members where lower(last_name) like ${`${prefix}%`}`.execute(t.db);
    expect(Number(hits.rows[0]!.n)).toBeGreaterThan(0);
  });

  it('db-stats reports the rows per table and totals that add up', async () => {
    const stats = await collectDbStats(t.db);
    const members = stats.tables.find((x) => x.table === 'members')!;
    expect(members.rows).toBe(profile.members);
    expect(members.totalBytes).toBeGreaterThanOrEqual(members.tableBytes + members.indexBytes);
    expect(members.bytesPerRow).toBe(Math.round(members.totalBytes / members.rows));
    expect(stats.totals.rows).toBe(stats.tables.reduce((a, x) => a + x.rows, 0));
    expect(renderDbStats(stats)).toMatch(/^TOTAL\s+[\d,]+/m);
    const run = spawnSync(process.execPath, ['bin/loadlab.mjs', 'db-stats'], { env: { ...process.env, DATABASE_URL: t.url }, encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^members\\s+${profile.members}\\s+[\\d.]+ [KM]B\\s+[\\d.]+ [KM]B\\s+[\\d.]+ [KM]B\\s+[\\d,]+\\s+[\\d.]+%$`, 'm'));
    expect(run.stdout).toMatch(/^TOTAL\s+[\d,]+/m);
  });
});
