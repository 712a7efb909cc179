// Small SQL building blocks shared by the checks and their repairs: run a detection query and get
// its ids, and change rows while capturing each row's before/after image (for the audit log and
// for --dry-run, which prints exactly these changes).
import { sql, type Kysely } from 'kysely';
import type { Database } from '../server/db/schema';

export type Db = Kysely<Database>;

/** One row changed by a repair: what it was and what it became (null after = deleted). */
export interface RowChange {
  table: string;
  row_id: number | string;
  action: 'update' | 'delete' | 'ddl';
  before: unknown;
  after: unknown;
}

/** Why some rows of a partly successful repair were left alone (shown beside "unfixed"). */
export function repairFailures(changes: RowChange[]): string[] {
  return (changes as RowChange[] & { failures?: string[] }).failures ?? [];
}

/** Ids returned by a detection query (a SELECT with an `id` column), ascending. */
export async function selectIds(db: Db, query: string): Promise<number[]> {
  const { rows } = await sql<{ ids: number[] | null }>`select array_agg(d.id::integer order by d.id) as ids from (${sql.raw(query)}) d`.execute(db);
  return rows[0]?.ids ?? [];
}

/**
 * UPDATE `table` rows whose id is in `ids`, with `setClause` (columns of the target are `t.*`),
 * optionally joined to `fromClause` and restricted by `whereClause`. Returns one RowChange per
 * updated row with its full before and after image.
 */
export async function updateRows(
  db: Db,
  table: string,
  ids: readonly number[],
  setClause: string,
  opts: { from?: string; where?: string } = {},
): Promise<RowChange[]> {
  if (ids.length === 0) return [];
  const idList = [...ids];
  const before = await sql<{ id: number; row: unknown }>`select t.id, to_jsonb(t.*) as row from ${sql.table(table)} t where t.id = any(${idList}::bigint[]) order by t.id for update`.execute(db);
  const beforeById = new Map(before.rows.map((r) => [r.id, r.row]));
  const from = opts.from ? sql.raw(`from ${opts.from}`) : sql``;
  const where = opts.where ? sql.raw(`and (${opts.where})`) : sql``;
  const after = await sql<{ id: number; row: unknown }>`update ${sql.table(table)} as t set ${sql.raw(setClause)} ${from} where t.id = any(${idList}::bigint[]) ${where} returning t.id, to_jsonb(t.*) as row`.execute(db);
  return after.rows
    .sort((a, b) => a.id - b.id)
    .map((r) => ({ table, row_id: r.id, action: 'update' as const, before: beforeById.get(r.id) ?? null, after: r.row }));
}

/** DELETE `table` rows whose id is in `ids`; each deleted row's image is kept as `before`. */
export async function deleteRows(db: Db, table: string, ids: readonly number[]): Promise<RowChange[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<{ id: number; row: unknown }>`delete from ${sql.table(table)} as t where t.id = any(${[...ids]}::bigint[]) returning t.id, to_jsonb(t.*) as row`.execute(db);
  return rows.sort((a, b) => a.id - b.id).map((r) => ({ table, row_id: r.id, action: 'delete' as const, before: r.row, after: null }));
}
