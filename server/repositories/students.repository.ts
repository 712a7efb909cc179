// Apprentices (students): list with filters, detail, create, patch.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { CreateStudentInput, ListStudentsInput, UpdateStudentInput } from '../domain/students';
import { recordAudit } from './audit.repository';
import { pageTotal } from './paging';
import { likePrefix } from './members.repository';

export const STUDENT_COLUMNS = [
  'id',
  'student_number',
  'first_name',
  'last_name',
  'email',
  'phone',
  'birthdate',
  'status',
  'cohort_id',
  'member_id',
  'created_at',
  'updated_at',
] as const;

export async function listStudents(db: Kysely<Database>, f: ListStudentsInput) {
  let base = db.selectFrom('students');
  if (f.status) base = base.where('status', '=', f.status);
  if (f.cohort_id) base = base.where('cohort_id', '=', f.cohort_id);
  if (f.q) {
    const pattern = likePrefix(f.q);
    base = base.where((eb) => eb.or([eb(sql`lower(last_name)`, 'like', pattern), eb(sql`lower(first_name)`, 'like', pattern)]));
  }
  const items = await base.select(STUDENT_COLUMNS).orderBy('id').limit(f.limit).offset(f.offset).execute();
  const total = await pageTotal(items.length, f, async () => (await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { items, total, limit: f.limit, offset: f.offset };
}

export async function findStudentById(db: Kysely<Database>, id: number) {
  return db.selectFrom('students').select(STUDENT_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export async function createStudent(db: Kysely<Database>, input: CreateStudentInput) {
  return db.transaction().execute(async (trx) => {
    const row = await trx.insertInto('students').values(input).returning(STUDENT_COLUMNS).executeTakeFirstOrThrow();
    await recordAudit(trx, { table: 'students', recordId: row.id, action: 'insert', newValues: row });
    return row;
  });
}

export async function updateStudent(db: Kysely<Database>, id: number, patch: UpdateStudentInput) {
  return db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('students').select(STUDENT_COLUMNS).where('id', '=', id).forNoKeyUpdate().executeTakeFirst();
    if (!before) return undefined;
    const after = await trx.updateTable('students').set(patch).where('id', '=', id).returning(STUDENT_COLUMNS).executeTakeFirstOrThrow();
    await recordAudit(trx, { table: 'students', recordId: id, action: 'update', oldValues: before, newValues: after });
    return after;
  });
}
