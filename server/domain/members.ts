// zod schemas of the members resource: what the API accepts and returns.
import { z } from 'zod';
import { MEMBER_CLASSIFICATIONS, MEMBER_STATUSES, MEMBERSHIP_CLASSES } from './enums';
import { DateString, PageQuery, RequiredText, Text, Timestamp, pageOf } from './common';
import { EmploymentSchema } from './employments';

const MemberFields = {
  member_number: RequiredText(32),
  first_name: RequiredText(100),
  middle_name: Text(100).nullable(),
  last_name: RequiredText(100),
  date_of_birth: DateString.nullable(),
  address: Text(200).nullable(),
  city: Text(100).nullable(),
  state: Text(50).nullable(),
  zip: Text(20).nullable(),
  phone: Text(40).nullable(),
  email: z.email('must be an email address').max(200).nullable(),
  status: z.enum(MEMBER_STATUSES),
  classification: z.enum(MEMBER_CLASSIFICATIONS),
  membership_class: z.enum(MEMBERSHIP_CLASSES),
  hire_date: DateString.nullable(),
  notes: Text(2000).nullable(),
};

function hireAfterBirth(m: { hire_date?: string | null; date_of_birth?: string | null }, ctx: z.RefinementCtx) {
  if (m.hire_date && m.date_of_birth && m.hire_date <= m.date_of_birth) {
    ctx.addIssue({ code: 'custom', path: ['hire_date'], message: 'must be after date_of_birth' });
  }
}

/** Every writable field; create requires the first four, patch makes all optional. */
const MemberBodyFields = z.strictObject({
  member_number: MemberFields.member_number,
  first_name: MemberFields.first_name,
  last_name: MemberFields.last_name,
  classification: MemberFields.classification,
  middle_name: MemberFields.middle_name.optional(),
  date_of_birth: MemberFields.date_of_birth.optional(),
  address: MemberFields.address.optional(),
  city: MemberFields.city.optional(),
  state: MemberFields.state.optional(),
  zip: MemberFields.zip.optional(),
  phone: MemberFields.phone.optional(),
  email: MemberFields.email.optional(),
  status: MemberFields.status.optional(),
  membership_class: MemberFields.membership_class.optional(),
  hire_date: MemberFields.hire_date.optional(),
  notes: MemberFields.notes.optional(),
});

export const CreateMemberBody = MemberBodyFields.superRefine(hireAfterBirth);
export type CreateMemberInput = z.infer<typeof CreateMemberBody>;

export const UpdateMemberBody = MemberBodyFields.partial()
  .superRefine(hireAfterBirth)
  .refine((b) => Object.keys(b).length > 0, { message: 'must change at least one field', path: [] });
export type UpdateMemberInput = z.infer<typeof UpdateMemberBody>;

export const ListMembersQuery = PageQuery.extend({
  status: z.enum(MEMBER_STATUSES).optional(),
  classification: z.enum(MEMBER_CLASSIFICATIONS).optional(),
  q: Text(100).optional(),
  // Counting every match is the one O(rows) part of a page (15 ms on the stress data): only on request.
  include_total: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .transform((v) => v === 'true')
    .optional()
    .describe('also count every match into `total` (a full count; ask once, not on every page)'),
}).strict();
export type ListMembersInput = z.infer<typeof ListMembersQuery>;

export const MemberSchema = z.object({
  id: z.number().int(),
  member_number: z.string(),
  first_name: z.string(),
  middle_name: z.string().nullable(),
  last_name: z.string(),
  date_of_birth: z.string().nullable(),
  address: z.string().nullable(),
  city: z.string().nullable(),
  state: z.string().nullable(),
  zip: z.string().nullable(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  status: z.enum(MEMBER_STATUSES),
  classification: z.enum(MEMBER_CLASSIFICATIONS),
  membership_class: z.enum(MEMBERSHIP_CLASSES),
  hire_date: z.string().nullable(),
  notes: z.string().nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const MemberDetailSchema = MemberSchema.extend({ employments: z.array(EmploymentSchema) });
/** `total` only when the request asked for it with include_total=true. */
export const MemberPage = pageOf(MemberSchema).extend({ total: z.number().int().optional() });
