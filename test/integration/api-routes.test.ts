// Every route of the API, driven from the app's own route table: each registered route must have
// a happy path, a not-found case (where it addresses a row), a validation error that names the
// field (where it takes input), and must answer 401 without a token. A new route that is not in
// the table below fails the coverage test; a new route without auth fails the 401 test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPublicPath } from '../../server/plugins/auth';
import { AUTH, createTestApp, type TestApp } from '../support/app';
import { expectErrorShape } from '../support/http';

let t: TestApp;
const filesDir = mkdtempSync(path.join(tmpdir(), 'loadlab-files-'));
const MISSING = 987_654_321;
const ids: Record<string, number> = {};

type Req = InjectOptions & { method: NonNullable<InjectOptions['method']>; url: string };
interface RouteSpec {
  happy: () => Req & { status: number; check?: (body: any) => void };
  /** null = the route addresses no single row (lists of the whole table, creates). */
  notFound: (() => Req) | null;
  /** null = the route takes no input to get wrong. */
  invalid: (() => Req & { field: string }) | null;
}

const api = (p: string) => `/api/v1${p}`;
const post = (url: string, payload: object) => ({ method: 'POST' as const, url: api(url), payload });
const patch = (url: string, payload: object) => ({ method: 'PATCH' as const, url: api(url), payload });
const get = (url: string) => ({ method: 'GET' as const, url: api(url) });

let seq = 0;
const uniq = (p: string) => `${p}-${++seq}-${Date.now() % 100000}`;

const SPECS: Record<string, RouteSpec> = {
  'GET /metrics': {
    happy: () => ({ method: 'GET', url: '/metrics', status: 200, check: (b) => expect(String(b)).toContain('http_requests_total') }),
    notFound: null,
    invalid: null,
  },
  'GET /api/v1/stats': {
    happy: () => ({ ...get('/stats'), status: 200, check: (b) => expect(b.tables.members.rows).toBeGreaterThan(0) }),
    notFound: null,
    invalid: null,
  },
  'GET /api/v1/members': {
    happy: () => ({ ...get('/members?status=active&limit=5'), status: 200, check: (b) => expect(b.items.length).toBeGreaterThan(0) }),
    notFound: null,
    invalid: () => ({ ...get('/members?limit=0'), field: 'limit' }),
  },
  'POST /api/v1/members': {
    happy: () => ({ ...post('/members', { member_number: uniq('M'), first_name: 'Ada', last_name: 'Lovelace', classification: 'journeyman' }), status: 201 }),
    notFound: null,
    invalid: () => ({ ...post('/members', { member_number: uniq('M'), first_name: 'Ada', last_name: 'L', classification: 'boss' }), field: 'classification' }),
  },
  'GET /api/v1/members/:id': {
    happy: () => ({ ...get(`/members/${ids.member}`), status: 200, check: (b) => expect(b.employments).toHaveLength(1) }),
    notFound: () => get(`/members/${MISSING}`),
    invalid: () => ({ ...get('/members/abc'), field: 'id' }),
  },
  'PATCH /api/v1/members/:id': {
    happy: () => ({ ...patch(`/members/${ids.member}`, { city: 'Tacoma' }), status: 200, check: (b) => expect(b.city).toBe('Tacoma') }),
    notFound: () => patch(`/members/${MISSING}`, { city: 'x' }),
    invalid: () => ({ ...patch(`/members/${ids.member}`, { status: 'asleep' }), field: 'status' }),
  },
  'DELETE /api/v1/members/:id': {
    happy: () => ({ method: 'DELETE', url: api(`/members/${ids.doomedMember}`), status: 204 }),
    notFound: () => ({ method: 'DELETE', url: api(`/members/${MISSING}`) }),
    invalid: () => ({ method: 'DELETE', url: api('/members/-3'), field: 'id' }),
  },
  'GET /api/v1/members/:id/employments': {
    happy: () => ({ ...get(`/members/${ids.member}/employments`), status: 200, check: (b) => expect(b.items[0].is_current).toBe(true) }),
    notFound: () => get(`/members/${MISSING}/employments`),
    invalid: () => ({ ...get('/members/1.5/employments'), field: 'id' }),
  },
  'POST /api/v1/members/:id/employments': {
    happy: () => ({ ...post(`/members/${ids.member2}/employments`, { organization_id: ids.employer, start_date: '2015-04-01', end_date: '2016-04-01', hourly_rate: 41.5 }), status: 201 }),
    notFound: () => post(`/members/${MISSING}/employments`, { organization_id: ids.employer, start_date: '2015-04-01' }),
    invalid: () => ({ ...post(`/members/${ids.member2}/employments`, { organization_id: ids.employer, start_date: '2015-04-01', hourly_rate: 9 }), field: 'hourly_rate' }),
  },
  'PATCH /api/v1/employments/:id': {
    happy: () => ({ ...patch(`/employments/${ids.employment}`, { job_title: 'Foreman', hourly_rate: 62 }), status: 200, check: (b) => expect(b.job_title).toBe('Foreman') }),
    notFound: () => patch(`/employments/${MISSING}`, { job_title: 'x' }),
    invalid: () => ({ ...patch(`/employments/${ids.employment}`, { end_date: '2001-02-30' }), field: 'end_date' }),
  },
  'GET /api/v1/organizations': {
    happy: () => ({ ...get('/organizations?type=employer&q=volt'), status: 200, check: (b) => expect(b.total).toBeGreaterThan(0) }),
    notFound: null,
    invalid: () => ({ ...get('/organizations?type=guild'), field: 'type' }),
  },
  'POST /api/v1/organizations': {
    happy: () => ({ ...post('/organizations', { name: 'Arc Light', org_type: 'union', salting_score: 3 }), status: 201 }),
    notFound: null,
    invalid: () => ({ ...post('/organizations', { name: 'Arc', org_type: 'union', salting_score: 9 }), field: 'salting_score' }),
  },
  'GET /api/v1/organizations/:id': {
    happy: () => ({ ...get(`/organizations/${ids.employer}`), status: 200, check: (b) => expect(b.contacts.length).toBeGreaterThan(0) }),
    notFound: () => get(`/organizations/${MISSING}`),
    invalid: () => ({ ...get('/organizations/0'), field: 'id' }),
  },
  'PATCH /api/v1/organizations/:id': {
    happy: () => ({ ...patch(`/organizations/${ids.employer}`, { phone: '555-0100' }), status: 200 }),
    notFound: () => patch(`/organizations/${MISSING}`, { phone: '1' }),
    invalid: () => ({ ...patch(`/organizations/${ids.employer}`, { email: 'nope' }), field: 'email' }),
  },
  'GET /api/v1/organizations/:id/contacts': {
    happy: () => ({ ...get(`/organizations/${ids.employer}/contacts`), status: 200, check: (b) => expect(b.items[0].is_primary).toBe(true) }),
    notFound: () => get(`/organizations/${MISSING}/contacts`),
    invalid: () => ({ ...get('/organizations/x/contacts'), field: 'id' }),
  },
  'POST /api/v1/organizations/:id/contacts': {
    happy: () => ({ ...post(`/organizations/${ids.employer}/contacts`, { first_name: 'Lin', last_name: 'Ko', title: 'Steward' }), status: 201 }),
    notFound: () => post(`/organizations/${MISSING}/contacts`, { first_name: 'Lin', last_name: 'Ko' }),
    invalid: () => ({ ...post(`/organizations/${ids.employer}/contacts`, { first_name: 'Lin' }), field: 'last_name' }),
  },
  'PUT /api/v1/organizations/:id/primary-contact': {
    happy: () => ({ method: 'PUT', url: api(`/organizations/${ids.employer}/primary-contact`), payload: { contact_id: ids.contact2 }, status: 200, check: (b) => expect(b.is_primary).toBe(true) }),
    notFound: () => ({ method: 'PUT', url: api(`/organizations/${MISSING}/primary-contact`), payload: { contact_id: ids.contact2 } }),
    invalid: () => ({ method: 'PUT', url: api(`/organizations/${ids.employer}/primary-contact`), payload: { contact_id: 'two' }, field: 'contact_id' }),
  },
  'GET /api/v1/students': {
    happy: () => ({ ...get('/students?status=enrolled'), status: 200, check: (b) => expect(b.total).toBe(1) }),
    notFound: null,
    invalid: () => ({ ...get('/students?status=sleeping'), field: 'status' }),
  },
  'POST /api/v1/students': {
    happy: () => ({ ...post('/students', { student_number: uniq('S'), first_name: 'Jo', last_name: 'March', birthdate: '2001-05-06' }), status: 201 }),
    notFound: null,
    invalid: () => ({ ...post('/students', { student_number: uniq('S'), first_name: 'Jo', last_name: 'M', birthdate: 'yesterday' }), field: 'birthdate' }),
  },
  'GET /api/v1/students/:id': {
    happy: () => ({ ...get(`/students/${ids.student}`), status: 200 }),
    notFound: () => get(`/students/${MISSING}`),
    invalid: () => ({ ...get('/students/1e3x'), field: 'id' }),
  },
  'PATCH /api/v1/students/:id': {
    happy: () => ({ ...patch(`/students/${ids.student}`, { phone: '555-0101' }), status: 200 }),
    notFound: () => patch(`/students/${MISSING}`, { phone: '1' }),
    invalid: () => ({ ...patch(`/students/${ids.student}`, { nickname: 'JJ' }), field: 'nickname' }),
  },
  'GET /api/v1/cohorts': {
    happy: () => ({ ...get(`/cohorts?location_id=${ids.location}`), status: 200, check: (b) => expect(b).toMatchObject({ total: 1, items: [{ id: ids.cohort }] }) }),
    notFound: null,
    invalid: () => ({ ...get('/cohorts?instructor_id=x'), field: 'instructor_id' }),
  },
  'POST /api/v1/cohorts': {
    happy: () => ({ ...post('/cohorts', { name: uniq('Cohort'), start_date: '2027-01-04' }), status: 201 }),
    notFound: null,
    invalid: () => ({ ...post('/cohorts', { name: 'Backwards', start_date: '2027-01-04', end_date: '2026-01-04' }), field: 'end_date' }),
  },
  'GET /api/v1/cohorts/:id': {
    happy: () => ({ ...get(`/cohorts/${ids.cohort}`), status: 200, check: (b) => expect(b.students.map((x: { id: number }) => x.id)).toEqual([ids.student]) }),
    notFound: () => get(`/cohorts/${MISSING}`),
    invalid: () => ({ ...get('/cohorts/-1'), field: 'id' }),
  },
  'PATCH /api/v1/cohorts/:id': {
    happy: () => ({ ...patch(`/cohorts/${ids.cohort}`, { name: 'Inside Wireman 2026 (A)' }), status: 200 }),
    notFound: () => patch(`/cohorts/${MISSING}`, { name: 'x' }),
    invalid: () => ({ ...patch(`/cohorts/${ids.cohort}`, { instructor_id: 'Nik' }), field: 'instructor_id' }),
  },
  'GET /api/v1/instructors': {
    happy: () => ({ ...get(`/instructors?location_id=${ids.location}`), status: 200, check: (b) => expect(b.total).toBe(1) }),
    notFound: null,
    invalid: () => ({ ...get('/instructors?location_id=-1'), field: 'location_id' }),
  },
  'POST /api/v1/instructors': {
    happy: () => ({ ...post('/instructors', { first_name: 'Al', last_name: 'Volta', email: `${uniq('al')}@example.org`, specialties: ['motors'] }), status: 201 }),
    notFound: null,
    invalid: () => ({ ...post('/instructors', { first_name: 'Al', last_name: 'Volta' }), field: 'email' }),
  },
  'GET /api/v1/instructors/:id': {
    happy: () => ({ ...get(`/instructors/${ids.instructor}`), status: 200 }),
    notFound: () => get(`/instructors/${MISSING}`),
    invalid: () => ({ ...get('/instructors/one'), field: 'id' }),
  },
  'GET /api/v1/locations': {
    happy: () => ({ ...get('/locations'), status: 200, check: (b) => expect(b.total).toBeGreaterThan(0) }),
    notFound: null,
    invalid: () => ({ ...get('/locations?offset=-5'), field: 'offset' }),
  },
  'POST /api/v1/locations': {
    happy: () => ({ ...post('/locations', { name: 'North Hall', capacity: 30 }), status: 201 }),
    notFound: null,
    invalid: () => ({ ...post('/locations', { name: 'North Hall', capacity: -1 }), field: 'capacity' }),
  },
  'GET /api/v1/locations/:id': {
    happy: () => ({ ...get(`/locations/${ids.location}`), status: 200 }),
    notFound: () => get(`/locations/${MISSING}`),
    invalid: () => ({ ...get('/locations/%20'), field: 'id' }),
  },
  'GET /api/v1/members/:id/files': {
    happy: () => ({ ...get(`/members/${ids.member}/files`), status: 200, check: (b) => expect(b.items).toHaveLength(1) }),
    notFound: () => get(`/members/${MISSING}/files`),
    invalid: () => ({ ...get(`/members/${ids.member}/files?limit=500`), field: 'limit' }),
  },
  'POST /api/v1/members/:id/files': {
    happy: () => ({ ...post(`/members/${ids.member}/files`, { file_name: 'card.pdf', mime_type: 'application/pdf' }), status: 201 }),
    notFound: () => post(`/members/${MISSING}/files`, { file_name: 'card.pdf', mime_type: 'application/pdf' }),
    invalid: () => ({ ...post(`/members/${ids.member}/files`, { file_name: 'card.pdf', mime_type: 'pdf' }), field: 'mime_type' }),
  },
  'GET /api/v1/organizations/:id/files': {
    happy: () => ({ ...get(`/organizations/${ids.employer}/files`), status: 200 }),
    notFound: () => get(`/organizations/${MISSING}/files`),
    invalid: () => ({ ...get(`/organizations/${ids.employer}/files?sort=name`), field: 'sort' }),
  },
  'POST /api/v1/organizations/:id/files': {
    happy: () => ({ ...post(`/organizations/${ids.employer}/files`, { file_name: 'cba.pdf', mime_type: 'application/pdf', category: 'agreement' }), status: 201 }),
    notFound: () => post(`/organizations/${MISSING}/files`, { file_name: 'cba.pdf', mime_type: 'application/pdf' }),
    invalid: () => ({ ...post(`/organizations/${ids.employer}/files`, { file_name: '../etc/passwd', mime_type: 'text/plain' }), field: 'file_name' }),
  },
  'GET /api/v1/students/:id/files': {
    happy: () => ({ ...get(`/students/${ids.student}/files`), status: 200 }),
    notFound: () => get(`/students/${MISSING}/files`),
    invalid: () => ({ ...get('/students/abc/files'), field: 'id' }),
  },
  'POST /api/v1/students/:id/files': {
    happy: () => ({ ...post(`/students/${ids.student}/files`, { file_name: 'transcript.pdf', mime_type: 'application/pdf' }), status: 201 }),
    notFound: () => post(`/students/${MISSING}/files`, { file_name: 'transcript.pdf', mime_type: 'application/pdf' }),
    invalid: () => ({ ...post(`/students/${ids.student}/files`, { mime_type: 'application/pdf' }), field: 'file_name' }),
  },
  'GET /api/v1/files/:id': {
    happy: () => ({ ...get(`/files/${ids.file}`), status: 200, check: (b) => expect(b.sha256).toMatch(/^[0-9a-f]{64}$/) }),
    notFound: () => get(`/files/${MISSING}`),
    invalid: () => ({ ...get('/files/0x10'), field: 'id' }),
  },
  'DELETE /api/v1/files/:id': {
    happy: () => ({ method: 'DELETE', url: api(`/files/${ids.doomedFile}`), status: 204 }),
    notFound: () => ({ method: 'DELETE', url: api(`/files/${MISSING}`) }),
    invalid: () => ({ method: 'DELETE', url: api('/files/null'), field: 'id' }),
  },
  'GET /api/v1/files/:id/content': {
    happy: () => ({ ...get(`/files/${ids.file}/content`), status: 200, check: (b) => expect(String(b)).toBe('hello, content') }),
    notFound: () => get(`/files/${MISSING}/content`),
    invalid: () => ({ ...get('/files/-1/content'), field: 'id' }),
  },
  'PUT /api/v1/files/:id/content': {
    happy: () => ({ method: 'PUT', url: api(`/files/${ids.file}/content`), payload: 'hello, content', headers: { 'content-type': 'text/plain' }, status: 200 }),
    notFound: () => ({ method: 'PUT', url: api(`/files/${MISSING}/content`), payload: 'x', headers: { 'content-type': 'text/plain' } }),
    invalid: () => ({ method: 'PUT', url: api('/files/abc/content'), payload: 'x', headers: { 'content-type': 'text/plain' }, field: 'id' }),
  },
};

async function call(req: Req) {
  const { headers, ...rest } = req as Req & { status?: number; field?: string; check?: unknown };
  delete (rest as Record<string, unknown>).status;
  delete (rest as Record<string, unknown>).field;
  delete (rest as Record<string, unknown>).check;
  return t.app.inject({ ...rest, headers: { ...AUTH, ...(headers as object) } });
}

async function must(req: Req, status = 201) {
  const res = await call(req);
  expect(res.statusCode, `${req.method} ${req.url}: ${res.body}`).toBe(status);
  return res.json();
}

const apiRoutes = () => t.app.routeTable.filter((r) => r.method !== 'HEAD' && !isPublicPath(r.url));

beforeAll(async () => {
  t = await createTestApp({ FILES_DIR: filesDir });
  ids.location = (await must(post('/locations', { name: 'Training Center', city: 'Renton' }))).id;
  ids.instructor = (await must(post('/instructors', { first_name: 'Nik', last_name: 'Tesla', email: 'nik@example.org', location_id: ids.location }))).id;
  ids.employer = (await must(post('/organizations', { name: 'Volt Electric', org_type: 'employer' }))).id;
  ids.contact1 = (await must(post(`/organizations/${ids.employer}/contacts`, { first_name: 'Pat', last_name: 'Lee', is_primary: true }))).id;
  ids.contact2 = (await must(post(`/organizations/${ids.employer}/contacts`, { first_name: 'Sam', last_name: 'Roe' }))).id;
  ids.member = (await must(post('/members', { member_number: 'R-1', first_name: 'Rosa', last_name: 'Parks', classification: 'journeyman' }))).id;
  ids.member2 = (await must(post('/members', { member_number: 'R-2', first_name: 'Joe', last_name: 'Hill', classification: 'lineman' }))).id;
  ids.doomedMember = (await must(post('/members', { member_number: 'R-3', first_name: 'Old', last_name: 'Timer', classification: 'lineman' }))).id;
  ids.employment = (await must(post(`/members/${ids.member}/employments`, { organization_id: ids.employer, start_date: '2019-01-01', hourly_rate: 48 }))).id;
  ids.cohort = (await must(post('/cohorts', { name: 'Inside Wireman 2026', location_id: ids.location, instructor_id: ids.instructor, start_date: '2026-01-05', end_date: '2029-12-18' }))).id;
  ids.student = (await must(post('/students', { student_number: 'S-1', first_name: 'Ann', last_name: 'Bee', status: 'enrolled', member_id: ids.member2, cohort_id: ids.cohort }))).id;
  ids.file = (await must(post(`/members/${ids.member}/files`, { file_name: 'note.txt', mime_type: 'text/plain' }))).id;
  await must({ method: 'PUT', url: api(`/files/${ids.file}/content`), payload: 'hello, content', headers: { 'content-type': 'text/plain' } }, 200);
  ids.doomedFile = (await must(post(`/organizations/${ids.employer}/files`, { file_name: 'old.txt', mime_type: 'text/plain' }))).id;
});
afterAll(async () => {
  await t?.close();
  rmSync(filesDir, { recursive: true, force: true });
});

describe('route coverage', () => {
  it('has a spec for every registered API route, and a registered route for every spec', () => {
    const registered = apiRoutes().map((r) => `${r.method} ${r.url}`).sort();
    expect(registered).toEqual(Object.keys(SPECS).sort());
  });
});

describe('401 without a token, on every registered route', () => {
  it('answers 401 with the error shape on each route the app registered (HEAD included)', async () => {
    const routes = t.app.routeTable.filter((r) => !isPublicPath(r.url));
    expect(routes.length).toBeGreaterThanOrEqual(Object.keys(SPECS).length);
    for (const r of routes) {
      const url = r.url.replace(/:id/g, '1').replace(/\*/g, 'x');
      for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789abcd' }, { authorization: AUTH.authorization.replace('Bearer ', 'Basic ') }]) {
        const res = await t.app.inject({ method: r.method as Req['method'], url, headers, payload: r.method === 'GET' || r.method === 'HEAD' || r.method === 'DELETE' ? undefined : {} });
        expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
        if (r.method !== 'HEAD') expectErrorShape(res.json());
      }
    }
  });

  it('keeps exactly /health, /livez and /docs public', async () => {
    const publicRoutes = [...new Set(t.app.routeTable.filter((r) => isPublicPath(r.url)).map((r) => r.url.split('/')[1]))].sort();
    expect(publicRoutes).toEqual(['docs', 'health', 'livez']);
    expect((await t.app.inject({ url: '/health' })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/livez' })).json()).toEqual({ status: 'ok' });
    // The UI is served from the package's own files: no CDN, works offline.
    const ui = await t.app.inject({ url: '/docs' });
    expect(ui.statusCode).toBe(200);
    const assets = [...ui.body.matchAll(/(?:src|href)="(\/docs\/static\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      expect((await t.app.inject({ url: asset })).statusCode, asset).toBe(200);
    }
    expect(ui.body).not.toMatch(/https?:\/\/(cdn|unpkg)/);
    const docs = await t.app.inject({ url: '/docs/json' });
    expect(docs.statusCode).toBe(200);
    const paths = Object.keys(docs.json().paths);
    expect(paths).toContain('/api/v1/organizations/{id}/primary-contact');
    expect(docs.json().paths['/api/v1/members'].post.requestBody.content['application/json'].schema.required).toContain('member_number');
  });
});

describe.each(Object.entries(SPECS))('%s', (_name, spec) => {
  it('happy path (a write records exactly one audit row)', async () => {
    const req = spec.happy();
    const audits = async () => Number((await t.database.db.selectFrom('audit_logs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const before = await audits();
    const res = await call(req);
    expect(res.statusCode, res.body).toBe(req.status);
    expect(await audits()).toBe(before + (req.method === 'GET' ? 0 : 1));
    expect(res.headers['server-timing']).toMatch(/^db;dur=\d+\.\d+, app;dur=\d+\.\d+$/);
    if (req.check) req.check(String(res.headers['content-type']).includes('json') ? res.json() : res.body);
  });

  // Routes that address no single row (collections, /stats, /metrics) have no 404 case.
  if (spec.notFound) it('404 for a row that does not exist', async () => {
    const res = await call(spec.notFound!());
    expect(res.statusCode, res.body).toBe(404);
    expectErrorShape(res.json());
  });

  // Routes that take no input (/stats, /metrics) have no validation case.
  if (spec.invalid) it('400 naming the field', async () => {
    const req = spec.invalid!();
    const res = await call(req);
    expect(res.statusCode, res.body).toBe(400);
    expectErrorShape(res.json());
    expect(res.json().error.details.map((d: { path: string }) => d.path)).toContain(req.field);
  });
});

describe('cohort references', () => {
  it("validates students' cohort_id (400 naming it, 409 for no such cohort) and cohorts' own references (409), writing nothing", async () => {
    const audits = async () => Number((await t.database.db.selectFrom('audit_logs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const before = await audits();
    const cases: [Req, number, string][] = [
      [{ ...post('/students', { student_number: uniq('S'), first_name: 'A', last_name: 'B', cohort_id: 'spring' }) }, 400, 'cohort_id'],
      [{ ...post('/students', { student_number: uniq('S'), first_name: 'A', last_name: 'B', cohort_id: MISSING }) }, 409, 'cohort_id'],
      [{ ...patch(`/students/${ids.student}`, { cohort_id: MISSING }) }, 409, 'cohort_id'],
      [{ ...get('/students?cohort_id=0') }, 400, 'cohort_id'],
      [{ ...post('/cohorts', { name: 'Nowhere', location_id: MISSING }) }, 409, 'location_id'],
      [{ ...patch(`/cohorts/${ids.cohort}`, { instructor_id: MISSING }) }, 409, 'instructor_id'],
      // The stored start is 2026-01-05: an end before it is refused by the database's check.
      [{ ...patch(`/cohorts/${ids.cohort}`, { end_date: '2025-01-01' }) }, 400, 'end_date'],
    ];
    for (const [req, status, field] of cases) {
      const res = await call(req);
      expect(res.statusCode, `${req.method} ${req.url}: ${res.body}`).toBe(status);
      expectErrorShape(res.json());
      expect(res.json().error.details.map((d: { path: string }) => d.path)).toContain(field);
    }
    expect(await audits()).toBe(before);
    // Moving a student out of the cohort shows in the cohort's detail.
    expect((await call(patch(`/students/${ids.student}`, { cohort_id: null }))).statusCode).toBe(200);
    expect((await call(get(`/cohorts/${ids.cohort}`))).json().students).toEqual([]);
    expect((await call(patch(`/students/${ids.student}`, { cohort_id: ids.cohort }))).statusCode).toBe(200);
  });

  it('documents the cohort routes in OpenAPI with a summary and an operationId', async () => {
    const doc = (await t.app.inject({ url: '/docs/json' })).json();
    for (const [p, method] of [['/api/v1/cohorts', 'get'], ['/api/v1/cohorts', 'post'], ['/api/v1/cohorts/{id}', 'get'], ['/api/v1/cohorts/{id}', 'patch']] as const) {
      expect(doc.paths[p]?.[method], `${method} ${p}`).toMatchObject({ summary: expect.any(String), operationId: expect.any(String) });
    }
    expect(doc.paths['/api/v1/members'].get.parameters.map((x: { name: string }) => x.name)).toContain('include_total');
  });
});
