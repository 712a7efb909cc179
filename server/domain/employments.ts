// zod schemas of employment history rows.
import { z } from 'zod';
import { HOURLY_RATE_MAX, HOURLY_RATE_MIN } from './enums';
import { Timestamp } from './common';

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
