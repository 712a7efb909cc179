// Employment history: add a job, change or end it. Writes lock the member row first (then the
// employment rows), so concurrent writes for one member serialize in one order. PostgreSQL refuses
// overlapping jobs itself (exclusion constraint member_employments_no_overlap) and a second current
// job (partial unique index): a new job relies on them and names the clashing job only on refusal;
// a change of dates is still checked first, for the message.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema';
import type { CreateEmploymentInput, UpdateEmploymentInput } from '../domain/employments';
import { transactionWithRetry } from '../db/retry';
import { HttpError } from '../plugins/errors';
import { auditCte, recordAudit } from './audit.repository';
import { EMPLOYMENT_COLUMNS } from './members.repository';

const isCurrent = sql<boolean>`end_date is null`.as('is_current');

export async function findEmploymentById(db: Kysely<Database>, id: number) {
  return db.selectFrom('member_employments').select(EMPLOYMENT_COLUMNS).select(isCurrent).where('id', '=', id).executeTakeFirst();
}

async function lockMember(trx: Transaction<Database>, memberId: number): Promise<boolean> {
  const row = await trx
    .selectFrom('members')
    .select('id')
    .where('id', '=', memberId)
    .where('deleted_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
  return row !== undefined;
}

async function assertEmployer(trx: Transaction<Database>, organizationId: number) {
  const org = await trx.selectFrom('organizations').select(['id', 'org_type']).where('id', '=', organizationId).executeTakeFirst();
  if (!org) {
    throw new HttpError(409, 'conflict', `organization_id ${organizationId} refers to no organization`, [
      { path: 'organization_id', message: 'refers to no organization' },
    ]);
  }
  if (org.org_type !== 'employer') {
    throw new HttpError(409, 'conflict', `organization ${organizationId} is a ${org.org_type}, not an employer`, [
      { path: 'organization_id', message: 'must be an employer' },
    ]);
  }
}

/** A job overlapping [start, end] (end null = open-ended), other than `exceptId`. */
async function assertNoOverlap(trx: Kysely<Database>, memberId: number, start: string, end: string | null, exceptId?: number) {
  let q = trx
    .selectFrom('member_employments')
    .select(['id', 'start_date', 'end_date'])
    .where('member_id', '=', memberId)
    .where((eb) => eb.or([eb('end_date', 'is', null), eb('end_date', '>=', start)]));
  if (end !== null) q = q.where('start_date', '<=', end);
  if (exceptId !== undefined) q = q.where('id', '!=', exceptId);
  const clash = await q.orderBy('start_date').limit(1).executeTakeFirst();
  if (clash) {
    const current = clash.end_date === null;
    const message = current
      ? `the member already has a current job (employment ${clash.id} since ${clash.start_date}); end it first`
      : `the period overlaps employment ${clash.id} (${clash.start_date} to ${clash.end_date})`;
    throw new HttpError(409, 'conflict', message, [{ path: current ? 'end_date' : 'start_date', message }]);
  }
}

const REFUSED_AS_OVERLAP = new Set(['member_employments_no_overlap', 'member_employments_one_current_idx']);

/** Undefined when the member does not exist. */
export async function createEmployment(db: Kysely<Database>, memberId: number, input: CreateEmploymentInput) {
  try {
    return await transactionWithRetry(db, async (trx) => {
      if (!(await lockMember(trx, memberId))) return undefined;
      await assertEmployer(trx, input.organization_id);
      return trx
        .with('written', (qb) => qb.insertInto('member_employments').values({ ...input, member_id: memberId }).returning(EMPLOYMENT_COLUMNS).returning(isCurrent))
        .with('audit', auditCte('member_employments', 'insert'))
        .selectFrom('written')
        .selectAll()
        .executeTakeFirstOrThrow();
    });
  } catch (err) {
    // Refused by the database: name the clashing job (throws the 409), as the check before it did.
    if (REFUSED_AS_OVERLAP.has((err as { constraint?: string }).constraint ?? '')) await assertNoOverlap(db, memberId, input.start_date, input.end_date ?? null);
    throw err;
  }
}

/** Undefined when the employment (or its member) does not exist. */
export async function updateEmployment(db: Kysely<Database>, id: number, patch: UpdateEmploymentInput) {
  return transactionWithRetry(db, async (trx) => {
    const owner = await trx.selectFrom('member_employments').select('member_id').where('id', '=', id).executeTakeFirst();
    if (!owner || !(await lockMember(trx, owner.member_id))) return undefined;
    const before = await trx
      .selectFrom('member_employments')
      .select(EMPLOYMENT_COLUMNS)
      .select(isCurrent)
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!before) return undefined;
    const start = patch.start_date ?? before.start_date;
    const end = patch.end_date === undefined ? before.end_date : patch.end_date;
    if (end !== null && end < start) {
      throw new HttpError(400, 'validation_error', 'end_date must be on or after start_date', [
        { path: 'end_date', message: `must be on or after start_date (${start})` },
      ]);
    }
    if (patch.start_date !== undefined || patch.end_date !== undefined) await assertNoOverlap(trx, before.member_id, start, end, id);
    const after = await trx
      .updateTable('member_employments')
      .set(patch)
      .where('id', '=', id)
      .returning(EMPLOYMENT_COLUMNS)
      .returning(isCurrent)
      .executeTakeFirstOrThrow();
    await recordAudit(trx, { table: 'member_employments', recordId: id, action: 'update', oldValues: before, newValues: after });
    return after;
  });
}
