// Frozen migration: PostgreSQL itself refuses overlapping jobs of one member (an exclusion
// constraint over the job's inclusive date range, open-ended when end_date is null), so the rule no
// longer rests on the API's check alone. btree_gist lets the GiST index compare member_id with `=`.
// A job ending before it starts (only possible while the check constraint is bypassed) counts as
// its start day, so the two rules stay independent. A database that already holds overlaps (e.g.
// planted by inject-anomalies) is refused with a pair to repair first.
// Typed Kysely<any> on purpose: migrations must not depend on schema.ts.
import { sql, type Kysely } from 'kysely';

export const NO_OVERLAP_DEFINITION =
  "exclude using gist (member_id with =, daterange(start_date, case when end_date < start_date then start_date else end_date end, '[]') with &&)";

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create extension if not exists btree_gist`.execute(db);
  try {
    await sql.raw(`alter table member_employments add constraint member_employments_no_overlap ${NO_OVERLAP_DEFINITION}`).execute(db);
  } catch (err) {
    const e = err as { code?: string; detail?: string };
    if (e.code !== '23P01') throw err;
    throw new Error(`member_employments holds overlapping jobs (${e.detail ?? 'see the integrity check'}); run \`loadlab heal --checks employment_overlap\` first`, { cause: err });
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table member_employments drop constraint if exists member_employments_no_overlap`.execute(db);
}
