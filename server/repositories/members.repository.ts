// Members: plain functions taking `db` first. Soft-deleted members are invisible to every read.
import { sql, type CompiledQuery, type Kysely } from 'kysely';
import { prepareStatement } from '../db/database';
import type { Database } from '../db/schema';
import type { CreateMemberInput, ListMembersInput, UpdateMemberInput } from '../domain/members';
import { auditCte } from './audit.repository';
import { pageTotal } from './paging';

export const MEMBER_COLUMNS = [
  'id',
  'member_number',
  'first_name',
  'middle_name',
  'last_name',
  'date_of_birth',
  'address',
  'city',
  'state',
  'zip',
  'phone',
  'email',
  'status',
  'classification',
  'membership_class',
  'hire_date',
  'notes',
  'created_at',
  'updated_at',
] as const;

export const EMPLOYMENT_COLUMNS = [
  'id',
  'member_id',
  'organization_id',
  'job_title',
  'start_date',
  'end_date',
  'hourly_rate',
  'created_at',
  'updated_at',
] as const;

/** Escape LIKE wildcards so `q` is always a literal prefix. */
export function likePrefix(q: string): string {
  return `${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export async function listMembers(db: Kysely<Database>, f: ListMembersInput) {
  let base = db.selectFrom('members').where('deleted_at', 'is', null);
  if (f.status) base = base.where('status', '=', f.status);
  if (f.classification) base = base.where('classification', '=', f.classification);
  if (f.q) {
    const pattern = likePrefix(f.q);
    base = base.where((eb) =>
      eb.or([eb(sql`lower(last_name)`, 'like', pattern), eb(sql`lower(first_name)`, 'like', pattern)]),
    );
  }
  const items = await base.select(MEMBER_COLUMNS).orderBy('id').limit(f.limit).offset(f.offset).execute();
  if (!f.include_total) return { items, limit: f.limit, offset: f.offset };
  const total = await pageTotal(items.length, f, async () => (await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { items, total, limit: f.limit, offset: f.offset };
}

export async function findMemberById(db: Kysely<Database>, id: number) {
  return db.selectFrom('members').select(MEMBER_COLUMNS).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}

export async function listEmploymentsOfMember(db: Kysely<Database>, memberId: number) {
  return db
    .selectFrom('member_employments')
    .select(EMPLOYMENT_COLUMNS)
    .select(sql<boolean>`end_date is null`.as('is_current'))
    .where('member_id', '=', memberId)
    .orderBy('start_date', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** A timestamptz as the API writes it (what the pg type parser makes of it: ISO 8601, ms, `Z`). */
export const isoTimestamp = (column: string) => sql<string>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The member detail as one JSON document built by PostgreSQL (row_to_json over the member's
 * columns and its history, newest first): the API sends the text as it comes, so no row is parsed
 * into objects and serialized again on the way out. Same fields, order and formats as the rows the
 * pg type parsers give (findMemberById, listEmploymentsOfMember): timestamps as isoTimestamp,
 * dates as YYYY-MM-DD, ids and money as JSON numbers.
 */
const employmentsJson = sql<unknown>`coalesce((
  select json_agg(j order by j.start_date desc, j.id desc) from (
    select e.id, e.member_id, e.organization_id, e.job_title, e.start_date, e.end_date, e.hourly_rate,
      ${isoTimestamp('e.created_at')} as created_at, ${isoTimestamp('e.updated_at')} as updated_at,
      e.end_date is null as is_current
    from member_employments e where e.member_id = members.id) j), '[]'::json)`;

/** The one query of the member detail. */
export function memberDetailQuery(db: Kysely<Database>, id: number) {
  const detail = db
    .selectFrom('members')
    .select(MEMBER_COLUMNS.map((c) => (c === 'created_at' || c === 'updated_at' ? isoTimestamp(c).as(c) : c)))
    .select(employmentsJson.as('employments'))
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .as('detail');
  return db.selectFrom(detail).select(sql<string>`row_to_json(detail)::text`.as('json'));
}

const compiledDetail = new WeakMap<Kysely<Database>, CompiledQuery<{ json: string }>>();

/**
 * The detail statement, compiled once per database handle (each call only binds the id) and sent
 * as a named prepared statement (prepareStatement). The API benchmark's raw-pg ceiling runs it too.
 */
export function memberDetailStatement(db: Kysely<Database>): CompiledQuery<{ json: string }> {
  let compiled = compiledDetail.get(db);
  if (!compiled) {
    compiled = memberDetailQuery(db, 0).compile();
    prepareStatement(compiled.sql);
    compiledDetail.set(db, compiled);
  }
  return compiled;
}

/** The member and its history as JSON text (undefined when there is no such member or it is deleted). */
export async function getMemberDetailJson(db: Kysely<Database>, id: number): Promise<string | undefined> {
  const { rows } = await db.executeQuery<{ json: string }>({ ...memberDetailStatement(db), parameters: [id] });
  return rows[0]?.json;
}

/** One statement: the insert and its audit row (see auditCte). */
export async function createMember(db: Kysely<Database>, input: CreateMemberInput) {
  return db
    .with('written', (qb) => qb.insertInto('members').values(input).returning(MEMBER_COLUMNS))
    .with('audit', auditCte('members', 'insert'))
    .selectFrom('written')
    .selectAll()
    .executeTakeFirstOrThrow();
}

/** Returns undefined when the member does not exist (or is deleted). One statement with its audit row. */
export async function updateMember(db: Kysely<Database>, id: number, patch: UpdateMemberInput) {
  return db
    .with('before', (qb) => qb.selectFrom('members').select(MEMBER_COLUMNS).where('id', '=', id).where('deleted_at', 'is', null).forUpdate())
    .with('written', (qb) =>
      qb
        .updateTable('members')
        .set(patch)
        .from('before')
        .whereRef('members.id', '=', 'before.id')
        .returning(MEMBER_COLUMNS.map((c) => `members.${c}` as const)),
    )
    .with('audit', auditCte('members', 'update', { old: 'before' }))
    .selectFrom('written')
    .selectAll()
    .executeTakeFirst();
}

/** Soft delete, one statement with its audit row. Returns false when there was nothing to delete. */
export async function softDeleteMember(db: Kysely<Database>, id: number): Promise<boolean> {
  const row = await db
    .with('written', (qb) =>
      qb.updateTable('members').set({ deleted_at: new Date() }).where('id', '=', id).where('deleted_at', 'is', null).returning(['id', 'deleted_at']),
    )
    .with('audit', auditCte('members', 'delete', { newValues: sql`jsonb_build_object('deleted_at', written.deleted_at)` }))
    .selectFrom('written')
    .select('id')
    .executeTakeFirst();
  return row !== undefined;
}
