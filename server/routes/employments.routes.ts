// Employment history: GET/POST /members/:id/employments and PATCH /employments/:id (change the
// title or rate, end a job with end_date). A second current job or an overlapping period is a 409.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ErrorResponse, IdParam, NoQuery } from '../domain/common';
import { CreateEmploymentBody, EmploymentList, EmploymentSchema, UpdateEmploymentBody } from '../domain/employments';
import { API_PREFIX, ROUTES } from '../domain/routes';
import type { AppContext } from '../context';
import { notFound } from '../plugins/errors';
import { createEmployment, updateEmployment } from '../repositories/employments.repository';
import { findMemberById, listEmploymentsOfMember } from '../repositories/members.repository';

const tags = ['employments'];
const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export default async function employmentRoutes(app: FastifyInstance, { db, cache }: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(ROUTES.memberEmployments, { schema: { tags, summary: "A member's employments", operationId: 'listMemberEmployments', params: IdParam, querystring: NoQuery, response: { 200: EmploymentList, ...errors } } }, async (req) => {
    if (!(await findMemberById(db, req.params.id))) throw notFound('member', req.params.id);
    return { items: await listEmploymentsOfMember(db, req.params.id) };
  });

  r.post(
    ROUTES.memberEmployments,
    { schema: { tags, summary: 'Add an employment (job) to a member', operationId: 'createEmployment', params: IdParam, body: CreateEmploymentBody, response: { 201: EmploymentSchema, ...errors } } },
    async (req, reply) => {
      const job = await createEmployment(db, req.params.id, req.body);
      if (!job) throw notFound('member', req.params.id);
      cache.invalidate('member', job.member_id);
      return reply.code(201).header('Location', `${API_PREFIX}/employments/${job.id}`).send(job);
    },
  );

  r.patch(
    ROUTES.employment,
    { schema: { tags, summary: 'Change an employment', operationId: 'updateEmployment', params: IdParam, body: UpdateEmploymentBody, response: { 200: EmploymentSchema, ...errors } } },
    async (req) => {
      const job = await updateEmployment(db, req.params.id, req.body);
      if (!job) throw notFound('employment', req.params.id);
      cache.invalidate('member', job.member_id);
      return job;
    },
  );
}
