// The id-pool sample the k6 scenarios read through SharedArray (shape: DataPool in
// server/domain/data-pool.ts), written by the seeder straight from the rows it just committed: ids
// spread evenly over each table, names and search prefixes that really occur.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import type { DataPool } from '../server/domain/data-pool';

/** Evenly spaced sample of at most `max` items, in order. */
export function spread<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  return Array.from({ length: max }, (_, i) => items[Math.floor((i * items.length) / max)]!);
}

async function ids(client: pg.ClientBase, sql: string, max: number): Promise<number[]> {
  const { rows } = await client.query<{ id: string | number }>(sql);
  return spread(rows.map((r) => Number(r.id)), max);
}

export async function readIdPool(client: pg.ClientBase, maxIds = 2_000): Promise<DataPool> {
  const names = await client.query<{ first_name: string; last_name: string }>(
    'select first_name, last_name from members where deleted_at is null order by id',
  );
  const prefixes = await client.query<{ prefix: string }>(
    `select lower(left(last_name, 2)) as prefix from members where deleted_at is null and length(last_name) >= 2
     group by 1 order by count(*) desc, 1 limit 100`,
  );
  return {
    memberIds: await ids(client, 'select id from members where deleted_at is null order by id', maxIds),
    organizationIds: await ids(client, 'select id from organizations order by id', maxIds),
    employerIds: await ids(client, `select id from organizations where org_type = 'employer' order by id`, maxIds),
    studentIds: await ids(client, 'select id from students order by id', maxIds),
    fileIds: await ids(client, `select id from file_attachments where owner_type <> 'grievance' order by id`, maxIds),
    names: spread(names.rows, 500).map((r) => ({ first_name: r.first_name, last_name: r.last_name })),
    searchPrefixes: prefixes.rows.map((r) => r.prefix),
  };
}

export function writeIdPool(file: string, pool: DataPool): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(pool));
}
