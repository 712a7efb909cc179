// Shared assertions for API tests: the one error shape, and row counts of every data table.
import { sql, type Kysely } from 'kysely';
import { expect } from 'vitest';
import { DATA_TABLES, type Database } from '../../server/db/schema';

export function expectErrorShape(body: unknown) {
  expect(body).toMatchObject({
    error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) },
    request_id: expect.any(String),
  });
}

/** Row count of every data table (audit_logs included), in one round trip. */
export async function rowCounts(db: Kysely<Database>): Promise<Record<string, number>> {
  const parts = DATA_TABLES.map((t) => sql`select ${t}::text as t, count(*)::int as n from ${sql.table(t)}`);
  const { rows } = await sql<{ t: string; n: number }>`${sql.join(parts, sql` union all `)}`.execute(db);
  return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)]));
}
