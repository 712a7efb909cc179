// inject-anomalies: plant each kind of anomaly the checker knows, so heal can be tested on real
// rows — the tool the old system lacked when its foreign keys "blocked error injection".
//
// Each planted anomaly gets its own small fixture (a member with one clean job at an employer that
// has exactly one primary contact), then one thing is broken. Constraints are bypassed honestly and
// visibly, never silently:
//   - foreign keys: `set local session_replication_role = replica` in the planting transaction only
//     (FK triggers do not fire; needs a superuser, which the embedded PostgreSQL is);
//   - CHECK constraints: dropped and re-added NOT VALID in the same transaction (new writes are
//     checked again at once; old rows are not) — `schema_guard_missing` reports the NOT VALID guard;
//   - partial unique indexes (one primary contact, one current job) cannot hold duplicates at all:
//     the index is dropped, and stays dropped until heal has repaired the rows and recreates it;
//     `schema_guard_missing` reports it as missing (critical) meanwhile.
// Every kind returns the ids it planted per check, so tests can demand that integrity finds
// exactly these rows.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../server/db/schema';
import { CHECK_IDS, type RowId } from './checks';
import { contentPath } from './file-store';
import type { Db } from './sql-helpers';

type Trx = Transaction<Database>;

export interface PlantContext {
  filesDir: string;
  /** Distinguishes the fixture rows of one run (member numbers, names). */
  tag: string;
}

/** Planted ids per check id (a kind may also break a schema guard). */
export type Findings = Record<string, RowId[]>;

interface AnomalyKind {
  /** What is planted, in words. */
  description: string;
  /** How constraints are bypassed, if at all. */
  bypass?: string;
  plant(trx: Trx, ctx: PlantContext, i: number, env: Env): Promise<Findings>;
  /** Runs once per batch inside the transaction, before planting (constraint bypass). */
  before?(trx: Trx): Promise<void>;
  after?(trx: Trx): Promise<void>;
  replica?: boolean;
}

interface Env {
  employerId: number;
  nonEmployerId: number;
  missingMemberBase: number;
  missingOrgBase: number;
  missingStudentBase: number;
}

async function value<T>(trx: Trx, query: ReturnType<typeof sql<T>>): Promise<T> {
  const { rows } = await query.execute(trx);
  if (!rows[0]) throw new Error('expected a row');
  return rows[0];
}

async function insertMember(trx: Trx, ctx: PlantContext, label: string, cols: { status?: string; dob?: string | null; hire?: string | null } = {}): Promise<number> {
  const number = `ANOM-${ctx.tag}-${label}`;
  const r = await value(
    trx,
    sql<{ id: number }>`insert into members (member_number, first_name, last_name, classification, status, date_of_birth, hire_date)
      values (${number}, 'Fixture', ${label}, 'journeyman', ${cols.status ?? 'active'}::member_status,
              ${cols.dob === undefined ? '1975-01-01' : cols.dob}::date, ${cols.hire === undefined ? '2000-01-01' : cols.hire}::date)
      returning id`,
  );
  return r.id;
}

async function insertJob(trx: Trx, memberId: number, orgId: number, start: string, end: string | null, rate = 30): Promise<number> {
  const r = await value(
    trx,
    sql<{ id: number }>`insert into member_employments (member_id, organization_id, job_title, start_date, end_date, hourly_rate)
      values (${memberId}, ${orgId}, 'Inside wireman', ${start}::date, ${end}::date, ${rate}) returning id`,
  );
  return r.id;
}

/** A member with one clean job (2001-01-01 .. 2005-12-31 unless told otherwise). */
async function fixture(trx: Trx, ctx: PlantContext, env: Env, label: string, job: { start?: string; end?: string | null; orgId?: number } = {}, member: Parameters<typeof insertMember>[3] = {}) {
  const memberId = await insertMember(trx, ctx, label, member);
  const jobId = await insertJob(trx, memberId, job.orgId ?? env.employerId, job.start ?? '2001-01-01', job.end === undefined ? '2005-12-31' : job.end);
  return { memberId, jobId };
}

async function insertOrg(trx: Trx, name: string, type: string): Promise<number> {
  return (await value(trx, sql<{ id: number }>`insert into organizations (name, org_type) values (${name}, ${type}::org_type) returning id`)).id;
}

async function insertContact(trx: Trx, orgId: number, primary: boolean, last = 'Contact'): Promise<number> {
  return (
    await value(
      trx,
      sql<{ id: number }>`insert into organization_contacts (organization_id, first_name, last_name, is_primary) values (${orgId}, 'Fixture', ${last}, ${primary}) returning id`,
    )
  ).id;
}

async function insertAttachment(trx: Trx, ownerType: string, ownerId: number, cols: { sha256?: string | null; size?: number | null; createdAt?: string } = {}): Promise<number> {
  return (
    await value(
      trx,
      sql<{ id: number }>`insert into file_attachments (owner_type, owner_id, category, file_name, mime_type, size_bytes, sha256, storage_key, created_at)
        values (${ownerType}::file_owner_type, ${ownerId}, 'fixture', 'fixture.pdf', 'application/pdf', ${cols.size ?? null}, ${cols.sha256 ?? null},
                ${cols.sha256 ?? null}, coalesce(${cols.createdAt ?? null}::timestamptz, now())) returning id`,
    )
  ).id;
}

const dropCheck = (table: string, name: string) => async (trx: Trx) => {
  await sql`alter table ${sql.table(table)} drop constraint if exists ${sql.id(name)}`.execute(trx);
};
const addCheckNotValid = (table: string, name: string, definition: string) => async (trx: Trx) => {
  await sql`alter table ${sql.table(table)} add constraint ${sql.id(name)} ${sql.raw(definition)} not valid`.execute(trx);
};
const dropIndex = (name: string) => async (trx: Trx) => {
  await sql`drop index if exists ${sql.id(name)}`.execute(trx);
};
/** The exclusion constraint refuses overlapping jobs (and cannot be re-added NOT VALID): dropped, heal re-adds it. */
const NO_OVERLAP = 'member_employments_no_overlap';
const dropNoOverlap = dropCheck('member_employments', NO_OVERLAP);
const both =
  (...steps: ((trx: Trx) => Promise<void>)[]) =>
  async (trx: Trx) => {
    for (const step of steps) await step(trx);
  };

export const ANOMALY_KINDS: Record<string, AnomalyKind> = {
  employment_member_missing: {
    description: 'an employment pointing at a member id that does not exist',
    bypass: 'session_replication_role = replica (FK triggers off)',
    replica: true,
    async plant(trx, _ctx, i, env) {
      const id = await insertJob(trx, env.missingMemberBase + i, env.employerId, '2001-01-01', '2005-12-31');
      return { employment_member_missing: [id] };
    },
  },
  employment_organization_missing: {
    description: "a member's job moved to an organization id that does not exist",
    bypass: 'session_replication_role = replica (FK triggers off)',
    replica: true,
    async plant(trx, ctx, i, env) {
      const { jobId } = await fixture(trx, ctx, env, `orgmissing-${i}`);
      await sql`update member_employments set organization_id = ${env.missingOrgBase + i} where id = ${jobId}`.execute(trx);
      return { employment_organization_missing: [jobId] };
    },
  },
  contact_organization_missing: {
    description: 'a contact of an organization id that does not exist',
    bypass: 'session_replication_role = replica (FK triggers off)',
    replica: true,
    async plant(trx, _ctx, i, env) {
      return { contact_organization_missing: [await insertContact(trx, env.missingOrgBase + i, false, `orphan-${i}`)] };
    },
  },
  attachment_owner_missing: {
    description: 'a file attachment of a member / organization id that does not exist (no FK: polymorphic owner)',
    async plant(trx, _ctx, i, env) {
      const ownerType = i % 2 === 0 ? 'member' : 'organization';
      const owner = ownerType === 'member' ? env.missingMemberBase + i : env.missingOrgBase + i;
      return { attachment_owner_missing: [await insertAttachment(trx, ownerType, owner)] };
    },
  },
  student_member_missing: {
    description: 'a student linked to a soft-deleted member (even i) or to a member id that does not exist (odd i)',
    bypass: 'session_replication_role = replica for the missing member',
    replica: true,
    async plant(trx, ctx, i, env) {
      let memberId = env.missingStudentBase + i;
      if (i % 2 === 0) {
        memberId = (await fixture(trx, ctx, env, `student-${i}`)).memberId;
        await sql`update members set deleted_at = now() where id = ${memberId}`.execute(trx);
      }
      const number = `ANOM-${ctx.tag}-S${i}`;
      const r = await value(
        trx,
        sql<{ id: number }>`insert into students (student_number, first_name, last_name, email, status, member_id)
          values (${number}, 'Fixture', 'Student', ${`${number.toLowerCase()}@fixture.invalid`}, 'enrolled', ${memberId}) returning id`,
      );
      return { student_member_missing: [r.id] };
    },
  },
  employment_open_for_deleted_member: {
    description: 'a soft-deleted member who still has a current job',
    async plant(trx, ctx, i, env) {
      const { memberId, jobId } = await fixture(trx, ctx, env, `deleted-${i}`, { end: null });
      await sql`update members set deleted_at = now() where id = ${memberId}`.execute(trx);
      return { employment_open_for_deleted_member: [jobId] };
    },
  },
  member_inactive_with_current_job: {
    description: 'a deceased (even i) or retired (odd i) member with a current job',
    async plant(trx, ctx, i, env) {
      const { jobId } = await fixture(trx, ctx, env, `inactive-${i}`, { end: null }, { status: i % 2 === 0 ? 'deceased' : 'retired' });
      return { member_inactive_with_current_job: [jobId] };
    },
  },
  employment_multiple_current: {
    description: 'a member with two current jobs',
    bypass: `drops the unique index member_employments_one_current_idx and the exclusion constraint ${NO_OVERLAP} (heal recreates both)`,
    before: both(dropIndex('member_employments_one_current_idx'), dropNoOverlap),
    async plant(trx, ctx, i, env) {
      const { memberId, jobId } = await fixture(trx, ctx, env, `twocurrent-${i}`, { end: null });
      await insertJob(trx, memberId, env.employerId, '2010-01-01', null);
      return { employment_multiple_current: [jobId], schema_guard_missing: ['member_employments_one_current_idx', NO_OVERLAP] };
    },
  },
  employment_end_before_start: {
    description: 'a job ending before it starts',
    bypass: 'check member_employments_end_after_start dropped and re-added NOT VALID',
    before: dropCheck('member_employments', 'member_employments_end_after_start'),
    after: addCheckNotValid('member_employments', 'member_employments_end_after_start', 'check (end_date >= start_date)'),
    async plant(trx, ctx, i, env) {
      const { jobId } = await fixture(trx, ctx, env, `endbeforestart-${i}`, { end: '2000-06-30' });
      return { employment_end_before_start: [jobId], schema_guard_missing: ['member_employments_end_after_start'] };
    },
  },
  employment_overlap: {
    description: 'a member with two overlapping jobs (2001–2005 and 2004–2008)',
    bypass: `drops the exclusion constraint ${NO_OVERLAP} (heal re-adds it once the overlaps are repaired)`,
    before: dropNoOverlap,
    async plant(trx, ctx, i, env) {
      const { memberId, jobId } = await fixture(trx, ctx, env, `overlap-${i}`);
      await insertJob(trx, memberId, env.employerId, '2004-01-01', '2008-12-31');
      return { employment_overlap: [jobId], schema_guard_missing: [NO_OVERLAP] };
    },
  },
  employment_rate_out_of_range: {
    description: 'an hourly rate of 2500 (even i) or 5 (odd i)',
    bypass: 'check member_employments_rate_range dropped and re-added NOT VALID',
    before: dropCheck('member_employments', 'member_employments_rate_range'),
    after: addCheckNotValid('member_employments', 'member_employments_rate_range', 'check (hourly_rate between 10 and 250)'),
    async plant(trx, ctx, i, env) {
      const { jobId } = await fixture(trx, ctx, env, `rate-${i}`);
      await sql`update member_employments set hourly_rate = ${i % 2 === 0 ? 2500 : 5} where id = ${jobId}`.execute(trx);
      return { employment_rate_out_of_range: [jobId], schema_guard_missing: ['member_employments_rate_range'] };
    },
  },
  employment_before_hire: {
    description: 'a job starting in 1999, before the 2000-01-01 hire date',
    async plant(trx, ctx, i, env) {
      const { memberId } = await fixture(trx, ctx, env, `beforehire-${i}`, { start: '1999-01-01' });
      return { employment_before_hire: [memberId] };
    },
  },
  employment_at_non_employer: {
    description: 'a job at a union (not an employer)',
    async plant(trx, ctx, i, env) {
      const { jobId } = await fixture(trx, ctx, env, `nonemployer-${i}`, { orgId: env.nonEmployerId });
      return { employment_at_non_employer: [jobId] };
    },
  },
  member_impossible_dates: {
    description: 'a member born in the future (even i) or hired before birth (odd i)',
    bypass: 'odd i: check members_hire_after_birth dropped and re-added NOT VALID',
    async plant(trx, ctx, i, env): Promise<Findings> {
      if (i % 2 === 0) {
        const { memberId } = await fixture(trx, ctx, env, `future-${i}`, {}, { dob: '2099-01-01', hire: null });
        return { member_impossible_dates: [memberId] };
      }
      await dropCheck('members', 'members_hire_after_birth')(trx);
      const { memberId } = await fixture(trx, ctx, env, `hirebeforebirth-${i}`, {}, { dob: '2005-01-01', hire: '2000-01-01' });
      await addCheckNotValid('members', 'members_hire_after_birth', 'check (hire_date > date_of_birth)')(trx);
      return { member_impossible_dates: [memberId], schema_guard_missing: ['members_hire_after_birth'] };
    },
  },
  active_member_without_history: {
    description: 'an active member with no employment history',
    async plant(trx, ctx, i) {
      return { active_member_without_history: [await insertMember(trx, ctx, `nohistory-${i}`)] };
    },
  },
  employer_without_primary_contact: {
    description: 'an employer with two contacts, neither primary',
    async plant(trx, ctx, i) {
      const orgId = await insertOrg(trx, `Fixture Employer ${ctx.tag} ${i}`, 'employer');
      await insertContact(trx, orgId, false, 'First');
      await insertContact(trx, orgId, false, 'Second');
      return { employer_without_primary_contact: [orgId] };
    },
  },
  organization_multiple_primary: {
    description: 'an employer with two primary contacts',
    bypass: 'drops the unique index organization_contacts_one_primary_idx (heal recreates it)',
    before: dropIndex('organization_contacts_one_primary_idx'),
    async plant(trx, ctx, i) {
      const orgId = await insertOrg(trx, `Fixture Two Primaries ${ctx.tag} ${i}`, 'employer');
      await insertContact(trx, orgId, true, 'Primary');
      const second = await insertContact(trx, orgId, true, 'AlsoPrimary');
      return { organization_multiple_primary: [second], schema_guard_missing: ['organization_contacts_one_primary_idx'] };
    },
  },
  attachment_upload_stale: {
    description: 'an attachment row created 3 days ago whose content was never uploaded',
    async plant(trx, _ctx, _i, env) {
      const created = new Date(Date.now() - 3 * 86_400_000).toISOString();
      return { attachment_upload_stale: [await insertAttachment(trx, 'organization', env.employerId, { createdAt: created })] };
    },
  },
  file_content_missing: {
    description: 'an attachment whose content file is not on disk',
    async plant(trx, _ctx, _i, env) {
      const sha = createHash('sha256').update(randomBytes(64)).digest('hex');
      return { file_content_missing: [await insertAttachment(trx, 'organization', env.employerId, { sha256: sha, size: 64 })] };
    },
  },
  file_content_mismatch: {
    description: 'an attachment whose content on disk has one byte flipped (same size, other sha256)',
    async plant(trx, ctx, _i, env) {
      const content = randomBytes(4096);
      const sha = createHash('sha256').update(content).digest('hex');
      const altered = Buffer.from(content);
      altered[100] = altered[100]! ^ 0xff;
      const file = contentPath(ctx.filesDir, sha);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, altered);
      return { file_content_mismatch: [await insertAttachment(trx, 'organization', env.employerId, { sha256: sha, size: content.length })] };
    },
  },
};

export const ANOMALY_KIND_IDS = Object.keys(ANOMALY_KINDS);

// Every anomaly kind is named after the check that must find it; only the schema guard has none
// of its own (it is broken by the bypassing kinds).
for (const k of ANOMALY_KIND_IDS) if (!CHECK_IDS.includes(k)) throw new Error(`anomaly kind ${k} has no check`);

export function resolveKinds(kinds: readonly string[] | undefined): string[] {
  if (!kinds || kinds.length === 0) return [...ANOMALY_KIND_IDS];
  const unknown = kinds.filter((k) => !ANOMALY_KINDS[k]);
  if (unknown.length) throw new Error(`unknown anomaly kind ${unknown.map((u) => `'${u}'`).join(', ')} (known: ${ANOMALY_KIND_IDS.join(', ')})`);
  return [...kinds];
}

async function environment(trx: Trx, ctx: PlantContext): Promise<Env> {
  const employer = await trx
    .selectFrom('organizations as o')
    .select('o.id')
    .where('o.org_type', '=', 'employer')
    .where(
      (eb) =>
        eb
          .selectFrom('organization_contacts as c')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('c.organization_id', '=', 'o.id')
          .where('c.is_primary', '=', true),
      '=',
      1,
    )
    .orderBy('o.id')
    .limit(1)
    .executeTakeFirst();
  let employerId = employer?.id;
  if (!employerId) {
    employerId = await insertOrg(trx, `Fixture Clean Employer ${ctx.tag}`, 'employer');
    await insertContact(trx, employerId, true, 'Primary');
  }
  const nonEmployer = await trx.selectFrom('organizations').select('id').where('org_type', '<>', 'employer').orderBy('id').limit(1).executeTakeFirst();
  const nonEmployerId = nonEmployer?.id ?? (await insertOrg(trx, `Fixture Union Hall ${ctx.tag}`, 'union'));
  const max = await value(
    trx,
    sql<{ m: number; o: number }>`select coalesce((select max(id) from members), 0)::integer as m, coalesce((select max(id) from organizations), 0)::integer as o`,
  );
  // Ids far above anything the identity columns will hand out during a test or bench.
  return { employerId, nonEmployerId, missingMemberBase: max.m + 10_000_000, missingOrgBase: max.o + 10_000_000, missingStudentBase: max.m + 20_000_000 };
}

export interface PlantedKind {
  kind: string;
  description: string;
  bypass?: string;
  findings: Findings;
}

/** Plant `count` anomalies of each kind; one transaction per kind (all or nothing per kind). */
export async function plantAnomalies(db: Db, kinds: readonly string[], count: number, opts: { filesDir: string; tag?: string }): Promise<PlantedKind[]> {
  const ctx: PlantContext = { filesDir: opts.filesDir, tag: opts.tag ?? randomBytes(3).toString('hex') };
  const out: PlantedKind[] = [];
  for (const kind of resolveKinds(kinds)) {
    const def = ANOMALY_KINDS[kind]!;
    const findings = await plantKind(db, kind, def, ctx, count);
    out.push({ kind, description: def.description, bypass: def.bypass, findings });
  }
  return out;
}

async function plantKind(db: Db, kind: string, def: AnomalyKind, ctx: PlantContext, count: number): Promise<Findings> {
  try {
    return await db.transaction().execute(async (trx) => {
      if (def.replica) await sql`set local session_replication_role = replica`.execute(trx);
      const env = await environment(trx, ctx);
      await def.before?.(trx);
      const merged: Findings = {};
      for (let i = 0; i < count; i++) {
        const f = await def.plant(trx, ctx, i, env);
        for (const [check, ids] of Object.entries(f)) merged[check] = [...new Set([...(merged[check] ?? []), ...ids])];
      }
      await def.after?.(trx);
      return merged;
    });
  } catch (err) {
    throw Object.assign(err as Error, { kind });
  }
}

/** All planted ids per check, merged over kinds, sorted. */
export function mergeFindings(planted: readonly PlantedKind[]): Findings {
  const merged: Findings = {};
  for (const p of planted) for (const [check, ids] of Object.entries(p.findings)) merged[check] = [...new Set([...(merged[check] ?? []), ...ids])];
  for (const k of Object.keys(merged)) merged[k]!.sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b))));
  return merged;
}
