// /api/v1/instructors: reference data — list (by location), detail, create.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ErrorResponse, IdParam, NoQuery } from '../domain/common';
import { CreateInstructorBody, InstructorPage, InstructorSchema, ListInstructorsQuery } from '../domain/reference-data';
import { API_PREFIX, ROUTES } from '../domain/routes';
import type { AppContext } from '../context';
import { notFound } from '../plugins/errors';
import { createInstructor, findInstructorById, listInstructors } from '../repositories/reference-data.repository';

const tags = ['reference data'];
const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export default async function instructorRoutes(app: FastifyInstance, { db, cache }: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(ROUTES.instructors, { schema: { tags, summary: 'List instructors', operationId: 'listInstructors', querystring: ListInstructorsQuery, response: { 200: InstructorPage, ...errors } } }, async (req, reply) =>
    cache.read(reply, cache.listKey('instructors', req.query), (from) => listInstructors(from ?? db, req.query)),
  );

  r.get(ROUTES.instructor, { schema: { tags, summary: 'An instructor', operationId: 'getInstructor', params: IdParam, querystring: NoQuery, response: { 200: InstructorSchema, ...errors } } }, async (req) => {
    const row = await findInstructorById(db, req.params.id);
    if (!row) throw notFound('instructor', req.params.id);
    return row;
  });

  r.post(ROUTES.instructors, { schema: { tags, summary: 'Create an instructor', operationId: 'createInstructor', body: CreateInstructorBody, response: { 201: InstructorSchema, ...errors } } }, async (req, reply) => {
    const row = await createInstructor(db, req.body);
    cache.invalidateLists('instructors');
    return reply.code(201).header('Location', `${API_PREFIX}/instructors/${row.id}`).send(row);
  });
}
