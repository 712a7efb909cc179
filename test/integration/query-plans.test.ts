// The indexes the hot queries need, checked by EXPLAIN on realistic data (the stress profile at
// 1/10: 1,000 members, ~43,000 jobs, ~12,000 attachments, analyzed). The queries are the ones the
// repositories really send: captured from Kysely's query log while the repository functions run,
// then explained with their own parameters. A plan that reads a big table from end to end (a Seq
// Scan on member_employments or file_attachments) fails the test.
import { Kysely, PostgresDialect, type CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../server/db/schema';
import { getMemberDetailJson, listMembers, memberDetailStatement } from '../../server/repositories/members.repository';
import { listFiles } from '../../server/repositories/files.repository';
import { seedDatabase } from '../../seeds/seed';
import { createTestDatabase, type TestDatabase } from '../support/database';

let t: TestDatabase;
let logged: Kysely<Database>;
const captured: CompiledQuery[] = [];

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; Plans?: PlanNode[] };
function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/** Run `fn` against the logging handle and EXPLAIN every SELECT it sent. */
async function plansOf(fn: (db: Kysely<Database>) => Promise<unknown>): Promise<PlanNode[][]> {
  captured.length = 0;
  await fn(logged);
  const selects = captured.filter((q) => /^\s*select/i.test(q.sql));
  expect(selects.length).toBeGreaterThan(0);
  const out: PlanNode[][] = [];
  for (const q of selects) {
    const r = await t.pool.query(`explain (format json) ${q.sql}`, q.parameters as unknown[]);
    out.push(nodes((r.rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan));
  }
  return out;
}

const seqScans = (plan: PlanNode[], ...tables: string[]) => plan.filter((n) => n['Node Type'] === 'Seq Scan' && tables.includes(n['Relation Name'] ?? '')).map((n) => n['Relation Name']);
const indexes = (plan: PlanNode[]) => plan.map((n) => n['Index Name']).filter(Boolean);

beforeAll(async () => {
  t = await createTestDatabase();
  await seedDatabase(t.url, { profile: 'stress', scale: 0.1, seed: 46, truncate: true });
  logged = new Kysely<Database>({ dialect: new PostgresDialect({ pool: t.pool }), log: (e) => void captured.push(e.query) });
}, 60_000);
afterAll(async () => t?.drop());

describe('query plans on the stress profile at 1/10', () => {
  it('member detail: the member by primary key, its history through (member_id, start_date desc)', async () => {
    const [plan] = await plansOf((db) => getMemberDetailJson(db, 500));
    expect(indexes(plan!)).toEqual(expect.arrayContaining(['members_pkey', 'member_employments_member_start_idx']));
    expect(seqScans(plan!, 'members', 'member_employments')).toEqual([]);
  });

  it('member detail: a named prepared statement per connection, its generic plan reused (no planning per request)', async () => {
    const sqlText = memberDetailStatement(t.db).sql;
    const client = await t.pool.connect();
    try {
      for (let i = 0; i < 10; i++) await client.query(sqlText, [500 + i]);
      await client.query('select 1 as not_registered');
      const { rows } = await client.query<{ name: string; statement: string; generic_plans: number }>('select name, statement, generic_plans from pg_prepared_statements');
      const detail = rows.find((r) => r.statement === sqlText);
      expect(detail?.name).toMatch(/^loadlab_prepared_\d+$/);
      expect(Number(detail?.generic_plans)).toBeGreaterThan(0);
      expect(rows.map((r) => r.statement)).not.toContain('select 1 as not_registered');
    } finally {
      client.release();
    }
  });

  it("a member's files: through (owner_type, owner_id), owner by primary key", async () => {
    const [plan] = await plansOf((db) => listFiles(db, 'member', 500, { limit: 50, offset: 0 }));
    expect(indexes(plan!)).toEqual(expect.arrayContaining(['file_attachments_owner_idx', 'members_pkey']));
    expect(seqScans(plan!, 'file_attachments', 'members')).toEqual([]);
  });

  it('name search: the lower(last_name) / lower(first_name) prefix indexes; pages walk the primary key', async () => {
    const [search] = await plansOf((db) => listMembers(db, { q: 'sm', limit: 20, offset: 0 }));
    expect(indexes(search!)).toEqual(expect.arrayContaining(['members_lower_last_name_idx', 'members_lower_first_name_idx']));
    const [page] = await plansOf((db) => listMembers(db, { limit: 20, offset: 200 }));
    expect(indexes(page!)).toContain('members_pkey');
    expect(seqScans(page!, 'members')).toEqual([]);
  });

  it('the no-overlap rule has its GiST index, and the clash lookup uses the member index', async () => {
    const idx = await t.pool.query(`select indexdef from pg_indexes where indexname = 'member_employments_no_overlap'`);
    expect(idx.rows[0]?.indexdef).toMatch(/USING gist \(member_id, daterange\(/);
    const r = await t.pool.query(
      `explain (format json) select id from member_employments where member_id = $1 and (end_date is null or end_date >= $2) and start_date <= $3 order by start_date limit 1`,
      [500, '2010-01-01', '2012-01-01'],
    );
    const plan = nodes((r.rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan);
    expect(seqScans(plan, 'member_employments')).toEqual([]);
  });
});
