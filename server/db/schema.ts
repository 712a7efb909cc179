// Table interfaces for Kysely: the TypeScript view of the schema created by migrations/.
// Shape follows Kysely's example app: Generated<> for defaults, Selectable/Insertable/Updateable per table.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type {
  FileOwnerType,
  MemberClassification,
  MemberStatus,
  MembershipClass,
  OrgType,
  StudentStatus,
} from '../domain/enums';

/** Dates are `YYYY-MM-DD` strings end to end (the pg DATE parser is the identity). */
type DateCol = string;
/** timestamptz columns are read as ISO 8601 strings (see the type parser in database.ts). */
type Timestamp = ColumnType<string, Date | string | undefined, Date | string>;
type Timestamps = {
  created_at: Timestamp;
  updated_at: Timestamp;
};
type Id = Generated<number>;

export interface LocationsTable extends Timestamps {
  id: Id;
  name: string;
  address: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  capacity: number | null;
}

export interface InstructorsTable extends Timestamps {
  id: Id;
  first_name: string;
  last_name: string;
  email: string;
  phone: string | null;
  bio: string | null;
  specialties: ColumnType<string[], string[] | undefined, string[]>;
  location_id: number | null;
}

export interface OrganizationsTable extends Timestamps {
  id: Id;
  name: string;
  org_type: OrgType;
  address: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  phone: string | null;
  email: string | null;
  website: string | null;
  salting_score: number | null;
  notes: string | null;
}

export interface OrganizationContactsTable extends Timestamps {
  id: Id;
  organization_id: number;
  first_name: string;
  last_name: string;
  title: string | null;
  phone: string | null;
  email: string | null;
  is_primary: Generated<boolean>;
  notes: string | null;
}

export interface MembersTable extends Timestamps {
  id: Id;
  member_number: string;
  first_name: string;
  middle_name: string | null;
  last_name: string;
  date_of_birth: DateCol | null;
  address: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
  phone: string | null;
  email: string | null;
  status: Generated<MemberStatus>;
  classification: MemberClassification;
  membership_class: Generated<MembershipClass>;
  hire_date: DateCol | null;
  notes: string | null;
  deleted_at: ColumnType<string | null, Date | string | null | undefined, Date | string | null>;
}

export interface MemberEmploymentsTable extends Timestamps {
  id: Id;
  member_id: number;
  organization_id: number;
  job_title: string | null;
  start_date: DateCol;
  end_date: DateCol | null;
  /** numeric(10,2), parsed to a JS number by the pg type parser set in database.ts */
  hourly_rate: number | null;
}

export interface CohortsTable extends Timestamps {
  id: Id;
  name: string;
  location_id: number | null;
  instructor_id: number | null;
  start_date: DateCol | null;
  end_date: DateCol | null;
}

export interface StudentsTable extends Timestamps {
  id: Id;
  student_number: string;
  first_name: string;
  last_name: string;
  email: string | null;
  phone: string | null;
  birthdate: DateCol | null;
  status: Generated<StudentStatus>;
  cohort_id: number | null;
  member_id: number | null;
}

export interface FileAttachmentsTable extends Timestamps {
  id: Id;
  owner_type: FileOwnerType;
  owner_id: number;
  category: string | null;
  file_name: string;
  mime_type: string;
  size_bytes: number | null;
  sha256: string | null;
  storage_key: string | null;
  description: string | null;
}

export interface AuditLogsTable {
  id: Id;
  table_name: string;
  record_id: number;
  action: 'insert' | 'update' | 'delete';
  old_values: ColumnType<unknown, string | null, never> | null;
  new_values: ColumnType<unknown, string | null, never> | null;
  changed_by: string | null;
  changed_at: ColumnType<string, Date | string | undefined, never>;
}

export interface Database {
  locations: LocationsTable;
  instructors: InstructorsTable;
  organizations: OrganizationsTable;
  organization_contacts: OrganizationContactsTable;
  members: MembersTable;
  member_employments: MemberEmploymentsTable;
  cohorts: CohortsTable;
  students: StudentsTable;
  file_attachments: FileAttachmentsTable;
  audit_logs: AuditLogsTable;
  maintenance_runs: MaintenanceRunsTable;
  db_growth_snapshots: DbGrowthSnapshotsTable;
}

/** One integrity / heal / resilience run (migration 2026-11-22T01-00-maintenance). */
export interface MaintenanceRunsTable {
  id: Id;
  run_id: string;
  kind: 'integrity' | 'heal' | 'resilience';
  dry_run: Generated<boolean>;
  started_at: ColumnType<string, Date | string, never>;
  finished_at: ColumnType<string, Date | string, never>;
  issues_found: Generated<number>;
  issues_fixed: Generated<number>;
  issues_unfixed: Generated<number>;
  priority: string | null;
  checks: ColumnType<unknown, string | undefined, never>;
  notifications: ColumnType<unknown, string | undefined, never>;
  created_at: ColumnType<string, Date | string | undefined, never>;
}

/** Database size over time, one row per resilience run. */
export interface DbGrowthSnapshotsTable {
  id: Id;
  taken_at: ColumnType<string, Date | string | undefined, never>;
  database_bytes: number;
  tables: ColumnType<unknown, string, never>;
}

/** Every data table, parents before children (the order seeds load and truncates reverse). */
export const DATA_TABLES = [
  'locations',
  'instructors',
  'organizations',
  'organization_contacts',
  'members',
  'member_employments',
  'cohorts',
  'students',
  'file_attachments',
  'audit_logs',
] as const satisfies readonly (keyof Database)[];

export type Member = Selectable<MembersTable>;
export type NewMember = Insertable<MembersTable>;
export type MemberUpdate = Updateable<MembersTable>;
export type Employment = Selectable<MemberEmploymentsTable>;
export type NewEmployment = Insertable<MemberEmploymentsTable>;
export type Organization = Selectable<OrganizationsTable>;
export type OrganizationContact = Selectable<OrganizationContactsTable>;
export type Student = Selectable<StudentsTable>;
export type Instructor = Selectable<InstructorsTable>;
export type Location = Selectable<LocationsTable>;
export type FileAttachment = Selectable<FileAttachmentsTable>;
