// zod schemas of cohorts: a class of apprentices at a training location with an instructor.
import { z } from 'zod';
import { DateString, IdFilter, IdRef, PageQuery, RequiredText, Timestamp, pageOf, patchOf } from './common';
import { StudentSchema } from './students';

const CohortFields = {
  name: RequiredText(200),
  location_id: IdRef.nullable(),
  instructor_id: IdRef.nullable(),
  start_date: DateString.nullable(),
  end_date: DateString.nullable(),
};

function endAfterStart(c: { start_date?: string | null; end_date?: string | null }, ctx: z.RefinementCtx) {
  if (c.start_date && c.end_date && c.end_date < c.start_date) {
    ctx.addIssue({ code: 'custom', path: ['end_date'], message: 'must be on or after start_date' });
  }
}

export const CreateCohortBody = z
  .strictObject({
    name: CohortFields.name,
    location_id: CohortFields.location_id.optional(),
    instructor_id: CohortFields.instructor_id.optional(),
    start_date: CohortFields.start_date.optional(),
    end_date: CohortFields.end_date.optional(),
  })
  .superRefine(endAfterStart);
export type CreateCohortInput = z.infer<typeof CreateCohortBody>;

/** Every field optional, at least one; a new end before the stored start is refused by the database (400). */
export const UpdateCohortBody = patchOf(CohortFields).superRefine(endAfterStart);
export type UpdateCohortInput = z.infer<typeof UpdateCohortBody>;

export const ListCohortsQuery = PageQuery.extend({
  location_id: IdFilter.optional(),
  instructor_id: IdFilter.optional(),
}).strict();
export type ListCohortsInput = z.infer<typeof ListCohortsQuery>;

export const CohortSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  location_id: z.number().int().nullable(),
  instructor_id: z.number().int().nullable(),
  start_date: z.string().nullable(),
  end_date: z.string().nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export const CohortPage = pageOf(CohortSchema);
/** A cohort with its students (by id). */
export const CohortDetailSchema = CohortSchema.extend({ students: z.array(StudentSchema) });
