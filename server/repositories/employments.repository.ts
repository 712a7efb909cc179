// Employment history: add a job, change or end it. Writes lock the member row first (then the
// employment rows), so concurrent writes for one member serialize in one order. PostgreSQL refuses
// overlapping jobs itself (exclusion constraint member_employments_no_overlap) and a second current
// job (partial unique index): a new job relies on them and names the clashing job only on refusal;
// a change of dates is still checked first, for the message.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema';
import type { CreateEmploymentInput, UpdateEmploymentInput } from '../domain/employments';
import { transactionWithRetry, withRetry } from '../db/retry';
import { HttpError } from '../plugins/errors';
import { auditCte } from './audit.repository';
import { EMPLOYMENT_COLUMNS } from './members.repository';

const isCurrent = sql<boolean>`end_date is null`.as('is_current');

export async function findEmploymentById(db: Kysely<Database>, id: number) {
  return db.selectFrom('member_employments').select(EMPLOYMENT_COLUMNS).select(isCurrent).where('id', '=', id).executeTakeFirst();
}

/** Lock the live member that owns job `jobId`; false when there is no such job or member. */
async function lockMemberOfJob(trx: Transaction<Database>, jobId: number): Promise<boolean> {
  const row = await trx
    .selectFrom('members')
    .select('id')
    .where('id', '=', (eb) => eb.selectFrom('member_employments').select('member_id').where('member_employments.id', '=', jobId))
    .where('deleted_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
  return row !== undefined;
}

function assertEmployer(organizationId: number, orgType: string | null) {
  if (orgType === null) {
    throw new HttpError(409, 'conflict', `organization_id ${organizationId} refers to no organization`, [
      { path: 'organization_id', message: 'refers to no organization' },
    ]);
  }
  if (orgType !== 'employer') {
    throw new HttpError(409, 'conflict', `organization ${organizationId} is a ${orgType}, not an employer`, [
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

/**
 * Undefined when the member does not exist. One statement: lock the live member, read the
 * organization's type, insert only at an employer, and write the audit row. PostgreSQL refuses an
 * overlap or a second current job; only then is the clashing job looked up, for the message.
 */
export async function createEmployment(db: Kysely<Database>, memberId: number, input: CreateEmploymentInput) {
  try {
    const row = await withRetry(() =>
      db
        .with('target', (qb) =>
          qb
            .selectFrom('members')
            .select((eb) => ['members.id', eb.selectFrom('organizations').select('org_type').where('organizations.id', '=', input.organization_id).as('org_type')])
            .where('members.id', '=', memberId)
            .where('members.deleted_at', 'is', null)
            .forUpdate(),
        )
        .with('written', (qb) =>
          qb
            .insertInto('member_employments')
            .columns(['member_id', 'organization_id', 'job_title', 'start_date', 'end_date', 'hourly_rate'])
            .expression(
              qb
                .selectFrom('target')
                .select([
                  'target.id',
                  sql`${input.organization_id}::bigint`.as('organization_id'),
                  sql`${input.job_title ?? null}::text`.as('job_title'),
                  sql`${input.start_date}::date`.as('start_date'),
                  sql`${input.end_date ?? null}::date`.as('end_date'),
                  sql`${input.hourly_rate ?? null}::numeric`.as('hourly_rate'),
                ])
                .where('target.org_type', '=', 'employer'),
            )
            .returning(EMPLOYMENT_COLUMNS)
            .returning(isCurrent),
        )
        .with('audit', auditCte('member_employments', 'insert'))
        .selectFrom('target')
        .leftJoin('written', (join) => join.onTrue())
        .selectAll('written')
        .select('target.org_type')
        .executeTakeFirst(),
    );
    if (!row) return undefined;
    const { org_type, ...job } = row;
    assertEmployer(input.organization_id, org_type);
    // At an employer the insert happened (or the statement failed): the left-joined row is the job.
    return job as NonNullable<Awaited<ReturnType<typeof findEmploymentById>>>;
  } catch (err) {
    // Refused by the database: name the clashing job (throws the 409), as the check before it did.
    if (REFUSED_AS_OVERLAP.has((err as { constraint?: string }).constraint ?? '')) await assertNoOverlap(db, memberId, input.start_date, input.end_date ?? null);
    throw err;
  }
}

/** Undefined when the employment (or its member) does not exist. */
export async function updateEmployment(db: Kysely<Database>, id: number, patch: UpdateEmploymentInput) {
  let memberId: number | undefined;
  let period: { start: string; end: string | null } | undefined;
  try {
    return await transactionWithRetry(db, async (trx) => {
      if (!(await lockMemberOfJob(trx, id))) return undefined;
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
      memberId = before.member_id;
      period = { start, end };
      // One statement: the change and its audit row (old values re-read from the locked row).
      return trx
        .with('before', (qb) => qb.selectFrom('member_employments').select(EMPLOYMENT_COLUMNS).select(isCurrent).where('id', '=', id))
        .with('written', (qb) =>
          qb
            .updateTable('member_employments')
            .set(patch)
            .where('id', '=', id)
            .returning(EMPLOYMENT_COLUMNS)
            .returning(isCurrent),
        )
        .with('audit', auditCte('member_employments', 'update', { old: 'before' }))
        .selectFrom('written')
        .selectAll()
        .executeTakeFirstOrThrow();
    });
  } catch (err) {
    // A longer period refused by the database: name the clashing job (throws the 409).
    if (memberId !== undefined && period && REFUSED_AS_OVERLAP.has((err as { constraint?: string }).constraint ?? '')) {
      await assertNoOverlap(db, memberId, period.start, period.end, id);
    }
    throw err;
  }
}
