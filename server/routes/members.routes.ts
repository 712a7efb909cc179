// /api/v1/members: list (filters, prefix search), detail with employment history, create,
// patch and soft delete. Detail and lists are read through the cache; writes invalidate them.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorResponse, IdParam, NoQuery } from '../domain/common';
import { CreateMemberBody, ListMembersQuery, MemberDetailSchema, MemberPage, MemberSchema, UpdateMemberBody } from '../domain/members';
import { API_PREFIX, ROUTES } from '../domain/routes';
import type { AppContext } from '../context';
import { notFound } from '../plugins/errors';
import { ReadCache } from '../plugins/read-cache';
import {
  createMember,
  getMemberDetailJson,
  listMembers,
  softDeleteMember,
  updateMember,
} from '../repositories/members.repository';

const tags = ['members'];

/** A body that is JSON text already (built by PostgreSQL): sent as it is, not serialized again. */
function sendJsonText(reply: FastifyReply, json: string) {
  return reply.type('application/json; charset=utf-8').send(json);
}
const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export default async function memberRoutes(app: FastifyInstance, { db, cache }: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // Lists are pages ordered by id, filtered on these fields (and deleted_at): a write that changes
  // none of them can only touch the pages that hold the row (or, a new row, the pages it joins).
  const LIST_FILTER_FIELDS = ['status', 'classification', 'first_name', 'last_name'] as const;
  const memberChanged = (id: number, how: 'created' | 'changed' | 'moved') => {
    cache.invalidate('member', id);
    if (how === 'created') cache.listRowCreated('members', id);
    else if (how === 'changed') cache.listRowChanged('members', id);
    else cache.invalidateLists('members');
  };

  r.get(ROUTES.members, { schema: { tags, summary: 'List members (filters, name prefix search, pages by id)', operationId: 'listMembers', querystring: ListMembersQuery, response: { 200: MemberPage, ...errors } } }, async (req, reply) =>
    cache.readList(reply, 'members', req.query, (from) => listMembers(from ?? db, req.query)),
  );

  // The detail is JSON text from PostgreSQL (getMemberDetailJson), cached and sent as it is.
  r.get(ROUTES.member, { schema: { tags, summary: 'A member with their employment history', operationId: 'getMember', params: IdParam, querystring: NoQuery, response: { 200: MemberDetailSchema, ...errors } } }, async (req, reply) => {
    const detail = await cache.read(reply, ReadCache.detail('member', req.params.id), async (from) => {
      const json = await getMemberDetailJson(from ?? db, req.params.id);
      return json === undefined ? undefined : { json };
    });
    if (!detail) throw notFound('member', req.params.id);
    return sendJsonText(reply, detail.json);
  });

  r.post(ROUTES.members, { schema: { tags, summary: 'Create a member', operationId: 'createMember', body: CreateMemberBody, response: { 201: MemberSchema, ...errors } } }, async (req, reply) => {
    const member = await createMember(db, req.body);
    memberChanged(member.id, 'created');
    return reply.code(201).header('Location', `${API_PREFIX}/members/${member.id}`).send(member);
  });

  r.patch(
    ROUTES.member,
    { schema: { tags, summary: 'Change a member', operationId: 'updateMember', params: IdParam, body: UpdateMemberBody, response: { 200: MemberSchema, ...errors } } },
    async (req) => {
      const member = await updateMember(db, req.params.id, req.body);
      if (!member) throw notFound('member', req.params.id);
      memberChanged(member.id, LIST_FILTER_FIELDS.some((f) => f in req.body) ? 'moved' : 'changed');
      return member;
    },
  );

  r.delete(ROUTES.member, { schema: { tags, summary: 'Delete a member (soft delete)', operationId: 'deleteMember', params: IdParam, response: { 204: z.null(), ...errors } } }, async (req, reply) => {
    if (!(await softDeleteMember(db, req.params.id))) throw notFound('member', req.params.id);
    memberChanged(req.params.id, 'moved');
    return reply.code(204).send(null);
  });
}
