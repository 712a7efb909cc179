// /api/v1/organizations: list (type, name prefix q, paging), detail with contacts, create, patch.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ErrorResponse, IdParam, NoQuery } from '../domain/common';
import {
  CreateOrganizationBody,
  ListOrganizationsQuery,
  OrganizationDetailSchema,
  OrganizationPage,
  OrganizationSchema,
  UpdateOrganizationBody,
} from '../domain/organizations';
import { API_PREFIX, ROUTES } from '../domain/routes';
import type { AppContext } from '../context';
import { notFound } from '../plugins/errors';
import { ReadCache } from '../plugins/read-cache';
import { createOrganization, getOrganizationDetail, listOrganizations, updateOrganization } from '../repositories/organizations.repository';

const tags = ['organizations'];
const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export default async function organizationRoutes(app: FastifyInstance, { db, cache }: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(ROUTES.organizations, { schema: { tags, summary: 'List organizations', operationId: 'listOrganizations', querystring: ListOrganizationsQuery, response: { 200: OrganizationPage, ...errors } } }, async (req, reply) =>
    cache.read(reply, cache.listKey('organizations', req.query), (from) => listOrganizations(from ?? db, req.query)),
  );

  r.get(ROUTES.organization, { schema: { tags, summary: 'An organization', operationId: 'getOrganization', params: IdParam, querystring: NoQuery, response: { 200: OrganizationDetailSchema, ...errors } } }, async (req, reply) => {
    const org = await cache.read(reply, ReadCache.detail('organization', req.params.id), (from) => getOrganizationDetail(from ?? db, req.params.id));
    if (!org) throw notFound('organization', req.params.id);
    return org;
  });

  r.post(ROUTES.organizations, { schema: { tags, summary: 'Create an organization', operationId: 'createOrganization', body: CreateOrganizationBody, response: { 201: OrganizationSchema, ...errors } } }, async (req, reply) => {
    const org = await createOrganization(db, req.body);
    cache.invalidateLists('organizations');
    return reply.code(201).header('Location', `${API_PREFIX}/organizations/${org.id}`).send(org);
  });

  r.patch(
    ROUTES.organization,
    { schema: { tags, summary: 'Change an organization', operationId: 'updateOrganization', params: IdParam, body: UpdateOrganizationBody, response: { 200: OrganizationSchema, ...errors } } },
    async (req) => {
      const org = await updateOrganization(db, req.params.id, req.body);
      if (!org) throw notFound('organization', req.params.id);
      cache.invalidate('organization', org.id);
      cache.invalidateLists('organizations');
      return org;
    },
  );
}
