// Property-based input fuzzing (fast-check) across every write route, the query strings of every
// list route and the path ids: whatever arrives, the answer is never a 5xx, every rejection has
// the one error shape, a rejected request changes no row in any table (audit_logs included), and
// SQL-looking text in `q` and in bodies is stored or matched as plain text.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, createTestApp, type TestApp } from '../support/app';
import { expectErrorShape, rowCounts } from '../support/http';

let t: TestApp;
const ids: Record<string, number> = {};
let baseline: Record<string, number>;
let cases = 0;

const SQLISH = [
  "' OR 1=1 --",
  "'; DROP TABLE members; --",
  "Robert'); DROP TABLE students;--",
  '1; select pg_sleep(5)',
  '%',
  '_',
  '\\',
  "' union select * from audit_logs --",
  '$1',
  '"; truncate organizations cascade; --',
  '/*',
  'null',
];
const sqlish = fc.constantFrom(...SQLISH);
const text = fc.oneof(fc.string({ maxLength: 40 }), sqlish, fc.string({ unit: 'binary', maxLength: 20 }), fc.constant(''), fc.constant('   '));
const scalar = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(Number.MAX_SAFE_INTEGER), fc.constant(-1));
const json = fc.oneof({ depthSize: 'small' }, scalar, fc.jsonValue({ maxDepth: 2 }));

/** A valid body with one field replaced, one removed, or one unknown field added. */
function mutated(valid: () => Record<string, unknown>) {
  return fc.oneof(
    fc.tuple(fc.nat(), json).map(([i, v]) => {
      const b = valid();
      const keys = Object.keys(b);
      b[keys[i % keys.length]!] = v;
      return b;
    }),
    fc.nat().map((i) => {
      const b = valid();
      const keys = Object.keys(b);
      delete b[keys[i % keys.length]!];
      return b;
    }),
    fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), json).map(([k, v]) => ({ ...valid(), [k]: v })),
    fc.dictionary(fc.string({ maxLength: 12 }), json, { maxKeys: 5 }),
    json,
  );
}

let n = 0;
const u = () => `${Date.now() % 1_000_000}-${++n}`;

interface WriteRoute {
  method: 'POST' | 'PATCH' | 'PUT';
  url: () => string;
  valid: () => Record<string, unknown>;
}

const WRITES: Record<string, WriteRoute> = {
  'POST /members': { method: 'POST', url: () => '/members', valid: () => ({ member_number: `FZ-${u()}`, first_name: 'Fuzz', last_name: "O'Brien", classification: 'journeyman', hire_date: '2001-01-01', date_of_birth: '1980-01-01' }) },
  'PATCH /members/:id': { method: 'PATCH', url: () => `/members/${ids.member}`, valid: () => ({ city: 'Olympia', status: 'active', email: 'a@b.org' }) },
  'POST /members/:id/employments': { method: 'POST', url: () => `/members/${ids.member}/employments`, valid: () => ({ organization_id: ids.employer!, start_date: '1999-01-01', end_date: '1999-06-30', hourly_rate: 33.25 }) },
  'PATCH /employments/:id': { method: 'PATCH', url: () => `/employments/${ids.employment}`, valid: () => ({ job_title: 'Wireman', hourly_rate: 51.5 }) },
  'POST /organizations': { method: 'POST', url: () => '/organizations', valid: () => ({ name: 'Fuzz Electric', org_type: 'employer', salting_score: 2, website: 'https://x.example' }) },
  'PATCH /organizations/:id': { method: 'PATCH', url: () => `/organizations/${ids.employer}`, valid: () => ({ phone: '555', notes: 'n' }) },
  'POST /organizations/:id/contacts': { method: 'POST', url: () => `/organizations/${ids.employer}/contacts`, valid: () => ({ first_name: 'C', last_name: 'D', title: 'Rep' }) },
  'PUT /organizations/:id/primary-contact': { method: 'PUT', url: () => `/organizations/${ids.employer}/primary-contact`, valid: () => ({ contact_id: ids.contact! }) },
  'POST /cohorts': { method: 'POST', url: () => '/cohorts', valid: () => ({ name: 'Fuzz cohort', location_id: ids.location!, start_date: '2026-01-05', end_date: '2026-06-30' }) },
  'PATCH /cohorts/:id': { method: 'PATCH', url: () => `/cohorts/${ids.cohort}`, valid: () => ({ name: 'Renamed', end_date: '2027-06-30' }) },
  'POST /students': { method: 'POST', url: () => '/students', valid: () => ({ student_number: `ST-${u()}`, first_name: 'S', last_name: 'T', status: 'applicant', cohort_id: ids.cohort! }) },
  'PATCH /students/:id': { method: 'PATCH', url: () => `/students/${ids.student}`, valid: () => ({ phone: '1', status: 'enrolled', cohort_id: ids.cohort! }) },
  'POST /instructors': { method: 'POST', url: () => '/instructors', valid: () => ({ first_name: 'I', last_name: 'N', email: `i${u()}@example.org`, specialties: ['a'] }) },
  'POST /locations': { method: 'POST', url: () => '/locations', valid: () => ({ name: 'Hall', capacity: 10 }) },
  'POST /members/:id/files': { method: 'POST', url: () => `/members/${ids.member}/files`, valid: () => ({ file_name: 'f.txt', mime_type: 'text/plain', category: 'misc' }) },
  'POST /organizations/:id/files': { method: 'POST', url: () => `/organizations/${ids.employer}/files`, valid: () => ({ file_name: 'f.txt', mime_type: 'text/plain' }) },
  'POST /students/:id/files': { method: 'POST', url: () => `/students/${ids.student}/files`, valid: () => ({ file_name: 'f.txt', mime_type: 'text/plain' }) },
};

const LISTS: Record<string, string[]> = {
  '/members': ['limit', 'offset', 'status', 'classification', 'q', 'include_total'],
  '/organizations': ['limit', 'offset', 'type', 'q'],
  '/students': ['limit', 'offset', 'status', 'cohort_id', 'q'],
  '/cohorts': ['limit', 'offset', 'location_id', 'instructor_id'],
  '/cohorts/:id': [],
  '/instructors': ['limit', 'offset', 'location_id'],
  '/locations': ['limit', 'offset'],
  '/members/:id/files': ['limit', 'offset'],
  '/members/:id/employments': [],
};

async function check(res: { statusCode: number; body: string; headers: Record<string, unknown> }, what: string) {
  cases++;
  expect(res.statusCode, `${what} -> ${res.body}`).toBeLessThan(500);
  if (res.statusCode >= 400) {
    expectErrorShape(JSON.parse(res.body));
    expect(await rowCounts(t.database.db), `${what} changed rows`).toEqual(baseline);
  } else if (!what.startsWith('GET')) {
    baseline = await rowCounts(t.database.db);
  }
}

beforeAll(async () => {
  t = await createTestApp({ DB_POOL_MAX: '10' });
  const post = async (url: string, payload: object) => {
    const res = await t.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: AUTH, payload });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as number;
  };
  ids.employer = await post('/organizations', { name: 'Base Electric', org_type: 'employer' });
  ids.contact = await post(`/organizations/${ids.employer}/contacts`, { first_name: 'P', last_name: 'Q', is_primary: true });
  ids.member = await post('/members', { member_number: 'BASE-1', first_name: 'Base', last_name: 'Member', classification: 'journeyman', date_of_birth: '1970-01-01' });
  ids.employment = await post(`/members/${ids.member}/employments`, { organization_id: ids.employer, start_date: '2010-01-01' });
  ids.location = await post('/locations', { name: 'Base Hall' });
  ids.cohort = await post('/cohorts', { name: 'Base cohort', location_id: ids.location, start_date: '2026-01-05' });
  ids.student = await post('/students', { student_number: 'BASE-S', first_name: 'Base', last_name: 'Student', cohort_id: ids.cohort });
  baseline = await rowCounts(t.database.db);
});
afterAll(async () => {
  // The generated cases add up across the file; the issue asks for at least 10,000.
  expect(cases).toBeGreaterThanOrEqual(10_000);
  await t?.close();
});

describe.each(Object.entries(WRITES))('%s bodies', (name, route) => {
  it('never 5xx, always the error shape, rejected requests write nothing', async () => {
    await fc.assert(
      fc.asyncProperty(mutated(route.valid), async (body) => {
        const res = await t.app.inject({
          method: route.method,
          url: `/api/v1${route.url()}`,
          headers: { ...AUTH, 'content-type': 'application/json' },
          payload: JSON.stringify(body) ?? '',
        });
        await check(res as never, `${route.method} ${name} ${JSON.stringify(body)?.slice(0, 200)}`);
      }),
      { numRuns: 500 },
    );
  }, 120_000);
});

describe('raw bodies and content types', () => {
  it('malformed JSON, other content types and empty bodies are 4xx in the error shape', async () => {
    const routes = Object.values(WRITES);
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.oneof(fc.string({ maxLength: 60 }), sqlish, fc.constant('{'), fc.constant('[1,'), fc.constant('')),
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=latin1'),
        async (i, payload, contentType) => {
          const route = routes[i % routes.length]!;
          const res = await t.app.inject({ method: route.method, url: `/api/v1${route.url()}`, headers: { ...AUTH, 'content-type': contentType }, payload });
          await check(res as never, `${route.method} raw ${contentType} ${payload.slice(0, 80)}`);
        },
      ),
      { numRuns: 500 },
    );
  }, 120_000);
});

describe.each(Object.entries(LISTS))('GET %s query strings', (path, keys) => {
  it('never 5xx; SQL-looking values are inert', async () => {
    const key = fc.oneof(fc.constantFrom(...(keys.length ? keys : ['x'])), fc.string({ maxLength: 10 }));
    const value = fc.oneof(text, fc.integer().map(String), fc.constantFrom('-1', '0', '201', '1e3', '0x10', 'NaN', 'active', 'employer'));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, value), { maxLength: 4 }), async (pairs) => {
        const qs = new URLSearchParams(pairs).toString();
        const url = `/api/v1${path.replace(':id', String(ids.member))}${qs ? `?${qs}` : ''}`;
        const res = await t.app.inject({ url, headers: AUTH });
        await check(res as never, `GET ${url}`);
        // `q` is a literal prefix whatever it contains: every item found really starts with it.
        const q = new URLSearchParams(qs).get('q');
        if (keys.length === 0 && pairs.length > 0) expect(res.statusCode, url).toBe(400);
        if (res.statusCode === 200 && q !== null && keys.includes('q')) {
          for (const item of res.json().items as Record<string, string>[]) {
            const names = [item.first_name, item.last_name, item.name].filter((x) => typeof x === 'string').map((x) => x.toLowerCase());
            expect(names.some((x) => x.startsWith(q.toLowerCase())), `${url}: ${JSON.stringify(item)}`).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  }, 120_000);
});

describe('path ids', () => {
  it('any text where an id goes is a 400 or 404, never a 5xx', async () => {
    const templates = ['/members/:id', '/organizations/:id', '/students/:id', '/instructors/:id', '/locations/:id', '/files/:id', '/files/:id/content', '/members/:id/employments', '/organizations/:id/contacts'];
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.oneof(fc.string({ minLength: 1, maxLength: 25 }), sqlish, fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String)), async (i, raw) => {
        const url = `/api/v1${templates[i % templates.length]!.replace(':id', encodeURIComponent(raw))}`;
        const res = await t.app.inject({ url, headers: AUTH });
        await check(res as never, `GET ${url}`);
      }),
      { numRuns: 600 },
    );
  }, 120_000);
});

describe('SQL-looking text in bodies is stored verbatim', () => {
  it('round-trips every SQL-looking string through a write and a read, tables intact', async () => {
    for (const s of SQLISH) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/members', headers: AUTH, payload: { member_number: `SQL-${u()}`, first_name: s.trim() ? s : 'x', last_name: 'Injection', notes: s, classification: 'lineman' } });
      expect(res.statusCode, res.body).toBe(201);
      const back = await t.app.inject({ url: `/api/v1/members/${res.json().id}`, headers: AUTH });
      expect(back.json().notes).toBe(s);
    }
    const counts = await rowCounts(t.database.db);
    expect(counts.members).toBeGreaterThan(SQLISH.length);
    expect(counts.organizations).toBeGreaterThan(0);
  });
});
