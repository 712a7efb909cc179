// Constraints first, checker second: every rule of the data model is enforced by PostgreSQL
// itself. Each test inserts the anomaly directly (no API in the way) and expects the named
// constraint to reject it.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database';

let t: TestDatabase;
let orgId: number;
let unionId: number;
let memberId: number;

async function rejects(p: Promise<unknown>, constraint: string, code: string) {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as { constraint?: string; code?: string } | undefined;
  expect(err, `expected ${constraint} to reject`).toBeDefined();
  expect(err?.code).toBe(code);
  if (constraint) expect(err?.constraint).toBe(constraint);
}

beforeAll(async () => {
  t = await createTestDatabase();
  orgId = (await t.db.insertInto('organizations').values({ name: 'Acme Electric', org_type: 'employer' }).returning('id').executeTakeFirstOrThrow()).id;
  unionId = (await t.db.insertInto('organizations').values({ name: 'Local 46', org_type: 'union' }).returning('id').executeTakeFirstOrThrow()).id;
  memberId = (
    await t.db
      .insertInto('members')
      .values({ member_number: 'A-1', first_name: 'Ann', last_name: 'Lee', classification: 'journeyman', date_of_birth: '1980-05-01', hire_date: '2001-06-01' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
});
afterAll(async () => t?.drop());

describe('members', () => {
  it('rejects a duplicate member_number', async () => {
    await rejects(
      t.db.insertInto('members').values({ member_number: 'A-1', first_name: 'B', last_name: 'C', classification: 'lineman' }).execute(),
      'members_member_number_key',
      '23505',
    );
  });
  it('rejects a hire date before the date of birth', async () => {
    await rejects(
      t.db.insertInto('members').values({ member_number: 'A-2', first_name: 'B', last_name: 'C', classification: 'lineman', date_of_birth: '1990-01-01', hire_date: '1989-01-01' }).execute(),
      'members_hire_after_birth',
      '23514',
    );
  });
  it('rejects a hire date equal to the date of birth', async () => {
    await rejects(
      t.db.insertInto('members').values({ member_number: 'A-3', first_name: 'B', last_name: 'C', classification: 'lineman', date_of_birth: '1990-01-01', hire_date: '1990-01-01' }).execute(),
      'members_hire_after_birth',
      '23514',
    );
  });
  it('rejects a blank member_number', async () => {
    await rejects(
      t.db.insertInto('members').values({ member_number: '  ', first_name: 'B', last_name: 'C', classification: 'lineman' }).execute(),
      'members_member_number_not_blank',
      '23514',
    );
  });
  it('rejects a status that is not in the enum', async () => {
    await rejects(sql`insert into members (member_number, first_name, last_name, classification, status) values ('A-4','B','C','lineman','gone')`.execute(t.db), '', '22P02');
  });
  it('rejects a missing classification', async () => {
    await rejects(sql`insert into members (member_number, first_name, last_name) values ('A-5','B','C')`.execute(t.db), '', '23502');
  });
});

describe('member_employments', () => {
  it('rejects a second current job for one member', async () => {
    await t.db.insertInto('member_employments').values({ member_id: memberId, organization_id: orgId, start_date: '2020-01-01' }).execute();
    await rejects(
      t.db.insertInto('member_employments').values({ member_id: memberId, organization_id: orgId, start_date: '2021-01-01' }).execute(),
      'member_employments_one_current_idx',
      '23505',
    );
  });
  it('allows many ended jobs beside the current one', async () => {
    await t.db
      .insertInto('member_employments')
      .values([
        { member_id: memberId, organization_id: orgId, start_date: '2010-01-01', end_date: '2012-01-01' },
        { member_id: memberId, organization_id: unionId, start_date: '2012-02-01', end_date: '2019-12-31' },
      ])
      .execute();
  });
  it('rejects overlapping jobs of one member (btree_gist exclusion, inclusive dates, open-ended current job)', async () => {
    const m = (
      await t.db.insertInto('members').values({ member_number: 'OVL-1', first_name: 'O', last_name: 'Ver', classification: 'lineman' }).returning('id').executeTakeFirstOrThrow()
    ).id;
    const job = (start_date: string, end_date: string | null, member_id = m) =>
      t.db.insertInto('member_employments').values({ member_id, organization_id: orgId, start_date, end_date }).execute();
    await job('2001-01-01', '2004-12-31');
    // Starts the day the first one ends (both days inclusive), inside it, or around it: refused.
    for (const [start, end] of [['2004-12-31', '2006-01-01'], ['2002-01-01', '2002-02-01'], ['2000-01-01', '2010-01-01']] as const) {
      await rejects(job(start, end), 'member_employments_no_overlap', '23P01');
    }
    await job('2005-01-01', '2005-12-31'); // the next day: allowed
    await job('2008-01-01', null); // current job, open-ended
    await rejects(job('2030-01-01', '2030-12-31'), 'member_employments_no_overlap', '23P01');
    // Another member's job over the same dates is fine.
    await job('2002-01-01', '2002-02-01', memberId);
    await t.db.deleteFrom('member_employments').where('member_id', '=', memberId).where('start_date', '=', '2002-01-01').execute();
  });
  it('rejects an end date before the start date', async () => {
    await rejects(
      t.db.insertInto('member_employments').values({ member_id: memberId, organization_id: orgId, start_date: '2015-01-01', end_date: '2014-12-31' }).execute(),
      'member_employments_end_after_start',
      '23514',
    );
  });
  it('rejects an hourly rate outside 10–250', async () => {
    for (const rate of [9.99, 250.01]) {
      await rejects(
        t.db.insertInto('member_employments').values({ member_id: memberId, organization_id: orgId, start_date: '2000-01-01', end_date: '2000-02-01', hourly_rate: rate }).execute(),
        'member_employments_rate_range',
        '23514',
      );
    }
  });
  it('rejects a job at an organization that does not exist', async () => {
    await rejects(
      t.db.insertInto('member_employments').values({ member_id: memberId, organization_id: 999_999, start_date: '2000-01-01', end_date: '2000-02-01' }).execute(),
      'member_employments_organization_id_fkey',
      '23503',
    );
  });
  it('rejects a job of a member that does not exist', async () => {
    await rejects(
      t.db.insertInto('member_employments').values({ member_id: 999_999, organization_id: orgId, start_date: '2000-01-01', end_date: '2000-02-01' }).execute(),
      'member_employments_member_id_fkey',
      '23503',
    );
  });
});

describe('organizations and contacts', () => {
  it('rejects a second primary contact for one organization', async () => {
    await t.db.insertInto('organization_contacts').values({ organization_id: orgId, first_name: 'P', last_name: 'One', is_primary: true }).execute();
    await t.db.insertInto('organization_contacts').values({ organization_id: orgId, first_name: 'S', last_name: 'Two' }).execute();
    await rejects(
      t.db.insertInto('organization_contacts').values({ organization_id: orgId, first_name: 'P', last_name: 'Two', is_primary: true }).execute(),
      'organization_contacts_one_primary_idx',
      '23505',
    );
  });
  it('rejects a salting score outside 1–5', async () => {
    await rejects(
      t.db.insertInto('organizations').values({ name: 'X', org_type: 'employer', salting_score: 6 }).execute(),
      'organizations_salting_score_range',
      '23514',
    );
  });
  it('rejects an org_type outside the enum', async () => {
    await rejects(sql`insert into organizations (name, org_type) values ('X', 'church')`.execute(t.db), '', '22P02');
  });
  it('deletes contacts with their organization (cascade)', async () => {
    const o = await t.db.insertInto('organizations').values({ name: 'Gone Co', org_type: 'employer' }).returning('id').executeTakeFirstOrThrow();
    await t.db.insertInto('organization_contacts').values({ organization_id: o.id, first_name: 'A', last_name: 'B' }).execute();
    await t.db.deleteFrom('organizations').where('id', '=', o.id).execute();
    const left = await t.db.selectFrom('organization_contacts').select('id').where('organization_id', '=', o.id).execute();
    expect(left).toHaveLength(0);
  });
  it('rejects a contact of an organization that does not exist', async () => {
    await rejects(
      t.db.insertInto('organization_contacts').values({ organization_id: 999_999, first_name: 'A', last_name: 'B' }).execute(),
      'organization_contacts_organization_id_fkey',
      '23503',
    );
  });
});

describe('reference data, students, files, audit', () => {
  it('rejects a duplicate instructor email', async () => {
    await t.db.insertInto('instructors').values({ first_name: 'I', last_name: 'One', email: 'i@example.org' }).execute();
    await rejects(t.db.insertInto('instructors').values({ first_name: 'I', last_name: 'Two', email: 'i@example.org' }).execute(), 'instructors_email_key', '23505');
  });
  it('rejects a negative location capacity', async () => {
    await rejects(t.db.insertInto('locations').values({ name: 'Hall', capacity: -1 }).execute(), 'locations_capacity_non_negative', '23514');
  });
  it('rejects a cohort that ends before it starts', async () => {
    await rejects(t.db.insertInto('cohorts').values({ name: 'C', start_date: '2024-09-01', end_date: '2024-08-01' }).execute(), 'cohorts_end_after_start', '23514');
  });
  it('rejects a duplicate student number and e-mail, and two students for one member', async () => {
    await t.db.insertInto('students').values({ student_number: 'S-1', first_name: 'A', last_name: 'B', email: 's@example.org', member_id: memberId }).execute();
    await rejects(t.db.insertInto('students').values({ student_number: 'S-1', first_name: 'A', last_name: 'B' }).execute(), 'students_student_number_key', '23505');
    await rejects(t.db.insertInto('students').values({ student_number: 'S-2', first_name: 'A', last_name: 'B', email: 's@example.org' }).execute(), 'students_email_key', '23505');
    await rejects(t.db.insertInto('students').values({ student_number: 'S-3', first_name: 'A', last_name: 'B', member_id: memberId }).execute(), 'students_member_id_key', '23505');
  });
  it('rejects a student linked to a member that does not exist', async () => {
    await rejects(t.db.insertInto('students').values({ student_number: 'S-4', first_name: 'A', last_name: 'B', member_id: 999_999 }).execute(), 'students_member_id_fkey', '23503');
  });
  it('rejects a malformed sha256, a negative size and a malformed mime type', async () => {
    const base = { owner_type: 'member' as const, owner_id: memberId, file_name: 'a.pdf', mime_type: 'application/pdf' };
    await rejects(t.db.insertInto('file_attachments').values({ ...base, sha256: 'XYZ' }).execute(), 'file_attachments_sha256_format', '23514');
    await rejects(t.db.insertInto('file_attachments').values({ ...base, size_bytes: -5 }).execute(), 'file_attachments_size_non_negative', '23514');
    await rejects(t.db.insertInto('file_attachments').values({ ...base, mime_type: 'pdf' }).execute(), 'file_attachments_mime_type_format', '23514');
  });
  it('rejects an audit action outside insert/update/delete', async () => {
    await rejects(sql`insert into audit_logs (table_name, record_id, action) values ('members', 1, 'truncate')`.execute(t.db), 'audit_logs_action_valid', '23514');
  });
  it('maintains updated_at on every update', async () => {
    const before = await t.db.selectFrom('members').select('updated_at').where('id', '=', memberId).executeTakeFirstOrThrow();
    await sql`select pg_sleep(0.01)`.execute(t.db);
    await t.db.updateTable('members').set({ notes: 'x' }).where('id', '=', memberId).execute();
    const after = await t.db.selectFrom('members').select('updated_at').where('id', '=', memberId).executeTakeFirstOrThrow();
    expect(after.updated_at > before.updated_at).toBe(true);
  });
});
