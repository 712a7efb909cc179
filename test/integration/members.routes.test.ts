// The members resource over real HTTP semantics (inject) against a real database: happy paths,
// 404s, validation errors that name the field, 409s that name the rule, auth, and that bad input
// writes nothing (row counts and audit rows unchanged).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemberDetailSchema } from '../../server/domain/members';
import { EMPLOYMENT_COLUMNS, MEMBER_COLUMNS, findMemberById, listEmploymentsOfMember } from '../../server/repositories/members.repository';
import { AUTH, createTestApp, type TestApp } from '../support/app';

let t: TestApp;
const base = { member_number: 'M-100', first_name: 'Rosa', last_name: 'Parks', classification: 'journeyman', date_of_birth: '1975-02-04', hire_date: '1996-03-01' };

async function counts() {
  const m = await t.database.db.selectFrom('members').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const a = await t.database.db.selectFrom('audit_logs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { members: Number(m.n), audit: Number(a.n) };
}

function expectErrorShape(body: any) {
  expect(body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) }, request_id: expect.any(String) });
}

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

describe('POST /api/v1/members', () => {
  it('creates a member: 201, Location, defaults, and one audit row in the same transaction', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/members', headers: AUTH, payload: base });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(res.headers.location).toBe(`/api/v1/members/${body.id}`);
    expect(body).toMatchObject({ ...base, status: 'active', membership_class: 'a' });
    expect(body.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const audit = await t.database.db.selectFrom('audit_logs').selectAll().where('record_id', '=', body.id).where('table_name', '=', 'members').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.action).toBe('insert');
  });

  it('answers a duplicate member_number with 409 naming the rule, and writes nothing', async () => {
    const before = await counts();
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/members', headers: AUTH, payload: base });
    expect(res.statusCode).toBe(409);
    expectErrorShape(res.json());
    expect(res.json().error.message).toContain('member_number is already used');
    expect(res.json().error.details[0].path).toBe('member_number');
    expect(await counts()).toEqual(before);
  });

  const bad: [string, unknown, string][] = [
    ['a missing required field', { first_name: 'A', last_name: 'B', classification: 'lineman' }, 'member_number'],
    ['a wrong type', { ...base, member_number: 42 }, 'member_number'],
    ['an unknown field', { ...base, member_number: 'M-x1', salary: 1 }, 'salary'],
    ['an unknown enum value', { ...base, member_number: 'M-x2', classification: 'foreman' }, 'classification'],
    ['an impossible date', { ...base, member_number: 'M-x3', date_of_birth: '1990-02-30' }, 'date_of_birth'],
    ['a hire date before birth', { ...base, member_number: 'M-x4', hire_date: '1970-01-01' }, 'hire_date'],
    ['a blank name', { ...base, member_number: 'M-x5', last_name: '   ' }, 'last_name'],
    ['a bad email', { ...base, member_number: 'M-x6', email: 'not-an-email' }, 'email'],
  ];
  for (const [what, payload, field] of bad) {
    it(`rejects ${what} with 400 naming ${field}, and writes nothing`, async () => {
      const before = await counts();
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/members', headers: AUTH, payload: payload as object });
      expect(res.statusCode).toBe(400);
      expectErrorShape(res.json());
      expect(res.json().error.details.map((d: { path: string }) => d.path)).toContain(field);
      expect(await counts()).toEqual(before);
    });
  }

  it('rejects malformed JSON with 400 and the error shape', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/members', headers: { ...AUTH, 'content-type': 'application/json' }, payload: '{"member_number": ' });
    expect(res.statusCode).toBe(400);
    expectErrorShape(res.json());
  });

  it('rejects a non-JSON content type with 415', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/members', headers: { ...AUTH, 'content-type': 'text/plain' }, payload: 'hello' });
    expect(res.statusCode).toBe(415);
    expectErrorShape(res.json());
  });
});

describe('GET /api/v1/members', () => {
  beforeAll(async () => {
    const people = [
      ['M-200', 'Alice', 'Anderson', 'apprentice_1', 'active'],
      ['M-201', 'Bob', 'Andrews', 'journeyman', 'inactive'],
      ['M-202', 'Carol', 'Baker', 'lineman', 'active'],
      ['M-203', 'Andy', 'Zimmer', 'journeyman', 'retired'],
      ['M-204', 'Dee', 'O%Neil', 'journeyman', 'active'],
    ];
    for (const [n, f, l, c, s] of people) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/members', headers: AUTH, payload: { member_number: n, first_name: f, last_name: l, classification: c, status: s } });
      expect(res.statusCode).toBe(201);
    }
  });

  it('pages with limit/offset and reports the total only when asked (include_total=true)', async () => {
    const res = await t.app.inject({ url: '/api/v1/members?limit=2&offset=1&include_total=true', headers: AUTH });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.items).toHaveLength(2);
    expect(body).toMatchObject({ total: 6, limit: 2, offset: 1 });
    const plain = (await t.app.inject({ url: '/api/v1/members?limit=2&offset=1', headers: AUTH })).json();
    expect(plain).toEqual({ items: body.items, limit: 2, offset: 1 });
    const bad = await t.app.inject({ url: '/api/v1/members?include_total=yes', headers: AUTH });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].path).toBe('include_total');
  });

  it('filters by status and classification', async () => {
    const res = await t.app.inject({ url: '/api/v1/members?status=active&classification=journeyman', headers: AUTH });
    expect(res.json().items.map((m: { member_number: string }) => m.member_number).sort()).toEqual(['M-100', 'M-204']);
  });

  it('searches a case-insensitive prefix of the last or first name', async () => {
    const res = await t.app.inject({ url: '/api/v1/members?q=and', headers: AUTH });
    expect(res.json().items.map((m: { member_number: string }) => m.member_number).sort()).toEqual(['M-200', 'M-201', 'M-203']);
  });

  it('treats LIKE wildcards and SQL in q as literal text', async () => {
    expect((await t.app.inject({ url: '/api/v1/members?q=%25&include_total=true', headers: AUTH })).json().total).toBe(0);
    expect((await t.app.inject({ url: '/api/v1/members?q=o%25&include_total=true', headers: AUTH })).json().total).toBe(1);
    const inj = await t.app.inject({ url: `/api/v1/members?include_total=true&q=${encodeURIComponent("' or 1=1 --")}`, headers: AUTH });
    expect(inj.statusCode).toBe(200);
    expect(inj.json().total).toBe(0);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=abc', 'limit'],
    ['offset=-1', 'offset'],
    ['status=gone', 'status'],
    ['color=red', 'color'],
  ])('rejects %s with 400 naming %s', async (qs, field) => {
    const res = await t.app.inject({ url: `/api/v1/members?${qs}`, headers: AUTH });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.map((d: { path: string }) => d.path)).toContain(field);
  });
});

describe('GET/PATCH/DELETE /api/v1/members/:id', () => {
  let id: number;
  beforeAll(async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/members', headers: AUTH, payload: { ...base, member_number: 'M-300' } });
    id = res.json().id;
    const org = await t.database.db.insertInto('organizations').values({ name: 'Volt Co', org_type: 'employer' }).returning('id').executeTakeFirstOrThrow();
    await t.database.db
      .insertInto('member_employments')
      .values([
        { member_id: id, organization_id: org.id, start_date: '2000-01-01', end_date: '2005-01-01', hourly_rate: 30.5 },
        { member_id: id, organization_id: org.id, start_date: '2010-01-01', hourly_rate: 55.25 },
        { member_id: id, organization_id: org.id, start_date: '2005-02-01', end_date: '2009-12-31' },
      ])
      .execute();
  });

  it('returns the member with employment history, newest first', async () => {
    const res = await t.app.inject({ url: `/api/v1/members/${id}`, headers: AUTH });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.employments.map((e: { start_date: string }) => e.start_date)).toEqual(['2010-01-01', '2005-02-01', '2000-01-01']);
    expect(body.employments[0]).toMatchObject({ is_current: true, end_date: null, hourly_rate: 55.25 });
    expect(body.employments[2]).toMatchObject({ is_current: false, hourly_rate: 30.5 });
    expect(body).not.toHaveProperty('deleted_at');
  });

  it('sends the JSON PostgreSQL built: the fields, order and values of the rows read through the pg type parsers, valid by the contract', async () => {
    const res = await t.app.inject({ url: `/api/v1/members/${id}`, headers: AUTH });
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = res.json();
    const member = await findMemberById(t.database.db, id);
    const employments = await listEmploymentsOfMember(t.database.db, id);
    expect(body).toEqual({ ...member, employments });
    expect(Object.keys(body)).toEqual([...MEMBER_COLUMNS, 'employments']);
    expect(Object.keys(body.employments[0])).toEqual([...EMPLOYMENT_COLUMNS, 'is_current']);
    expect(body.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(MemberDetailSchema.safeParse(body).error).toBeUndefined();
  });

  it('404s for an id that does not exist, 400 for one that is not a number', async () => {
    const missing = await t.app.inject({ url: '/api/v1/members/987654', headers: AUTH });
    expect(missing.statusCode).toBe(404);
    expectErrorShape(missing.json());
    for (const bad of ['abc', '-1', '0', '1.5', '99999999999999999999']) {
      const res = await t.app.inject({ url: `/api/v1/members/${bad}`, headers: AUTH });
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().error.details[0].path).toBe('id');
    }
  });

  it('patches fields and records the before/after audit', async () => {
    const res = await t.app.inject({ method: 'PATCH', url: `/api/v1/members/${id}`, headers: AUTH, payload: { status: 'suspended', city: 'Seattle' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'suspended', city: 'Seattle' });
    const audit = await t.database.db.selectFrom('audit_logs').selectAll().where('record_id', '=', id).where('action', '=', 'update').executeTakeFirstOrThrow();
    expect(audit.old_values).toMatchObject({ status: 'active' });
    expect(audit.new_values).toMatchObject({ status: 'suspended' });
  });

  it('rejects an empty patch, an unknown field and a duplicate number', async () => {
    expect((await t.app.inject({ method: 'PATCH', url: `/api/v1/members/${id}`, headers: AUTH, payload: {} })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'PATCH', url: `/api/v1/members/${id}`, headers: AUTH, payload: { id: 5 } })).statusCode).toBe(400);
    const dup = await t.app.inject({ method: 'PATCH', url: `/api/v1/members/${id}`, headers: AUTH, payload: { member_number: 'M-100' } });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.details[0].path).toBe('member_number');
  });

  it('soft deletes: 204, then invisible to detail, list and patch; the row stays', async () => {
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/members/${id}`, headers: AUTH })).statusCode).toBe(204);
    expect((await t.app.inject({ url: `/api/v1/members/${id}`, headers: AUTH })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'PATCH', url: `/api/v1/members/${id}`, headers: AUTH, payload: { city: 'X' } })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/members/${id}`, headers: AUTH })).statusCode).toBe(404);
    const list = await t.app.inject({ url: '/api/v1/members?limit=200', headers: AUTH });
    expect(list.json().items.map((m: { id: number }) => m.id)).not.toContain(id);
    const row = await t.database.db.selectFrom('members').select('deleted_at').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.deleted_at).not.toBeNull();
  });
});

describe('auth and health', () => {
  it('requires the bearer token on every /api/v1 route', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/members'],
      ['GET', '/api/v1/members/1'],
      ['POST', '/api/v1/members'],
      ['PATCH', '/api/v1/members/1'],
      ['DELETE', '/api/v1/members/1'],
    ] as const) {
      for (const headers of [{}, { authorization: 'Bearer wrong-token-wrong-token' }, { authorization: 'Basic abc' }]) {
        const res = await t.app.inject({ method, url, headers, payload: method === 'GET' || method === 'DELETE' ? undefined : {} });
        expect(res.statusCode, `${method} ${url}`).toBe(401);
        expectErrorShape(res.json());
      }
    }
  });

  it('/health is public, asks the database and reveals no secrets', async () => {
    const res = await t.app.inject({ url: '/health' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ status: 'ok', env: 'test', db: { ok: true }, pool: { total: expect.any(Number) } });
    expect(typeof body.db.latency_ms).toBe('number');
    expect(res.body).not.toContain(t.config.API_TOKEN);
    expect(res.body).not.toContain('postgres://');
  });
});

describe('jobs: the database refuses overlaps, the API names the clash', () => {
  it('answers 409 naming the clashing job (overlap, second current job) and writes nothing', async () => {
    const post = (url: string, payload: object) => t.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: AUTH, payload });
    const org = (await post('/organizations', { name: 'Overlap Electric', org_type: 'employer' })).json().id;
    const m = (await post('/members', { member_number: 'OV-1', first_name: 'Ove', last_name: 'Lap', classification: 'lineman' })).json().id;
    const first = await post(`/members/${m}/employments`, { organization_id: org, start_date: '2001-01-01', end_date: '2004-12-31' });
    expect(first.statusCode).toBe(201);
    const current = await post(`/members/${m}/employments`, { organization_id: org, start_date: '2010-01-01' });
    expect(current.statusCode).toBe(201);
    const before = await counts();

    const overlap = await post(`/members/${m}/employments`, { organization_id: org, start_date: '2004-12-31', end_date: '2006-01-01' });
    expect(overlap.statusCode).toBe(409);
    expectErrorShape(overlap.json());
    expect(overlap.json().error.message).toContain(`employment ${first.json().id} (2001-01-01 to 2004-12-31)`);
    expect(overlap.json().error.details[0].path).toBe('start_date');

    const second = await post(`/members/${m}/employments`, { organization_id: org, start_date: '2020-01-01' });
    expect(second.statusCode).toBe(409);
    expect(second.json().error.message).toContain(`current job (employment ${current.json().id} since 2010-01-01)`);
    expect(second.json().error.details[0].path).toBe('end_date');

    expect(await counts()).toEqual(before);
    const next = await post(`/members/${m}/employments`, { organization_id: org, start_date: '2005-01-01', end_date: '2009-12-31' });
    expect(next.statusCode).toBe(201);
  });
});
