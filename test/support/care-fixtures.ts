// Small, clean base data for the database-care tests (direct inserts, no seeder), a per-row
// checksum of every data table, and a CheckContext on a temporary files directory.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { CheckContext } from '../../maintenance/checks';
import { contentPath } from '../../maintenance/file-store';
import { DATA_TABLES, type Database } from '../../server/db/schema';

export async function tempFilesDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'loadlab-care-'));
}

export function careContext(filesDir: string): CheckContext {
  return { filesDir, hashBudgetBytes: Number.POSITIVE_INFINITY, staleUploadHours: 24 };
}

/** Two employers (one primary contact each), a union, five members with clean histories, a student and one stored file. */
export async function insertCleanBase(db: Kysely<Database>, filesDir: string) {
  const orgs = await db
    .insertInto('organizations')
    .values([
      { name: 'Acme Electric', org_type: 'employer' },
      { name: 'Bright Power', org_type: 'employer' },
      { name: 'Local 46', org_type: 'union' },
    ])
    .returning('id')
    .execute();
  const [acme, bright, union] = orgs.map((o) => o.id) as [number, number, number];
  await db
    .insertInto('organization_contacts')
    .values([
      { organization_id: acme, first_name: 'Ann', last_name: 'Boss', is_primary: true },
      { organization_id: acme, first_name: 'Bob', last_name: 'Clerk', is_primary: false },
      { organization_id: bright, first_name: 'Cy', last_name: 'Chief', is_primary: true },
      { organization_id: union, first_name: 'Di', last_name: 'Rep', is_primary: false },
    ])
    .execute();
  const members = await db
    .insertInto('members')
    .values(
      [1, 2, 3, 4, 5].map((i) => ({
        member_number: `BASE-${i}`,
        first_name: `First${i}`,
        last_name: `Last${i}`,
        classification: 'journeyman' as const,
        status: i === 5 ? ('retired' as const) : ('active' as const),
        date_of_birth: '1970-03-01',
        hire_date: '1995-01-01',
      })),
    )
    .returning('id')
    .execute();
  for (const [i, m] of members.entries()) {
    await db
      .insertInto('member_employments')
      .values([
        { member_id: m.id, organization_id: acme, job_title: 'Apprentice', start_date: '1995-02-01', end_date: '2000-12-31', hourly_rate: 20 + i },
        // The retired member's last job ended; the others have a current job.
        { member_id: m.id, organization_id: i % 2 ? acme : bright, job_title: 'Journeyman', start_date: '2001-01-01', end_date: i === 4 ? '2020-06-30' : null, hourly_rate: 45 + i },
      ])
      .execute();
  }
  await db.insertInto('students').values({ student_number: 'S-1', first_name: 'Eve', last_name: 'Learner', email: 'eve@example.test', status: 'enrolled', member_id: members[0]!.id }).execute();
  const content = Buffer.from('a stored document\n'.repeat(100));
  const sha = createHash('sha256').update(content).digest('hex');
  const file = contentPath(filesDir, sha);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  await db
    .insertInto('file_attachments')
    .values({ owner_type: 'member', owner_id: members[0]!.id, file_name: 'card.txt', mime_type: 'text/plain', size_bytes: content.length, sha256: sha, storage_key: sha })
    .execute();
  return { acme, bright, union, memberIds: members.map((m) => m.id), storedFile: { sha, file, size: content.length } };
}

/** table → (id → md5 of the whole row). */
export type Checksums = Map<string, Map<number, string>>;

export async function tableChecksums(db: Kysely<Database>): Promise<Checksums> {
  const out: Checksums = new Map();
  for (const table of DATA_TABLES) {
    const { rows } = await sql<{ id: number; md5: string }>`select id, md5(t::text) as md5 from ${sql.table(table)} t order by id`.execute(db);
    out.set(table, new Map(rows.map((r) => [r.id, r.md5])));
  }
  return out;
}

/** Rows that differ between two checksum sets, as "table:id". */
export function changedRows(a: Checksums, b: Checksums): string[] {
  const out: string[] = [];
  for (const [table, rowsA] of a) {
    const rowsB = b.get(table) ?? new Map();
    for (const [id, md5] of rowsA) if (rowsB.get(id) !== md5) out.push(`${table}:${id}`);
    for (const id of rowsB.keys()) if (!rowsA.has(id)) out.push(`${table}:${id}`);
  }
  return out.sort();
}
