// The database rules the checker relies on PostgreSQL to enforce ("constraints first, checker
// second"). When one is missing or NOT VALID (someone bypassed it, as inject-anomalies does), the
// integrity check `schema_guard_missing` reports it and heal restores it — which only succeeds once
// the rows that violate it have been repaired, so a restored guard is itself proof of clean data.
import { sql } from 'kysely';
import { NO_OVERLAP_DEFINITION } from '../server/db/migrations/2026-12-01T00-00-employment-no-overlap';
import type { Db, RowChange } from './sql-helpers';

export interface SchemaGuard {
  name: string;
  kind: 'check' | 'foreign_key' | 'unique_index' | 'exclusion';
  table: string;
  /** For constraints: the text after `add constraint <name>`; for indexes: the full CREATE statement. */
  definition: string;
}

export const SCHEMA_GUARDS: readonly SchemaGuard[] = [
  { name: 'member_employments_end_after_start', kind: 'check', table: 'member_employments', definition: 'check (end_date >= start_date)' },
  { name: 'member_employments_rate_range', kind: 'check', table: 'member_employments', definition: 'check (hourly_rate between 10 and 250)' },
  { name: 'members_hire_after_birth', kind: 'check', table: 'members', definition: 'check (hire_date > date_of_birth)' },
  {
    name: 'member_employments_member_id_fkey',
    kind: 'foreign_key',
    table: 'member_employments',
    definition: 'foreign key (member_id) references members (id) on delete cascade',
  },
  {
    name: 'member_employments_organization_id_fkey',
    kind: 'foreign_key',
    table: 'member_employments',
    definition: 'foreign key (organization_id) references organizations (id) on delete restrict',
  },
  {
    name: 'organization_contacts_organization_id_fkey',
    kind: 'foreign_key',
    table: 'organization_contacts',
    definition: 'foreign key (organization_id) references organizations (id) on delete cascade',
  },
  { name: 'students_member_id_fkey', kind: 'foreign_key', table: 'students', definition: 'foreign key (member_id) references members (id) on delete set null' },
  { name: 'member_employments_no_overlap', kind: 'exclusion', table: 'member_employments', definition: NO_OVERLAP_DEFINITION },
  {
    name: 'member_employments_one_current_idx',
    kind: 'unique_index',
    table: 'member_employments',
    definition: 'create unique index member_employments_one_current_idx on member_employments (member_id) where end_date is null',
  },
  {
    name: 'organization_contacts_one_primary_idx',
    kind: 'unique_index',
    table: 'organization_contacts',
    definition: 'create unique index organization_contacts_one_primary_idx on organization_contacts (organization_id) where is_primary',
  },
];

type GuardState = 'valid' | 'missing' | 'not_valid';

/** One query: the state of every guard in the current schema. */
export async function guardStates(db: Db): Promise<Map<string, GuardState>> {
  const values = SCHEMA_GUARDS.map((g) => `('${g.name}', '${g.kind}')`).join(', ');
  const { rows } = await sql<{ name: string; state: GuardState }>`
    select g.name,
           case when g.kind = 'unique_index' then
                  case when i.indexrelid is null then 'missing' when i.indisvalid then 'valid' else 'not_valid' end
                else
                  case when c.oid is null then 'missing' when c.convalidated then 'valid' else 'not_valid' end
           end as state
      from (values ${sql.raw(values)}) g(name, kind)
      left join pg_constraint c on c.conname = g.name and c.connamespace = current_schema()::regnamespace
      left join pg_class ic on ic.relname = g.name and ic.relnamespace = current_schema()::regnamespace and ic.relkind = 'i'
      left join pg_index i on i.indexrelid = ic.oid`.execute(db);
  return new Map(rows.map((r) => [r.name, r.state]));
}

/** Names of guards that are missing or not valid, sorted. */
export async function brokenGuards(db: Db): Promise<string[]> {
  const states = await guardStates(db);
  return [...states].filter(([, s]) => s !== 'valid').map(([n]) => n).sort();
}

/**
 * Restore the named guards inside the caller's transaction, one savepoint each: a guard whose rows
 * are still bad fails on its own (reported by the re-check) without undoing the others.
 */
export async function restoreGuards(db: Db, names: readonly (number | string)[]): Promise<RowChange[]> {
  const states = await guardStates(db);
  const changes: RowChange[] = [];
  const failures: string[] = [];
  for (const name of names) {
    const guard = SCHEMA_GUARDS.find((g) => g.name === name);
    const state = states.get(String(name));
    if (!guard || !state || state === 'valid') continue;
    await sql`savepoint restore_guard`.execute(db);
    try {
      if (guard.kind === 'unique_index') {
        if (state === 'not_valid') await sql`drop index ${sql.id(guard.name)}`.execute(db);
        await sql.raw(guard.definition).execute(db);
      } else if (state === 'not_valid') {
        await sql`alter table ${sql.table(guard.table)} validate constraint ${sql.id(guard.name)}`.execute(db);
      } else {
        await sql`alter table ${sql.table(guard.table)} add constraint ${sql.id(guard.name)} ${sql.raw(guard.definition)}`.execute(db);
      }
      await sql`release savepoint restore_guard`.execute(db);
      changes.push({ table: guard.table, row_id: guard.name, action: 'ddl', before: { state }, after: { state: 'valid' } });
    } catch (err) {
      await sql`rollback to savepoint restore_guard`.execute(db);
      failures.push(`${guard.name}: ${(err as Error).message}`);
    }
  }
  if (failures.length && !changes.length) throw new Error(`could not restore ${failures.join('; ')}`);
  // The guards that were restored are committed; the others are named for the heal report.
  return Object.assign(changes, { failures });
}
