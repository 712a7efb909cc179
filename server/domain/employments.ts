// zod schemas of employment history rows.
import { z } from 'zod';
import { HOURLY_RATE_MAX, HOURLY_RATE_MIN } from './enums';
import { DateString, Text, Timestamp } from './common';

export const HourlyRate = z
  .number({ error: 'must be a number' })
  .min(HOURLY_RATE_MIN, `must be between ${HOURLY_RATE_MIN} and ${HOURLY_RATE_MAX}`)
  .max(HOURLY_RATE_MAX, `must be between ${HOURLY_RATE_MIN} and ${HOURLY_RATE_MAX}`)
  .refine((n) => Math.round(n * 100) === Math.round(n * 100 * 1e6) / 1e6, 'must have at most two decimals');

export const EmploymentSchema = z.object({
  id: z.number().int(),
  member_id: z.number().int(),
  organization_id: z.number().int(),
  job_title: z.string().nullable(),
  start_date: z.string(),
  end_date: z.string().nullable(),
  hourly_rate: z.number().nullable(),
  is_current: z.boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const CreateEmploymentBody = z
  .strictObject({
    organization_id: z.number({ error: 'must be an organization id' }).int('must be an organization id').positive('must be an organization id').max(Number.MAX_SAFE_INTEGER),
    start_date: DateString,
    end_date: DateString.nullable().optional(),
    job_title: Text(200).nullable().optional(),
    hourly_rate: HourlyRate.nullable().optional(),
  })
  .superRefine(endAfterStart);
export type CreateEmploymentInput = z.infer<typeof CreateEmploymentBody>;

/** Change title/rate/dates; `end_date` ends the job (null re-opens it as the current job). */
export const UpdateEmploymentBody = z
  .strictObject({
    start_date: DateString.optional(),
    end_date: DateString.nullable().optional(),
    job_title: Text(200).nullable().optional(),
    hourly_rate: HourlyRate.nullable().optional(),
  })
  .superRefine(endAfterStart)
  .refine((b) => Object.keys(b).length > 0, { message: 'must change at least one field', path: [] });
export type UpdateEmploymentInput = z.infer<typeof UpdateEmploymentBody>;

export const EmploymentList = z.object({ items: z.array(EmploymentSchema) });

function endAfterStart(e: { start_date?: string; end_date?: string | null }, ctx: z.RefinementCtx) {
  if (e.start_date && e.end_date && e.end_date < e.start_date) {
    ctx.addIssue({ code: 'custom', path: ['end_date'], message: 'must be on or after start_date' });
  }
}
