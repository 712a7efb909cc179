// Cohorts: list with filters, detail with its students, create, patch. Writes are one statement
// with their audit row; unknown locations/instructors are refused by the foreign keys (409).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { CreateCohortInput, ListCohortsInput, UpdateCohortInput } from '../domain/cohorts';
import { auditCte } from './audit.repository';
import { pageTotal } from './paging';
import { STUDENT_COLUMNS } from './students.repository';

export const COHORT_COLUMNS = ['id', 'name', 'location_id', 'instructor_id', 'start_date', 'end_date', 'created_at', 'updated_at'] as const;

export async function listCohorts(db: Kysely<Database>, f: ListCohortsInput) {
  let base = db.selectFrom('cohorts');
  if (f.location_id) base = base.where('location_id', '=', f.location_id);
  if (f.instructor_id) base = base.where('instructor_id', '=', f.instructor_id);
  const items = await base.select(COHORT_COLUMNS).orderBy('id').limit(f.limit).offset(f.offset).execute();
  const total = await pageTotal(items.length, f, async () => (await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { items, total, limit: f.limit, offset: f.offset };
}

/** The cohort and its students (by id), queried in parallel. */
export async function getCohortDetail(db: Kysely<Database>, id: number) {
  const [cohort, students] = await Promise.all([
    db.selectFrom('cohorts').select(COHORT_COLUMNS).where('id', '=', id).executeTakeFirst(),
    db.selectFrom('students').select(STUDENT_COLUMNS).where('cohort_id', '=', id).orderBy('id').execute(),
  ]);
  return cohort ? { ...cohort, students } : undefined;
}

export async function createCohort(db: Kysely<Database>, input: CreateCohortInput) {
  return db
    .with('written', (qb) => qb.insertInto('cohorts').values(input).returning(COHORT_COLUMNS))
    .with('audit', auditCte('cohorts', 'insert'))
    .selectFrom('written')
    .selectAll()
    .executeTakeFirstOrThrow();
}

/** Undefined when the cohort does not exist. */
export async function updateCohort(db: Kysely<Database>, id: number, patch: UpdateCohortInput) {
  return db
    .with('before', (qb) => qb.selectFrom('cohorts').select(COHORT_COLUMNS).where('id', '=', id).forUpdate())
    .with('written', (qb) =>
      qb
        .updateTable('cohorts')
        .set(patch)
        .from('before')
        .whereRef('cohorts.id', '=', 'before.id')
        .returning(COHORT_COLUMNS.map((c) => `cohorts.${c}` as const)),
    )
    .with('audit', auditCte('cohorts', 'update', { old: 'before' }))
    .selectFrom('written')
    .selectAll()
    .executeTakeFirst();
}
