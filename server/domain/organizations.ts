// zod schemas of organizations (employers, unions, training partners, JATCs) and their contacts.
import { z } from 'zod';
import { ORG_TYPES } from './enums';
import { Email, IdRef, PageQuery, RequiredText, Text, Timestamp, listOf, pageOf, patchOf } from './common';

const OrganizationFields = {
  name: RequiredText(200),
  org_type: z.enum(ORG_TYPES),
  address: Text(200).nullable(),
  city: Text(100).nullable(),
  state: Text(50).nullable(),
  postal_code: Text(20).nullable(),
  phone: Text(40).nullable(),
  email: Email.nullable(),
  website: Text(300).nullable(),
  salting_score: z.number({ error: 'must be a whole number from 1 to 5' }).int('must be a whole number from 1 to 5').min(1, 'must be a whole number from 1 to 5').max(5, 'must be a whole number from 1 to 5').nullable(),
  notes: Text(2000).nullable(),
};

export const CreateOrganizationBody = z.strictObject({
  name: OrganizationFields.name,
  org_type: OrganizationFields.org_type,
  address: OrganizationFields.address.optional(),
  city: OrganizationFields.city.optional(),
  state: OrganizationFields.state.optional(),
  postal_code: OrganizationFields.postal_code.optional(),
  phone: OrganizationFields.phone.optional(),
  email: OrganizationFields.email.optional(),
  website: OrganizationFields.website.optional(),
  salting_score: OrganizationFields.salting_score.optional(),
  notes: OrganizationFields.notes.optional(),
});
export type CreateOrganizationInput = z.infer<typeof CreateOrganizationBody>;

export const UpdateOrganizationBody = patchOf(OrganizationFields);
export type UpdateOrganizationInput = z.infer<typeof UpdateOrganizationBody>;

export const ListOrganizationsQuery = PageQuery.extend({
  type: z.enum(ORG_TYPES).optional(),
  q: Text(100).optional(),
}).strict();
export type ListOrganizationsInput = z.infer<typeof ListOrganizationsQuery>;

export const OrganizationSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  org_type: z.enum(ORG_TYPES),
  address: z.string().nullable(),
  city: z.string().nullable(),
  state: z.string().nullable(),
  postal_code: z.string().nullable(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  website: z.string().nullable(),
  salting_score: z.number().int().nullable(),
  notes: z.string().nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export const OrganizationPage = pageOf(OrganizationSchema);

const ContactFields = {
  first_name: RequiredText(100),
  last_name: RequiredText(100),
  title: Text(200).nullable(),
  phone: Text(40).nullable(),
  email: Email.nullable(),
  notes: Text(2000).nullable(),
};

/** `is_primary: true` makes the new contact the primary one (the old primary is demoted). */
export const CreateContactBody = z.strictObject({
  first_name: ContactFields.first_name,
  last_name: ContactFields.last_name,
  title: ContactFields.title.optional(),
  phone: ContactFields.phone.optional(),
  email: ContactFields.email.optional(),
  notes: ContactFields.notes.optional(),
  is_primary: z.boolean({ error: 'must be true or false' }).optional(),
});
export type CreateContactInput = z.infer<typeof CreateContactBody>;

export const PrimaryContactBody = z.strictObject({ contact_id: IdRef });

export const ContactSchema = z.object({
  id: z.number().int(),
  organization_id: z.number().int(),
  first_name: z.string(),
  last_name: z.string(),
  title: z.string().nullable(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  is_primary: z.boolean(),
  notes: z.string().nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export const ContactList = listOf(ContactSchema);
export const OrganizationDetailSchema = OrganizationSchema.extend({ contacts: z.array(ContactSchema) });
