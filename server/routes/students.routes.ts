// /api/v1/students: apprentices — list (status, cohort, name prefix), detail, create, patch.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ErrorResponse, IdParam, NoQuery } from '../domain/common';
import { API_PREFIX, ROUTES } from '../domain/routes';
import { CreateStudentBody, ListStudentsQuery, StudentPage, StudentSchema, UpdateStudentBody } from '../domain/students';
import type { AppContext } from '../context';
import { notFound } from '../plugins/errors';
import { createStudent, findStudentById, listStudents, updateStudent } from '../repositories/students.repository';

const tags = ['students'];
const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export default async function studentRoutes(app: FastifyInstance, { db, cache }: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(ROUTES.students, { schema: { tags, summary: 'List students', operationId: 'listStudents', querystring: ListStudentsQuery, response: { 200: StudentPage, ...errors } } }, async (req, reply) =>
    cache.read(reply, cache.listKey('students', req.query), (from) => listStudents(from ?? db, req.query)),
  );

  r.get(ROUTES.student, { schema: { tags, summary: 'A student', operationId: 'getStudent', params: IdParam, querystring: NoQuery, response: { 200: StudentSchema, ...errors } } }, async (req) => {
    const student = await findStudentById(db, req.params.id);
    if (!student) throw notFound('student', req.params.id);
    return student;
  });

  r.post(ROUTES.students, { schema: { tags, summary: 'Create a student', operationId: 'createStudent', body: CreateStudentBody, response: { 201: StudentSchema, ...errors } } }, async (req, reply) => {
    const student = await createStudent(db, req.body);
    cache.invalidateLists('students');
    return reply.code(201).header('Location', `${API_PREFIX}/students/${student.id}`).send(student);
  });

  r.patch(
    ROUTES.student,
    { schema: { tags, summary: 'Change a student', operationId: 'updateStudent', params: IdParam, body: UpdateStudentBody, response: { 200: StudentSchema, ...errors } } },
    async (req) => {
      const student = await updateStudent(db, req.params.id, req.body);
      if (!student) throw notFound('student', req.params.id);
      cache.invalidateLists('students');
      return student;
    },
  );
}
