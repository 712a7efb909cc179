// zod schemas of the training reference data: instructors and locations.
import { z } from 'zod';
import { Email, IdFilter, IdRef, PageQuery, RequiredText, Text, Timestamp, pageOf } from './common';

export const CreateInstructorBody = z.strictObject({
  first_name: RequiredText(100),
  last_name: RequiredText(100),
  email: Email,
  phone: Text(40).nullable().optional(),
  bio: Text(4000).nullable().optional(),
  specialties: z.array(RequiredText(100)).max(20, 'must have at most 20 entries').optional(),
  location_id: IdRef.nullable().optional(),
});
export type CreateInstructorInput = z.infer<typeof CreateInstructorBody>;

export const ListInstructorsQuery = PageQuery.extend({ location_id: IdFilter.optional() }).strict();
export type ListInstructorsInput = z.infer<typeof ListInstructorsQuery>;

export const InstructorSchema = z.object({
  id: z.number().int(),
  first_name: z.string(),
  last_name: z.string(),
  email: z.string(),
  phone: z.string().nullable(),
  bio: z.string().nullable(),
  specialties: z.array(z.string()),
  location_id: z.number().int().nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export const InstructorPage = pageOf(InstructorSchema);

export const CreateLocationBody = z.strictObject({
  name: RequiredText(200),
  address: Text(200).nullable().optional(),
  city: Text(100).nullable().optional(),
  state: Text(50).nullable().optional(),
  postal_code: Text(20).nullable().optional(),
  capacity: z.number({ error: 'must be a whole number' }).int('must be a whole number').min(0, 'must be 0 or more').max(100_000, 'must be at most 100000').nullable().optional(),
});
export type CreateLocationInput = z.infer<typeof CreateLocationBody>;

export const ListLocationsQuery = PageQuery.strict();
export type ListLocationsInput = z.infer<typeof ListLocationsQuery>;

export const LocationSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  address: z.string().nullable(),
  city: z.string().nullable(),
  state: z.string().nullable(),
  postal_code: z.string().nullable(),
  capacity: z.number().int().nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export const LocationPage = pageOf(LocationSchema);
