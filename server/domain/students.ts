// zod schemas of apprentices (students).
import { z } from 'zod';
import { STUDENT_STATUSES } from './enums';
import { DateString, Email, IdFilter, IdRef, PageQuery, RequiredText, Text, Timestamp, pageOf, patchOf } from './common';

const StudentFields = {
  student_number: RequiredText(32),
  first_name: RequiredText(100),
  last_name: RequiredText(100),
  email: Email.nullable(),
  phone: Text(40).nullable(),
  birthdate: DateString.nullable(),
  status: z.enum(STUDENT_STATUSES),
  cohort_id: IdRef.nullable(),
  member_id: IdRef.nullable(),
};

export const CreateStudentBody = z.strictObject({
  student_number: StudentFields.student_number,
  first_name: StudentFields.first_name,
  last_name: StudentFields.last_name,
  email: StudentFields.email.optional(),
  phone: StudentFields.phone.optional(),
  birthdate: StudentFields.birthdate.optional(),
  status: StudentFields.status.optional(),
  cohort_id: StudentFields.cohort_id.optional(),
  member_id: StudentFields.member_id.optional(),
});
export type CreateStudentInput = z.infer<typeof CreateStudentBody>;

export const UpdateStudentBody = patchOf(StudentFields);
export type UpdateStudentInput = z.infer<typeof UpdateStudentBody>;

export const ListStudentsQuery = PageQuery.extend({
  status: z.enum(STUDENT_STATUSES).optional(),
  cohort_id: IdFilter.optional(),
  q: Text(100).optional(),
}).strict();
export type ListStudentsInput = z.infer<typeof ListStudentsQuery>;

export const StudentSchema = z.object({
  id: z.number().int(),
  student_number: z.string(),
  first_name: z.string(),
  last_name: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  birthdate: z.string().nullable(),
  status: z.enum(STUDENT_STATUSES),
  cohort_id: z.number().int().nullable(),
  member_id: z.number().int().nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export const StudentPage = pageOf(StudentSchema);
