// Building blocks for the zod schemas of the API: ids, dates, pages, the error shape.
import { z } from 'zod';

/** Decimal digits only (no `0x10`, `1e3`, ` 5`), positive, within the range ids use. */
const IdString = z
  .string()
  .regex(/^\d{1,16}$/, 'must be a positive integer id')
  .transform(Number)
  .refine((n) => n > 0, 'must be a positive integer id')
  .refine((n) => n <= Number.MAX_SAFE_INTEGER, 'id out of range');

/** A path id. */
export const IdParam = z.object({ id: IdString });

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A calendar date `YYYY-MM-DD` that exists (2023-02-30 is rejected here, not by PostgreSQL). */
export const DateString = z.string().regex(ISO_DATE, 'must be a date YYYY-MM-DD').refine((s) => {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s && d.getUTCFullYear() >= 1900 && d.getUTCFullYear() <= 2200;
}, 'must be a real calendar date between 1900 and 2200');

/** Text columns: bounded, no NUL bytes (PostgreSQL cannot store them). */
export const Text = (max = 200) =>
  z.string().max(max, `must be at most ${max} characters`).refine((s) => !s.includes('\u0000'), 'must not contain NUL characters');
export const RequiredText = (max = 200) => Text(max).refine((s) => s.trim().length > 0, 'must not be blank');

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1, 'must be between 1 and 200').max(200, 'must be between 1 and 200').default(50),
  offset: z.coerce.number().int().min(0, 'must be 0 or more').max(1_000_000, 'must be at most 1000000').default(0),
});

/** Timestamps as serialized (pg Date objects become ISO strings through JSON.stringify). Docs only. */
export const Timestamp = z.iso.datetime();

export const ErrorDetail = z.object({ path: z.string(), message: z.string() });
export const ErrorResponse = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(ErrorDetail),
  }),
  request_id: z.string(),
});
export type ErrorResponseBody = z.infer<typeof ErrorResponse>;

export const pageOf = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ items: z.array(item), total: z.number().int(), limit: z.number().int(), offset: z.number().int() });

/** A reference to another row in a JSON body (`organization_id`, `cohort_id`, …). */
export const IdRef = z
  .number({ error: 'must be a positive integer id' })
  .int('must be a positive integer id')
  .positive('must be a positive integer id')
  .max(Number.MAX_SAFE_INTEGER, 'id out of range');

/** An id filter in a query string. */
export const IdFilter = IdString;

export const Email = z.email('must be an email address').max(200, 'must be at most 200 characters');

/** Every field optional, unknown fields rejected, at least one field present: a PATCH body. */
export function patchOf<S extends z.ZodRawShape>(shape: S) {
  const optional = Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, (v as z.ZodTypeAny).optional()])) as unknown as {
    [K in keyof S]: z.ZodOptional<S[K]>;
  };
  return z.strictObject(optional).refine((b) => Object.keys(b).length > 0, { message: 'must change at least one field', path: [] });
}

/** A list without paging (small child collections). */
export const listOf = <T extends z.ZodTypeAny>(item: T) => z.object({ items: z.array(item) });

/** Routes without query parameters reject any (unknown fields are a 400 everywhere). */
export const NoQuery = z.strictObject({});
