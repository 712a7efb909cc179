// The read-through cache: a write is visible in the very next read (member detail, lists,
// organization detail), X-Cache says HIT/MISS, and the hit/miss counters of /metrics count
// exactly one lookup per cached request. CACHE_ENABLED=false serves everything from the database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, createTestApp, type TestApp } from '../support/app';

let t: TestApp;
const api = (p: string) => `/api/v1${p}`;

async function req(app: TestApp, method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: object) {
  const res = await app.app.inject({ method, url: api(url), headers: AUTH, payload });
  return { status: res.statusCode, body: res.statusCode === 204 ? undefined : res.json(), cache: res.headers['x-cache'] };
}

async function counters(app: TestApp) {
  const text = (await app.app.inject({ url: '/metrics', headers: AUTH })).body;
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { hits: value('cache_hits_total'), misses: value('cache_misses_total') };
}

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

describe('read-through cache', () => {
  it('serves the second read from the cache and counts one lookup per request', async () => {
    const m = await req(t, 'POST', '/members', { member_number: 'C-1', first_name: 'Cache', last_name: 'Me', classification: 'journeyman' });
    const before = await counters(t);
    const first = await req(t, 'GET', `/members/${m.body.id}`);
    const second = await req(t, 'GET', `/members/${m.body.id}`);
    const third = await req(t, 'GET', `/members/${m.body.id}`);
    expect([first.cache, second.cache, third.cache]).toEqual(['MISS', 'HIT', 'HIT']);
    expect(second.body).toEqual(first.body);
    const after = await counters(t);
    expect({ hits: after.hits - before.hits, misses: after.misses - before.misses }).toEqual({ hits: 2, misses: 1 });
    // A 404 is a lookup too (a miss), and is not cached.
    expect((await req(t, 'GET', '/members/99999')).cache).toBe('MISS');
    expect((await req(t, 'GET', '/members/99999')).cache).toBe('MISS');
    const end = await counters(t);
    expect(end.misses - after.misses).toBe(2);
    // Uncached routes do not touch the counters.
    await req(t, 'GET', `/members/${m.body.id}/employments`);
    expect(await counters(t)).toEqual(end);
  });

  it('shows a member write in the next read (PATCH, employment added, employment ended, DELETE)', async () => {
    const m = await req(t, 'POST', '/members', { member_number: 'C-2', first_name: 'Fresh', last_name: 'Read', classification: 'lineman' });
    const org = await req(t, 'POST', '/organizations', { name: 'Fresh Electric', org_type: 'employer' });
    const id = m.body.id;
    await req(t, 'GET', `/members/${id}`);
    expect((await req(t, 'GET', `/members/${id}`)).cache).toBe('HIT');

    await req(t, 'PATCH', `/members/${id}`, { city: 'Spokane' });
    expect((await req(t, 'GET', `/members/${id}`)).body.city).toBe('Spokane');

    const job = await req(t, 'POST', `/members/${id}/employments`, { organization_id: org.body.id, start_date: '2022-01-01' });
    expect(job.status).toBe(201);
    let detail = await req(t, 'GET', `/members/${id}`);
    expect(detail.body.employments.map((e: { id: number; is_current: boolean }) => [e.id, e.is_current])).toEqual([[job.body.id, true]]);

    await req(t, 'PATCH', `/employments/${job.body.id}`, { end_date: '2023-06-30' });
    detail = await req(t, 'GET', `/members/${id}`);
    expect(detail.body.employments[0]).toMatchObject({ end_date: '2023-06-30', is_current: false });

    expect((await req(t, 'DELETE', `/members/${id}`)).status).toBe(204);
    expect((await req(t, 'GET', `/members/${id}`)).status).toBe(404);
  });

  it('shows creates and updates in the next list read', async () => {
    const zed = '/members?q=zed&include_total=true';
    const list1 = await req(t, 'GET', zed);
    expect((await req(t, 'GET', zed)).cache).toBe('HIT');
    const created = await req(t, 'POST', '/members', { member_number: 'C-3', first_name: 'Zed', last_name: 'Zulu', classification: 'installer_technician' });
    const list2 = await req(t, 'GET', zed);
    expect(list2.body.total).toBe(list1.body.total + 1);
    await req(t, 'PATCH', `/members/${created.body.id}`, { first_name: 'Yan', last_name: 'Young' });
    expect((await req(t, 'GET', zed)).body.total).toBe(list1.body.total);

    // Narrow invalidation: a change that leaves the filter fields alone retires the pages holding
    // the row (read-after-write), and a new row leaves full pages that end before it cached.
    const firstPage = '/members?limit=2';
    const page1 = await req(t, 'GET', firstPage);
    expect(page1.body.items).toHaveLength(2);
    await req(t, 'PATCH', `/members/${page1.body.items[1].id}`, { city: 'Walla Walla' });
    const page1b = await req(t, 'GET', firstPage);
    expect(page1b.cache).toBe('MISS');
    expect(page1b.body.items[1].city).toBe('Walla Walla');
    await req(t, 'POST', '/members', { member_number: 'C-4', first_name: 'Late', last_name: 'Comer', classification: 'lineman' });
    expect((await req(t, 'GET', firstPage)).cache).toBe('HIT');
    const all = await req(t, 'GET', '/members?limit=200');
    expect(all.body.items.map((m: { member_number: string }) => m.member_number)).toContain('C-4');

    await req(t, 'GET', '/organizations?type=union');
    await req(t, 'POST', '/organizations', { name: 'Local 46', org_type: 'union' });
    expect((await req(t, 'GET', '/organizations?type=union')).body.items.map((o: { name: string }) => o.name)).toContain('Local 46');

    await req(t, 'GET', '/students');
    await req(t, 'POST', '/students', { student_number: 'ST-9', first_name: 'New', last_name: 'Kid' });
    expect((await req(t, 'GET', '/students')).body.items.map((s: { student_number: string }) => s.student_number)).toContain('ST-9');

    await req(t, 'GET', '/locations');
    await req(t, 'POST', '/locations', { name: 'East Lab' });
    expect((await req(t, 'GET', '/locations')).body.items.map((l: { name: string }) => l.name)).toContain('East Lab');

    await req(t, 'GET', '/instructors');
    await req(t, 'POST', '/instructors', { first_name: 'I', last_name: 'Nstructor', email: 'i@example.org' });
    expect((await req(t, 'GET', '/instructors')).body.total).toBe(1);
  });

  it('shows contact changes and primary swaps in the next organization read', async () => {
    const org = await req(t, 'POST', '/organizations', { name: 'Contact Electric', org_type: 'employer' });
    await req(t, 'GET', `/organizations/${org.body.id}`);
    const a = await req(t, 'POST', `/organizations/${org.body.id}/contacts`, { first_name: 'A', last_name: 'A', is_primary: true });
    let detail = await req(t, 'GET', `/organizations/${org.body.id}`);
    expect(detail.body.contacts.map((c: { id: number }) => c.id)).toEqual([a.body.id]);
    const b = await req(t, 'POST', `/organizations/${org.body.id}/contacts`, { first_name: 'B', last_name: 'B' });
    await req(t, 'GET', `/organizations/${org.body.id}`);
    await req(t, 'PUT', `/organizations/${org.body.id}/primary-contact`, { contact_id: b.body.id });
    detail = await req(t, 'GET', `/organizations/${org.body.id}`);
    expect(detail.body.contacts[0]).toMatchObject({ id: b.body.id, is_primary: true });
    await req(t, 'PATCH', `/organizations/${org.body.id}`, { name: 'Renamed Electric' });
    expect((await req(t, 'GET', `/organizations/${org.body.id}`)).body.name).toBe('Renamed Electric');
  });
});

describe('CACHE_ENABLED=false', () => {
  let off: TestApp;
  beforeAll(async () => {
    off = await createTestApp({ CACHE_ENABLED: 'false' });
  });
  afterAll(async () => off?.close());

  it('reads from the database every time: no X-Cache header, counters stay at zero', async () => {
    const m = await req(off, 'POST', '/members', { member_number: 'O-1', first_name: 'No', last_name: 'Cache', classification: 'journeyman' });
    for (let i = 0; i < 3; i++) {
      const r = await req(off, 'GET', `/members/${m.body.id}`);
      expect(r.status).toBe(200);
      expect(r.cache).toBeUndefined();
    }
    expect(await counters(off)).toEqual({ hits: 0, misses: 0 });
  });
});
