// The bearer check on a protected route (/metrics: answers without a database): the scheme in any
// case (RFC 7235 §2.1), the exact token only; wrong, short, longer, missing or other schemes get 401.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createAppWithoutDatabase, TEST_TOKEN } from '../support/app';

let app: FastifyInstance;
beforeAll(async () => {
  app = await createAppWithoutDatabase();
});
afterAll(() => app.close());

const metrics = (authorization?: string) => app.inject({ url: '/metrics', headers: authorization === undefined ? {} : { authorization } });

describe('Authorization: Bearer <token>', () => {
  it.each([`Bearer ${TEST_TOKEN}`, `bearer ${TEST_TOKEN}`, `BEARER ${TEST_TOKEN}`, `bEaReR ${TEST_TOKEN}`, `Bearer   ${TEST_TOKEN}`])('accepts %j', async (h) => {
    const res = await metrics(h);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('# TYPE');
  });

  it.each([
    ['wrong token', `Bearer ${TEST_TOKEN.replace(/.$/, 'X')}`],
    ['short token (a prefix)', `Bearer ${TEST_TOKEN.slice(0, 8)}`],
    ['longer token', `Bearer ${TEST_TOKEN}0`],
    ['empty token', 'Bearer '],
    ['scheme only', 'Bearer'],
    ['token only', TEST_TOKEN],
    ['other scheme', `Basic ${TEST_TOKEN}`],
    ['scheme glued to the token', `Bearer${TEST_TOKEN}`],
    ['two tokens', `Bearer ${TEST_TOKEN} ${TEST_TOKEN}`],
  ])('refuses a %s with 401', async (_what, h) => {
    const res = await metrics(h);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.json().error.code).toBe('unauthorized');
  });

  it('refuses a missing header with 401', async () => {
    const res = await metrics();
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('unauthorized');
  });
});
