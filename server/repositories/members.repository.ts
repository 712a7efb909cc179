// Members: plain functions taking `db` first. Soft-deleted members are invisible to every read.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { CreateMemberInput, ListMembersInput, UpdateMemberInput } from '../domain/members';
import { recordAudit } from './audit.repository';

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
  const [items, count] = await Promise.all([
    base.select(MEMBER_COLUMNS).orderBy('id').limit(f.limit).offset(f.offset).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(count.total), limit: f.limit, offset: f.offset };
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

/** The member and its history, queried in parallel (one round trip of latency instead of two). */
export async function getMemberDetail(db: Kysely<Database>, id: number) {
  const [member, employments] = await Promise.all([findMemberById(db, id), listEmploymentsOfMember(db, id)]);
  if (!member) return undefined;
  return { ...member, employments };
}

export async function createMember(db: Kysely<Database>, input: CreateMemberInput) {
  return db.transaction().execute(async (trx) => {
    const row = await trx.insertInto('members').values(input).returning(MEMBER_COLUMNS).executeTakeFirstOrThrow();
    await recordAudit(trx, { table: 'members', recordId: row.id, action: 'insert', newValues: row });
    return row;
  });
}

/** Returns undefined when the member does not exist (or is deleted). */
export async function updateMember(db: Kysely<Database>, id: number, patch: UpdateMemberInput) {
  return db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('members')
      .select(MEMBER_COLUMNS)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .forUpdate()
      .executeTakeFirst();
    if (!before) return undefined;
    const after = await trx.updateTable('members').set(patch).where('id', '=', id).returning(MEMBER_COLUMNS).executeTakeFirstOrThrow();
    await recordAudit(trx, { table: 'members', recordId: id, action: 'update', oldValues: before, newValues: after });
    return after;
  });
}

/** Soft delete. Returns false when there was nothing to delete. */
export async function softDeleteMember(db: Kysely<Database>, id: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('members')
      .set({ deleted_at: new Date() })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .returning(['id', 'deleted_at'])
      .executeTakeFirst();
    if (!row) return false;
    await recordAudit(trx, { table: 'members', recordId: id, action: 'delete', newValues: { deleted_at: row.deleted_at } });
    return true;
  });
}
