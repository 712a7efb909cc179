// /api/v1/cohorts: classes of apprentices — list (location, instructor), detail with its students,
// create, patch. Students join a cohort through their own cohort_id (students routes).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CohortDetailSchema, CohortPage, CohortSchema, CreateCohortBody, ListCohortsQuery, UpdateCohortBody } from '../domain/cohorts';
import { ErrorResponse, IdParam, NoQuery } from '../domain/common';
import { API_PREFIX, ROUTES } from '../domain/routes';
import type { AppContext } from '../context';
import { notFound } from '../plugins/errors';
import { createCohort, getCohortDetail, listCohorts, updateCohort } from '../repositories/cohorts.repository';

const tags = ['cohorts'];
const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export default async function cohortRoutes(app: FastifyInstance, { db }: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    ROUTES.cohorts,
    { schema: { tags, summary: 'List cohorts (filter by location or instructor)', operationId: 'listCohorts', querystring: ListCohortsQuery, response: { 200: CohortPage, ...errors } } },
    async (req) => listCohorts(db, req.query),
  );

  r.get(
    ROUTES.cohort,
    { schema: { tags, summary: 'A cohort with its students', operationId: 'getCohort', params: IdParam, querystring: NoQuery, response: { 200: CohortDetailSchema, ...errors } } },
    async (req) => {
      const cohort = await getCohortDetail(db, req.params.id);
      if (!cohort) throw notFound('cohort', req.params.id);
      return cohort;
    },
  );

  r.post(
    ROUTES.cohorts,
    { schema: { tags, summary: 'Create a cohort', operationId: 'createCohort', body: CreateCohortBody, response: { 201: CohortSchema, ...errors } } },
    async (req, reply) => {
      const cohort = await createCohort(db, req.body);
      return reply.code(201).header('Location', `${API_PREFIX}/cohorts/${cohort.id}`).send(cohort);
    },
  );

  r.patch(
    ROUTES.cohort,
    { schema: { tags, summary: 'Change a cohort', operationId: 'updateCohort', params: IdParam, body: UpdateCohortBody, response: { 200: CohortSchema, ...errors } } },
    async (req) => {
      const cohort = await updateCohort(db, req.params.id, req.body);
      if (!cohort) throw notFound('cohort', req.params.id);
      return cohort;
    },
  );
}
