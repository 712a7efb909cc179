// What each database constraint means to an API client: the HTTP status, the field it concerns
// and the rule in words. The error handler turns PostgreSQL errors into the API error shape here.
export interface ConstraintRule {
  status: 400 | 404 | 409;
  path: string;
  message: string;
}

export const CONSTRAINT_RULES: Record<string, ConstraintRule> = {
  members_member_number_key: { status: 409, path: 'member_number', message: 'member_number is already used by another member' },
  members_hire_after_birth: { status: 400, path: 'hire_date', message: 'hire_date must be after date_of_birth' },
  members_member_number_not_blank: { status: 400, path: 'member_number', message: 'member_number must not be blank' },
  member_employments_one_current_idx: {
    status: 409,
    path: 'end_date',
    message: 'a member can have only one current job (end the current job first)',
  },
  member_employments_no_overlap: { status: 409, path: 'start_date', message: 'the period overlaps another job of the member' },
  member_employments_end_after_start: { status: 400, path: 'end_date', message: 'end_date must be on or after start_date' },
  member_employments_rate_range: { status: 400, path: 'hourly_rate', message: 'hourly_rate must be between 10 and 250' },
  member_employments_member_id_fkey: { status: 404, path: 'member_id', message: 'the member does not exist' },
  member_employments_organization_id_fkey: { status: 409, path: 'organization_id', message: 'organization_id refers to no organization' },
  organization_contacts_one_primary_idx: {
    status: 409,
    path: 'is_primary',
    message: 'an organization can have only one primary contact (use PUT /organizations/:id/primary-contact)',
  },
  organization_contacts_organization_id_fkey: { status: 404, path: 'organization_id', message: 'the organization does not exist' },
  organizations_salting_score_range: { status: 400, path: 'salting_score', message: 'salting_score must be between 1 and 5' },
  organizations_name_not_blank: { status: 400, path: 'name', message: 'name must not be blank' },
  instructors_email_key: { status: 409, path: 'email', message: 'email is already used by another instructor' },
  instructors_location_id_fkey: { status: 409, path: 'location_id', message: 'location_id refers to no location' },
  students_student_number_key: { status: 409, path: 'student_number', message: 'student_number is already used by another student' },
  students_email_key: { status: 409, path: 'email', message: 'email is already used by another student' },
  students_member_id_key: { status: 409, path: 'member_id', message: 'that member is already linked to another student' },
  students_member_id_fkey: { status: 409, path: 'member_id', message: 'member_id refers to no member' },
  students_cohort_id_fkey: { status: 409, path: 'cohort_id', message: 'cohort_id refers to no cohort' },
  cohorts_end_after_start: { status: 400, path: 'end_date', message: 'end_date must be on or after start_date' },
  cohorts_location_id_fkey: { status: 409, path: 'location_id', message: 'location_id refers to no location' },
  cohorts_instructor_id_fkey: { status: 409, path: 'instructor_id', message: 'instructor_id refers to no instructor' },
  locations_capacity_non_negative: { status: 400, path: 'capacity', message: 'capacity must be 0 or more' },
  locations_name_not_blank: { status: 400, path: 'name', message: 'name must not be blank' },
  file_attachments_mime_type_format: { status: 400, path: 'mime_type', message: 'mime_type must look like type/subtype' },
  file_attachments_file_name_not_blank: { status: 400, path: 'file_name', message: 'file_name must not be blank' },
  file_attachments_size_non_negative: { status: 400, path: 'size_bytes', message: 'size_bytes must be 0 or more' },
  file_attachments_sha256_format: { status: 400, path: 'sha256', message: 'sha256 must be 64 lower-case hex digits' },
};

/** SQLSTATE classes that mean "the client sent something PostgreSQL cannot store". */
const DATA_EXCEPTION_CLASS = '22';

export interface DbErrorMapping {
  status: number;
  code: string;
  message: string;
  details: { path: string; message: string }[];
}

/** Map a pg error to an API error, or undefined when it is not the client's fault. */
export function mapDatabaseError(err: unknown): DbErrorMapping | undefined {
  const e = err as { code?: string; constraint?: string; message?: string; column?: string } | null;
  if (!e || typeof e.code !== 'string') return undefined;
  const rule = e.constraint ? CONSTRAINT_RULES[e.constraint] : undefined;
  switch (e.code) {
    case '23505': // unique_violation
    case '23503': // foreign_key_violation
    case '23514': // check_violation
    case '23P01': // exclusion_violation
      if (rule) {
        return {
          status: rule.status,
          code: rule.status === 409 ? 'conflict' : rule.status === 404 ? 'not_found' : 'validation_error',
          message: rule.message,
          details: [{ path: rule.path, message: rule.message }],
        };
      }
      return {
        status: 409,
        code: 'conflict',
        message: `the change breaks the rule ${e.constraint ?? 'of the database'}`,
        details: [],
      };
    case '23502': // not_null_violation
      return {
        status: 400,
        code: 'validation_error',
        message: `${e.column ?? 'a field'} is required`,
        details: [{ path: e.column ?? '', message: 'is required' }],
      };
  }
  if (e.code.startsWith(DATA_EXCEPTION_CLASS)) {
    return { status: 400, code: 'validation_error', message: `invalid value: ${e.message ?? ''}`.trim(), details: [] };
  }
  return undefined;
}

/** SQLSTATEs and driver errors that mean "the database is unavailable right now" (→ 503). */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  const code = e.code ?? '';
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') return true;
  if (code === '57014') return true; // statement timeout / cancelled: overloaded
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code)) return true;
  const msg = e.message ?? '';
  return (
    msg.includes('timeout exceeded when trying to connect') ||
    msg.includes('Connection terminated') ||
    msg.includes('connection timeout') ||
    msg.includes('Query read timeout') ||
    msg.includes('Client has encountered a connection error')
  );
}
