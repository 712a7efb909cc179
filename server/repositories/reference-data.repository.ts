// Instructors and training locations: list, detail, create.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { CreateInstructorInput, CreateLocationInput, ListInstructorsInput, ListLocationsInput } from '../domain/reference-data';
import { recordAudit } from './audit.repository';
import { pageTotal } from './paging';

export const INSTRUCTOR_COLUMNS = ['id', 'first_name', 'last_name', 'email', 'phone', 'bio', 'specialties', 'location_id', 'created_at', 'updated_at'] as const;
export const LOCATION_COLUMNS = ['id', 'name', 'address', 'city', 'state', 'postal_code', 'capacity', 'created_at', 'updated_at'] as const;

export async function listInstructors(db: Kysely<Database>, f: ListInstructorsInput) {
  let base = db.selectFrom('instructors');
  if (f.location_id) base = base.where('location_id', '=', f.location_id);
  const items = await base.select(INSTRUCTOR_COLUMNS).orderBy('id').limit(f.limit).offset(f.offset).execute();
  const total = await pageTotal(items.length, f, async () => (await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { items, total, limit: f.limit, offset: f.offset };
}

export async function findInstructorById(db: Kysely<Database>, id: number) {
  return db.selectFrom('instructors').select(INSTRUCTOR_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export async function createInstructor(db: Kysely<Database>, input: CreateInstructorInput) {
  return db.transaction().execute(async (trx) => {
    const row = await trx.insertInto('instructors').values(input).returning(INSTRUCTOR_COLUMNS).executeTakeFirstOrThrow();
    await recordAudit(trx, { table: 'instructors', recordId: row.id, action: 'insert', newValues: row });
    return row;
  });
}

export async function listLocations(db: Kysely<Database>, f: ListLocationsInput) {
  const base = db.selectFrom('locations');
  const items = await base.select(LOCATION_COLUMNS).orderBy('id').limit(f.limit).offset(f.offset).execute();
  const total = await pageTotal(items.length, f, async () => (await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { items, total, limit: f.limit, offset: f.offset };
}

export async function findLocationById(db: Kysely<Database>, id: number) {
  return db.selectFrom('locations').select(LOCATION_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export async function createLocation(db: Kysely<Database>, input: CreateLocationInput) {
  return db.transaction().execute(async (trx) => {
    const row = await trx.insertInto('locations').values(input).returning(LOCATION_COLUMNS).executeTakeFirstOrThrow();
    await recordAudit(trx, { table: 'locations', recordId: row.id, action: 'insert', newValues: row });
    return row;
  });
}
