// Contacts of an organization: list, add, and the atomic primary-contact swap
// (PUT /organizations/:id/primary-contact {contact_id}).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ErrorResponse, IdParam, NoQuery } from '../domain/common';
import { ContactList, ContactSchema, CreateContactBody, PrimaryContactBody } from '../domain/organizations';
import { ROUTES } from '../domain/routes';
import type { AppContext } from '../context';
import { HttpError, notFound } from '../plugins/errors';
import { createContact, findOrganizationById, listContacts, setPrimaryContact } from '../repositories/organizations.repository';

const tags = ['organizations'];
const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export default async function contactRoutes(app: FastifyInstance, { db, cache }: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(ROUTES.organizationContacts, { schema: { tags, summary: "An organization's contacts", operationId: 'listOrganizationContacts', params: IdParam, querystring: NoQuery, response: { 200: ContactList, ...errors } } }, async (req) => {
    if (!(await findOrganizationById(db, req.params.id))) throw notFound('organization', req.params.id);
    return { items: await listContacts(db, req.params.id) };
  });

  r.post(
    ROUTES.organizationContacts,
    { schema: { tags, summary: 'Add a contact to an organization', operationId: 'createOrganizationContact', params: IdParam, body: CreateContactBody, response: { 201: ContactSchema, ...errors } } },
    async (req, reply) => {
      const contact = await createContact(db, req.params.id, req.body);
      if (!contact) throw notFound('organization', req.params.id);
      cache.invalidate('organization', req.params.id);
      return reply.code(201).send(contact);
    },
  );

  r.put(
    ROUTES.organizationPrimaryContact,
    { schema: { tags, summary: "Set an organization's primary contact", operationId: 'setPrimaryContact', params: IdParam, body: PrimaryContactBody, response: { 200: ContactSchema, ...errors } } },
    async (req) => {
      const result = await setPrimaryContact(db, req.params.id, req.body.contact_id);
      if (result.kind === 'no_organization') throw notFound('organization', req.params.id);
      if (result.kind === 'no_contact') {
        throw new HttpError(404, 'not_found', `contact ${req.body.contact_id} is not a contact of organization ${req.params.id}`, [
          { path: 'contact_id', message: 'is not a contact of this organization' },
        ]);
      }
      cache.invalidate('organization', req.params.id);
      return result.contact;
    },
  );
}
