// The integrity checks: the rules constraints cannot express (polymorphic orphans, overlapping
// periods, jobs at non-employers, ...) and the ones that matter once constraints were bypassed.
// Each check is one detection query returning the offending row ids of one table, and — when it is
// auto-fixable — one repair that changes exactly those rows. Heal trusts nothing a repair says: it
// counts a fix only when the detection query no longer returns the row (see heal.ts).
import { HOURLY_RATE_MAX, HOURLY_RATE_MIN } from '../server/domain/enums';
import { scanContent, type ContentScan } from './file-store';
import { brokenGuards, restoreGuards } from './schema-guards';
import { deleteRows, selectIds, updateRows, type Db, type RowChange } from './sql-helpers';

export type Severity = 'critical' | 'warning' | 'info';
export type RowId = number | string;

export interface CheckContext {
  filesDir: string;
  /** Whole-file sha256 verification budget for the file checks (bytes); the rest get a size check. */
  hashBudgetBytes: number;
  /** Pending uploads older than this are stale. */
  staleUploadHours: number;
  /** Memoised content scan shared by the two file checks of one pass. */
  contentScan?: Promise<ContentScan>;
  /**
   * Attachment ids whose content must be hashed in full whatever the sample: heal's re-check passes
   * the rows it found before, so a sampled check can never report a row "fixed" merely because the
   * re-check's random sample did not look at it again.
   */
  rehashAttachmentIds?: ReadonlySet<number>;
}

export interface CheckDefinition {
  id: string;
  title: string;
  severity: Severity;
  /** The table whose row ids the check reports (and its repair changes). */
  table: string;
  autoFixable: boolean;
  /** What the repair does, in words (shown by heal and --help). */
  repairDescription?: string;
  detect(db: Db, ctx: CheckContext): Promise<RowId[]>;
  /** What the check covered when that is less than everything (e.g. a sha256 sample). */
  coverage?(db: Db, ctx: CheckContext): Promise<string | undefined>;
  repair?(db: Db, ids: RowId[], ctx: CheckContext): Promise<RowChange[]>;
}

const sqlCheck = (query: string) => (db: Db) => selectIds(db, query);

const numbers = (ids: RowId[]) => ids.map(Number);

export function contentScan(db: Db, ctx: CheckContext): Promise<ContentScan> {
  ctx.contentScan ??= scanContent(db, ctx.filesDir, { hashBudgetBytes: ctx.hashBudgetBytes, alwaysHash: ctx.rehashAttachmentIds });
  return ctx.contentScan;
}

/** Thrown by a check that could not look; the runner reports it as the check's error, not as clean. */
export class CheckUnavailableError extends Error {}

async function fileFinding(db: Db, ctx: CheckContext, pick: (s: ContentScan) => Array<{ attachment_ids: number[] }>): Promise<RowId[]> {
  const scan = await contentScan(db, ctx);
  if (scan.error) throw new CheckUnavailableError(scan.error);
  return pick(scan)
    .flatMap((c) => c.attachment_ids)
    .sort((a, b) => a - b);
}

// Overlap: with a member's jobs sorted by start, every overlapping pair shows up as a job that
// reaches into the next one. Two current jobs are the `employment_multiple_current` check.
// The window runs in the order of member_employments_member_start_idx (start_date desc), so the
// plan is an index scan plus an incremental sort instead of a full sort of the table; lag() in that
// order is the next job in time.
const OVERLAP_WINDOW = `
  select id, member_id, start_date, end_date,
         lag(start_date) over w as next_start, lag(end_date) over w as next_end
    from member_employments
  window w as (partition by member_id order by start_date desc, id desc)`;

export const CHECKS: readonly CheckDefinition[] = [
  {
    id: 'employment_member_missing',
    title: 'employments whose member does not exist (foreign key bypassed)',
    severity: 'critical',
    table: 'member_employments',
    autoFixable: true,
    repairDescription: 'delete the employment (what ON DELETE CASCADE would have done)',
    detect: sqlCheck(`select e.id from member_employments e where not exists (select 1 from members m where m.id = e.member_id)`),
    repair: (db, ids) => deleteRows(db, 'member_employments', numbers(ids)),
  },
  {
    id: 'employment_organization_missing',
    title: 'employments whose organization does not exist (foreign key bypassed)',
    severity: 'critical',
    table: 'member_employments',
    autoFixable: false,
    detect: sqlCheck(`select e.id from member_employments e where not exists (select 1 from organizations o where o.id = e.organization_id)`),
  },
  {
    id: 'contact_organization_missing',
    title: 'organization contacts whose organization does not exist (foreign key bypassed)',
    severity: 'critical',
    table: 'organization_contacts',
    autoFixable: true,
    repairDescription: 'delete the contact (what ON DELETE CASCADE would have done)',
    detect: sqlCheck(`select c.id from organization_contacts c where not exists (select 1 from organizations o where o.id = c.organization_id)`),
    repair: (db, ids) => deleteRows(db, 'organization_contacts', numbers(ids)),
  },
  {
    id: 'attachment_owner_missing',
    title: 'file attachments whose owner (member, organization, student) does not exist',
    severity: 'warning',
    table: 'file_attachments',
    autoFixable: true,
    repairDescription: 'delete the attachment row (the content file stays; resilience lists unreferenced files)',
    detect: sqlCheck(`
      select f.id from file_attachments f
       where (f.owner_type = 'member' and not exists (select 1 from members m where m.id = f.owner_id))
          or (f.owner_type = 'organization' and not exists (select 1 from organizations o where o.id = f.owner_id))
          or (f.owner_type = 'student' and not exists (select 1 from students s where s.id = f.owner_id))`),
    repair: (db, ids) => deleteRows(db, 'file_attachments', numbers(ids)),
  },
  {
    id: 'student_member_missing',
    title: 'students linked to a missing or soft-deleted member',
    severity: 'warning',
    table: 'students',
    autoFixable: true,
    repairDescription: 'unlink the student (member_id = null)',
    detect: sqlCheck(`
      select s.id from students s left join members m on m.id = s.member_id
       where s.member_id is not null and (m.id is null or m.deleted_at is not null)`),
    repair: (db, ids) => updateRows(db, 'students', numbers(ids), 'member_id = null'),
  },
  {
    id: 'employment_open_for_deleted_member',
    title: 'current (open) jobs of soft-deleted members',
    severity: 'warning',
    table: 'member_employments',
    autoFixable: true,
    repairDescription: 'end the job on the day the member was deleted (never before its start)',
    detect: sqlCheck(`
      select e.id from member_employments e join members m on m.id = e.member_id
       where e.end_date is null and m.deleted_at is not null`),
    repair: (db, ids) =>
      updateRows(db, 'member_employments', numbers(ids), 'end_date = greatest(t.start_date, m.deleted_at::date)', {
        from: 'members m',
        where: 'm.id = t.member_id and m.deleted_at is not null and t.end_date is null',
      }),
  },
  {
    id: 'member_inactive_with_current_job',
    title: 'deceased or retired members with a current job',
    severity: 'warning',
    table: 'member_employments',
    autoFixable: true,
    repairDescription: 'end the job on the day the member record last changed (never before its start, never in the future)',
    detect: sqlCheck(`
      select e.id from member_employments e join members m on m.id = e.member_id
       where e.end_date is null and m.status in ('deceased', 'retired') and m.deleted_at is null`),
    repair: (db, ids) =>
      updateRows(db, 'member_employments', numbers(ids), 'end_date = greatest(t.start_date, least(current_date, m.updated_at::date))', {
        from: 'members m',
        where: "m.id = t.member_id and m.status in ('deceased', 'retired') and t.end_date is null",
      }),
  },
  {
    id: 'employment_multiple_current',
    title: 'members with more than one current job (unique index bypassed): the older ones',
    severity: 'critical',
    table: 'member_employments',
    autoFixable: true,
    repairDescription: 'keep the newest current job; end each older one the day before the newest started',
    detect: sqlCheck(`
      select id from (
        select id, row_number() over (partition by member_id order by start_date desc, id desc) as rn
          from member_employments where end_date is null) x
       where rn > 1`),
    repair: (db, ids) =>
      updateRows(db, 'member_employments', numbers(ids), 'end_date = greatest(t.start_date, newest.start_date - 1)', {
        from: `(select distinct on (member_id) member_id, id, start_date from member_employments
                 where end_date is null order by member_id, start_date desc, id desc) newest`,
        where: 'newest.member_id = t.member_id and newest.id <> t.id and t.end_date is null',
      }),
  },
  {
    id: 'employment_end_before_start',
    title: 'employments ending before they start (check constraint bypassed)',
    severity: 'critical',
    table: 'member_employments',
    autoFixable: true,
    repairDescription: 'swap start_date and end_date (the dates were entered the wrong way round)',
    detect: sqlCheck(`select id from member_employments where end_date < start_date`),
    repair: (db, ids) => updateRows(db, 'member_employments', numbers(ids), 'start_date = t.end_date, end_date = t.start_date', { where: 't.end_date < t.start_date' }),
  },
  {
    id: 'employment_overlap',
    title: 'employment periods of one member that overlap (the earlier job of each pair)',
    severity: 'warning',
    table: 'member_employments',
    autoFixable: true,
    repairDescription: 'end the earlier job the day before the next one starts (when that is not before its own start)',
    detect: sqlCheck(`
      select id from (${OVERLAP_WINDOW}) x
       where next_start is not null
         and (end_date is null or end_date >= next_start)
         and not (end_date is null and next_end is null)`),
    repair: (db, ids) =>
      updateRows(db, 'member_employments', numbers(ids), 'end_date = x.next_start - 1', {
        from: `(${OVERLAP_WINDOW}) x`,
        where: 'x.id = t.id and x.next_start - 1 >= t.start_date',
      }),
  },
  {
    id: 'employment_rate_out_of_range',
    title: `hourly rates outside ${HOURLY_RATE_MIN}–${HOURLY_RATE_MAX} (check constraint bypassed)`,
    severity: 'warning',
    table: 'member_employments',
    autoFixable: true,
    repairDescription: 'set the rate to unknown (null); the old value is kept in the audit log',
    detect: sqlCheck(`select id from member_employments where hourly_rate < ${HOURLY_RATE_MIN} or hourly_rate > ${HOURLY_RATE_MAX}`),
    repair: (db, ids) =>
      updateRows(db, 'member_employments', numbers(ids), 'hourly_rate = null', {
        where: `t.hourly_rate < ${HOURLY_RATE_MIN} or t.hourly_rate > ${HOURLY_RATE_MAX}`,
      }),
  },
  {
    id: 'employment_before_hire',
    title: "jobs starting before the member's hire date",
    severity: 'warning',
    table: 'members',
    autoFixable: true,
    repairDescription: 'move the hire date back to the first job (when that is still after the date of birth)',
    detect: sqlCheck(`
      select m.id from members m
       where m.deleted_at is null and m.hire_date is not null
         and exists (select 1 from member_employments e where e.member_id = m.id and e.start_date < m.hire_date)`),
    repair: (db, ids) =>
      updateRows(db, 'members', numbers(ids), 'hire_date = first_job.start_date', {
        from: '(select member_id, min(start_date) as start_date from member_employments group by member_id) first_job',
        where: 'first_job.member_id = t.id and first_job.start_date < t.hire_date and (t.date_of_birth is null or first_job.start_date > t.date_of_birth)',
      }),
  },
  {
    id: 'employment_at_non_employer',
    title: 'jobs at organizations that are not employers (union, training partner, JATC)',
    severity: 'warning',
    table: 'member_employments',
    autoFixable: false,
    detect: sqlCheck(`
      select e.id from member_employments e join organizations o on o.id = e.organization_id
       where o.org_type <> 'employer'`),
  },
  {
    id: 'member_impossible_dates',
    title: 'members born in the future or hired before they were born',
    severity: 'warning',
    table: 'members',
    autoFixable: false,
    detect: sqlCheck(`
      select id from members
       where deleted_at is null and (date_of_birth > current_date or hire_date <= date_of_birth or hire_date > current_date + 366)`),
  },
  {
    id: 'active_member_without_history',
    title: 'active members with no employment history',
    severity: 'info',
    table: 'members',
    autoFixable: false,
    detect: sqlCheck(`
      select m.id from members m
       where m.status = 'active' and m.deleted_at is null
         and not exists (select 1 from member_employments e where e.member_id = m.id)`),
  },
  {
    id: 'employer_without_primary_contact',
    title: 'employers without a primary contact',
    severity: 'warning',
    table: 'organizations',
    autoFixable: true,
    repairDescription: 'make the oldest contact primary (employers without any contact stay unfixed)',
    detect: sqlCheck(`
      select o.id from organizations o
       where o.org_type = 'employer'
         and not exists (select 1 from organization_contacts c where c.organization_id = o.id and c.is_primary)`),
    async repair(db, ids) {
      const contactIds = await selectIds(
        db,
        `select distinct on (organization_id) id from organization_contacts
          where organization_id = any(array[${numbers(ids).join(',') || 'null'}]::bigint[]) order by organization_id, id`,
      );
      return updateRows(db, 'organization_contacts', contactIds, 'is_primary = true');
    },
  },
  {
    id: 'organization_multiple_primary',
    title: 'extra primary contacts of one organization (unique index bypassed)',
    severity: 'critical',
    table: 'organization_contacts',
    autoFixable: true,
    repairDescription: 'keep the oldest primary contact; the others become ordinary contacts',
    detect: sqlCheck(`
      select id from (
        select id, row_number() over (partition by organization_id order by id) as rn
          from organization_contacts where is_primary) x
       where rn > 1`),
    repair: (db, ids) => updateRows(db, 'organization_contacts', numbers(ids), 'is_primary = false', { where: 't.is_primary' }),
  },
  {
    id: 'attachment_upload_stale',
    title: 'attachment rows whose content was never uploaded (stale pending uploads)',
    severity: 'info',
    table: 'file_attachments',
    autoFixable: false,
    detect: (db, ctx) =>
      selectIds(db, `select id from file_attachments where sha256 is null and created_at < now() - interval '${Math.max(0, Math.floor(ctx.staleUploadHours))} hours'`),
  },
  {
    id: 'file_content_missing',
    title: 'attachments whose content file is missing on disk',
    severity: 'critical',
    table: 'file_attachments',
    autoFixable: false,
    detect: (db, ctx) => fileFinding(db, ctx, (s) => s.missing),
  },
  {
    id: 'file_content_mismatch',
    title: 'attachments whose content on disk has another size or sha256',
    severity: 'critical',
    table: 'file_attachments',
    autoFixable: false,
    detect: (db, ctx) => fileFinding(db, ctx, (s) => s.mismatched),
    async coverage(db, ctx) {
      const s = await contentScan(db, ctx);
      if (s.error || !s.sampled) return undefined;
      return `sizes checked for all ${s.referenced} files; whole-file sha256 for a random ${s.hashed} (INTEGRITY_HASH_BUDGET_MB); loadlab resilience verifies every file`;
    },
  },
  {
    id: 'schema_guard_missing',
    title: 'constraints or unique indexes that are missing or NOT VALID',
    severity: 'critical',
    table: 'pg_catalog',
    autoFixable: true,
    repairDescription: 'recreate / VALIDATE the guard (fails, and stays reported, while violating rows remain)',
    detect: (db) => brokenGuards(db),
    repair: (db, ids) => restoreGuards(db, ids),
  },
];

export const CHECK_IDS = CHECKS.map((c) => c.id);

export function checkById(id: string): CheckDefinition | undefined {
  return CHECKS.find((c) => c.id === id);
}

/** Resolve a user's list of check ids; unknown ids throw one line naming them and the valid ones. */
export function resolveChecks(ids: readonly string[] | undefined): CheckDefinition[] {
  if (!ids || ids.length === 0) return [...CHECKS];
  const unknown = ids.filter((id) => !checkById(id));
  if (unknown.length) throw new Error(`unknown check id ${unknown.map((u) => `'${u}'`).join(', ')} (known: ${CHECK_IDS.join(', ')})`);
  return CHECKS.filter((c) => ids.includes(c.id));
}
