// /api/v1/locations: training locations — list, detail, create.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ErrorResponse, IdParam, NoQuery } from '../domain/common';
import { CreateLocationBody, ListLocationsQuery, LocationPage, LocationSchema } from '../domain/reference-data';
import { API_PREFIX, ROUTES } from '../domain/routes';
import type { AppContext } from '../context';
import { notFound } from '../plugins/errors';
import { createLocation, findLocationById, listLocations } from '../repositories/reference-data.repository';

const tags = ['reference data'];
const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export default async function locationRoutes(app: FastifyInstance, { db, cache }: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(ROUTES.locations, { schema: { tags, summary: 'List locations', operationId: 'listLocations', querystring: ListLocationsQuery, response: { 200: LocationPage, ...errors } } }, async (req, reply) =>
    cache.read(reply, cache.listKey('locations', req.query), (from) => listLocations(from ?? db, req.query)),
  );

  r.get(ROUTES.location, { schema: { tags, summary: 'A location', operationId: 'getLocation', params: IdParam, querystring: NoQuery, response: { 200: LocationSchema, ...errors } } }, async (req) => {
    const row = await findLocationById(db, req.params.id);
    if (!row) throw notFound('location', req.params.id);
    return row;
  });

  r.post(ROUTES.locations, { schema: { tags, summary: 'Create a location', operationId: 'createLocation', body: CreateLocationBody, response: { 201: LocationSchema, ...errors } } }, async (req, reply) => {
    const row = await createLocation(db, req.body);
    cache.invalidateLists('locations');
    return reply.code(201).header('Location', `${API_PREFIX}/locations/${row.id}`).send(row);
  });
}
