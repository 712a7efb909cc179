// The OpenAPI document clients generate from: every operation named (unique operationId) and
// summarised, servers set, and what `make lint-api` lints is what /docs/json serves.
// (Redocly's recommended rules themselves run in `make lint-api`, part of `make test`.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { servedOpenApiDocument } from '../../server/openapi-document';
import { createAppWithoutDatabase } from '../support/app';

type Operation = { operationId?: string; summary?: string; responses?: Record<string, unknown> };
const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'];

let app: FastifyInstance;
let doc: { servers?: { url: string }[]; paths: Record<string, Record<string, Operation>> };
beforeAll(async () => {
  app = await createAppWithoutDatabase();
  doc = (await app.inject({ url: '/docs/json' })).json();
});
afterAll(() => app.close());

describe('the served OpenAPI document', () => {
  it('names and summarises every operation, with unique operationIds', () => {
    const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).filter(([m]) => METHODS.includes(m)).map(([m, op]) => ({ at: `${m.toUpperCase()} ${path}`, op })),
    );
    expect(ops.length).toBeGreaterThanOrEqual(40);
    for (const { at, op } of ops) {
      expect(op.operationId, at).toMatch(/^[a-z][A-Za-z]+$/);
      expect(op.summary?.length ?? 0, at).toBeGreaterThan(3);
      expect(Object.keys(op.responses ?? {}).some((c) => c.startsWith('4')), `${at} documents a 4xx`).toBe(true);
    }
    const ids = ops.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('sets servers: relative to where it is served, then the local default', () => {
    expect(doc.servers?.map((s) => s.url)).toEqual(['/', 'http://127.0.0.1:3000']);
  });

  it('is what server/openapi-document.ts writes for make lint-api', async () => {
    expect(await servedOpenApiDocument()).toEqual(doc);
  });
});

describe('the health probes take no query parameters', () => {
  it.each(['/livez', '/health'])('%s?verbose=1 is a 400 naming the parameter', async (url) => {
    const res = await app.inject({ url: `${url}?verbose=1` });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_error');
    expect(res.json().error.message).toContain('verbose');
  });
});
