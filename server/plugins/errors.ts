// The one error shape of the API: {"error":{"code","message","details":[{"path","message"}]},"request_id"}.
// Maps validation, body-parsing, database and availability errors; never a 500 for bad input.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { ErrorResponseBody } from '../domain/common';
import { isDatabaseUnavailable, mapDatabaseError } from '../db/constraints';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details: { path: string; message: string }[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const notFound = (what: string, id?: number | string) =>
  new HttpError(404, 'not_found', id === undefined ? `${what} not found` : `${what} ${id} not found`);

export function sendError(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  details: { path: string; message: string }[] = [],
) {
  const body: ErrorResponseBody = { error: { code, message, details }, request_id: String(reply.request.id) };
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

type ValidationIssue = { instancePath?: string; message?: string; keyword?: string; params?: Record<string, unknown> };

function validationDetails(err: FastifyError & { validation?: ValidationIssue[]; validationContext?: string }) {
  const where = err.validationContext ?? 'body';
  const details: { path: string; message: string }[] = [];
  for (const v of err.validation ?? []) {
    const path = (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    if (v.keyword === 'unrecognized_keys' && Array.isArray(v.params?.keys)) {
      for (const key of v.params.keys as string[]) {
        details.push({ path: path ? `${path}.${key}` : key, message: `unknown field in ${where}` });
      }
    } else {
      details.push({ path: path || where, message: v.message ?? 'is invalid' });
    }
  }
  return details;
}

const BODY_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json', message: 'the request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json', message: 'the request body is empty' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', message: 'unsupported Content-Type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'bad_request', message: 'Content-Length does not match the body' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'the request body is too large' },
  FST_ERR_CTP_INVALID_TYPE: { status: 400, code: 'bad_request', message: 'invalid Content-Type header' },
};

async function errorsPlugin(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof HttpError) {
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
      return sendError(reply, err.statusCode, err.code, err.message, err.details);
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const details = validationDetails(err);
      const summary = details.map((d) => `${d.path}: ${d.message}`).join('; ');
      return sendError(reply, 400, 'validation_error', `invalid ${err.validationContext ?? 'request'}: ${summary}`, details);
    }
    // JSON.parse SyntaxError and friends from the content-type parser.
    const bodyErr = err.code ? BODY_ERRORS[err.code] : undefined;
    if (bodyErr) return sendError(reply, bodyErr.status, bodyErr.code, bodyErr.message);
    if (err instanceof SyntaxError || err.statusCode === 400) {
      return sendError(reply, 400, 'bad_request', err.message || 'bad request');
    }
    const mapped = mapDatabaseError(err);
    if (mapped) return sendError(reply, mapped.status, mapped.code, mapped.message, mapped.details);
    if (isDatabaseUnavailable(err)) {
      reply.header('Retry-After', '1');
      request.log.warn({ err: { code: (err as { code?: string }).code, message: err.message } }, 'database unavailable');
      return sendError(reply, 503, 'unavailable', 'the database is unavailable; retry shortly');
    }
    if (err.statusCode === 503) {
      // Shedding or shutting down (under-pressure, return503OnClosing): tell the client when to retry.
      reply.header('Retry-After', '1');
      return sendError(reply, 503, 'unavailable', err.message || 'the service is unavailable; retry shortly');
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      // Fastify's own 4xx (e.g. 429 from the rate limiter, 415, 413).
      return sendError(reply, err.statusCode, err.code?.toLowerCase() ?? 'bad_request', err.message);
    }
    request.log.error({ err }, 'unhandled error');
    return sendError(reply, 500, 'internal_error', 'internal server error');
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
  );
}

export default fp(errorsPlugin, { name: 'errors' });
