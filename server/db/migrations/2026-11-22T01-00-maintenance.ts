// Maintenance bookkeeping for the database-care tools: every heal/integrity/resilience run is kept
// (for `loadlab heal --summary`), and every resilience run adds one database-size snapshot (growth
// trend). Typed Kysely<any> on purpose: migrations must not depend on schema.ts.
import { sql, type Kysely } from 'kysely';

const statements = [
  `create table maintenance_runs (
     id bigint generated always as identity primary key,
     run_id text not null constraint maintenance_runs_run_id_key unique,
     kind text not null constraint maintenance_runs_kind_valid check (kind in ('integrity', 'heal', 'resilience')),
     dry_run boolean not null default false,
     started_at timestamptz not null,
     finished_at timestamptz not null,
     issues_found integer not null default 0,
     issues_fixed integer not null default 0,
     issues_unfixed integer not null default 0,
     priority text,
     checks jsonb not null default '[]',
     notifications jsonb not null default '[]',
     created_at timestamptz not null default now()
   )`,
  `create index maintenance_runs_kind_started_idx on maintenance_runs (kind, started_at desc)`,
  `create table db_growth_snapshots (
     id bigint generated always as identity primary key,
     taken_at timestamptz not null default now(),
     database_bytes bigint not null,
     tables jsonb not null
   )`,
  `create index db_growth_snapshots_taken_at_idx on db_growth_snapshots (taken_at desc)`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw('drop table if exists db_growth_snapshots').execute(db);
  await sql.raw('drop table if exists maintenance_runs').execute(db);
}
