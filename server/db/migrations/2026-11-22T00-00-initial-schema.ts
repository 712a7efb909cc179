// Frozen migration: the whole data model of the design. Never edit after it has shipped; add a new
// date-prefixed file instead. Typed Kysely<any> on purpose: migrations must not depend on schema.ts.
import { sql, type Kysely } from 'kysely';

const statements = [
  // --- enum types (labels are the API values) ---
  `create type org_type as enum ('employer', 'union', 'training_partner', 'jatc')`,
  `create type member_status as enum ('active', 'inactive', 'suspended', 'retired', 'deceased')`,
  `create type member_classification as enum ('apprentice_1', 'apprentice_2', 'apprentice_3', 'apprentice_4',
     'apprentice_5', 'journeyman', 'residential_wireman', 'installer_technician', 'lineman')`,
  `create type membership_class as enum ('a', 'ba')`,
  `create type student_status as enum ('applicant', 'enrolled', 'on_leave', 'completed', 'dropped', 'dismissed')`,
  `create type file_owner_type as enum ('member', 'organization', 'student', 'grievance')`,

  // updated_at maintained by the database, whoever writes the row.
  `create function set_updated_at() returns trigger language plpgsql as $$
   begin new.updated_at := now(); return new; end $$`,

  `create table locations (
     id bigint generated always as identity primary key,
     name text not null constraint locations_name_not_blank check (btrim(name) <> ''),
     address text, city text, state text, postal_code text,
     capacity integer constraint locations_capacity_non_negative check (capacity >= 0),
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now()
   )`,

  `create table instructors (
     id bigint generated always as identity primary key,
     first_name text not null, last_name text not null,
     email text not null constraint instructors_email_key unique,
     phone text, bio text,
     specialties text[] not null default '{}',
     location_id bigint references locations (id) on delete set null,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now()
   )`,
  `create index instructors_location_id_idx on instructors (location_id)`,

  `create table organizations (
     id bigint generated always as identity primary key,
     name text not null constraint organizations_name_not_blank check (btrim(name) <> ''),
     org_type org_type not null,
     address text, city text, state text, postal_code text,
     phone text, email text, website text,
     salting_score smallint constraint organizations_salting_score_range check (salting_score between 1 and 5),
     notes text,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now()
   )`,
  `create index organizations_org_type_idx on organizations (org_type)`,
  `create index organizations_lower_name_idx on organizations (lower(name) text_pattern_ops)`,

  `create table organization_contacts (
     id bigint generated always as identity primary key,
     organization_id bigint not null references organizations (id) on delete cascade,
     first_name text not null, last_name text not null,
     title text, phone text, email text,
     is_primary boolean not null default false,
     notes text,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now()
   )`,
  `create index organization_contacts_organization_id_idx on organization_contacts (organization_id)`,
  `create unique index organization_contacts_one_primary_idx on organization_contacts (organization_id) where is_primary`,

  `create table members (
     id bigint generated always as identity primary key,
     member_number text not null constraint members_member_number_key unique,
     first_name text not null, middle_name text, last_name text not null,
     date_of_birth date,
     address text, city text, state text, zip text, phone text, email text,
     status member_status not null default 'active',
     classification member_classification not null,
     membership_class membership_class not null default 'a',
     hire_date date,
     notes text,
     deleted_at timestamptz,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     constraint members_member_number_not_blank check (btrim(member_number) <> ''),
     constraint members_hire_after_birth check (hire_date > date_of_birth)
   )`,
  `create index members_status_idx on members (status)`,
  `create index members_classification_idx on members (classification)`,
  `create index members_lower_last_name_idx on members (lower(last_name) text_pattern_ops)`,
  `create index members_lower_first_name_idx on members (lower(first_name) text_pattern_ops)`,

  `create table member_employments (
     id bigint generated always as identity primary key,
     member_id bigint not null references members (id) on delete cascade,
     organization_id bigint not null references organizations (id) on delete restrict,
     job_title text,
     start_date date not null,
     end_date date,
     hourly_rate numeric(10, 2) constraint member_employments_rate_range check (hourly_rate between 10 and 250),
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     constraint member_employments_end_after_start check (end_date >= start_date)
   )`,
  `create index member_employments_member_start_idx on member_employments (member_id, start_date desc)`,
  `create index member_employments_organization_id_idx on member_employments (organization_id)`,
  `create unique index member_employments_one_current_idx on member_employments (member_id) where end_date is null`,

  `create table cohorts (
     id bigint generated always as identity primary key,
     name text not null,
     location_id bigint references locations (id) on delete set null,
     instructor_id bigint references instructors (id) on delete set null,
     start_date date, end_date date,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     constraint cohorts_end_after_start check (end_date >= start_date)
   )`,
  `create index cohorts_location_id_idx on cohorts (location_id)`,
  `create index cohorts_instructor_id_idx on cohorts (instructor_id)`,

  `create table students (
     id bigint generated always as identity primary key,
     student_number text not null constraint students_student_number_key unique,
     first_name text not null, last_name text not null,
     email text constraint students_email_key unique,
     phone text, birthdate date,
     status student_status not null default 'applicant',
     cohort_id bigint references cohorts (id) on delete set null,
     member_id bigint constraint students_member_id_key unique references members (id) on delete set null,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now()
   )`,
  `create index students_status_idx on students (status)`,
  `create index students_cohort_id_idx on students (cohort_id)`,

  `create table file_attachments (
     id bigint generated always as identity primary key,
     owner_type file_owner_type not null,
     owner_id bigint not null,
     category text,
     file_name text not null constraint file_attachments_file_name_not_blank check (btrim(file_name) <> ''),
     mime_type text not null constraint file_attachments_mime_type_format check (mime_type ~ '^[a-z0-9.+-]+/[a-zA-Z0-9.+-]+$'),
     size_bytes bigint constraint file_attachments_size_non_negative check (size_bytes >= 0),
     sha256 text constraint file_attachments_sha256_format check (sha256 ~ '^[0-9a-f]{64}$'),
     storage_key text,
     description text,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now()
   )`,
  `create index file_attachments_owner_idx on file_attachments (owner_type, owner_id)`,
  `create index file_attachments_sha256_idx on file_attachments (sha256)`,

  `create table audit_logs (
     id bigint generated always as identity primary key,
     table_name text not null,
     record_id bigint not null,
     action text not null constraint audit_logs_action_valid check (action in ('insert', 'update', 'delete')),
     old_values jsonb,
     new_values jsonb,
     changed_by text,
     changed_at timestamptz not null default now()
   )`,
  `create index audit_logs_record_idx on audit_logs (table_name, record_id)`,
];

const TABLES_WITH_UPDATED_AT = [
  'locations',
  'instructors',
  'organizations',
  'organization_contacts',
  'members',
  'member_employments',
  'cohorts',
  'students',
  'file_attachments',
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
  for (const table of TABLES_WITH_UPDATED_AT) {
    await sql
      .raw(`create trigger ${table}_set_updated_at before update on ${table} for each row execute function set_updated_at()`)
      .execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [...TABLES_WITH_UPDATED_AT].reverse().concat('audit_logs')) {
    await sql.raw(`drop table if exists ${table} cascade`).execute(db);
  }
  await sql.raw('drop function if exists set_updated_at()').execute(db);
  for (const t of ['file_owner_type', 'student_status', 'membership_class', 'member_classification', 'member_status', 'org_type']) {
    await sql.raw(`drop type if exists ${t}`).execute(db);
  }
}
