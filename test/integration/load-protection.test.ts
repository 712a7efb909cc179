// The production-readiness plumbing seen from a client: rate limiting (429 + Retry-After in the
// error shape), load shedding when the event loop is blocked (503 + Retry-After), Server-Timing
// with measured db time, and the /metrics and /stats formats the harness reads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, createTestApp, type TestApp } from '../support/app';
import { expectErrorShape } from '../support/http';

describe('rate limiting (RATE_LIMIT_MAX > 0)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' });
  });
  afterAll(async () => t?.close());

  it('answers the request over the limit with 429, Retry-After and the error shape; /health is exempt', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await t.app.inject({ url: '/api/v1/members', headers: AUTH })).statusCode);
    expect(statuses).toEqual([200, 200, 200]);
    const limited = await t.app.inject({ url: '/api/v1/members', headers: AUTH });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expectErrorShape(limited.json());
    expect(limited.json().error.code).toBe('rate_limited');
    expect((await t.app.inject({ url: '/health' })).statusCode).toBe(200);
  });
});

describe('rate limiting off (RATE_LIMIT_MAX=0, the default)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it('never answers 429', async () => {
    const res = await Promise.all(Array.from({ length: 50 }, () => t.app.inject({ url: '/api/v1/locations', headers: AUTH })));
    expect(new Set(res.map((r) => r.statusCode))).toEqual(new Set([200]));
    expect(res[0]!.headers['x-ratelimit-limit']).toBeUndefined();
  });
});

describe('load shedding (under-pressure)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ SHED_MAX_EVENT_LOOP_DELAY_MS: '200' });
  });
  afterAll(async () => t?.close());

  it('answers 503 with Retry-After in the error shape after the event loop was blocked', async () => {
    expect((await t.app.inject({ url: '/api/v1/locations', headers: AUTH })).statusCode).toBe(200);
    expect(t.app.isUnderPressure()).toBe(false);
    // Block the event loop in 300 ms bursts, the way CPU-bound work would, until under-pressure's own
    // sampling (the mean delay over each 1 s interval) says so: one long block is diluted by however
    // many quiet samples the interval held before it, so wait for the state, not for a fixed time.
    const deadline = performance.now() + 15_000;
    while (!t.app.isUnderPressure()) {
      expect(performance.now(), 'under-pressure never saw the blocked event loop').toBeLessThan(deadline);
      const until = performance.now() + 300;
      while (performance.now() < until) {
        /* busy */
      }
      await new Promise((r) => setImmediate(r));
    }
    const res = await t.app.inject({ url: '/api/v1/locations', headers: AUTH });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
    expectErrorShape(res.json());
    expect(res.json().error.code).toBe('overloaded');
  });
});

describe('Server-Timing, /metrics and /stats', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ CACHE_ENABLED: 'false' });
  });
  afterAll(async () => t?.close());

  const timing = (h: unknown) => {
    const m = /^db;dur=(\d+\.\d+), app;dur=(\d+\.\d+)$/.exec(String(h));
    expect(m, String(h)).not.toBeNull();
    return { db: Number(m![1]), app: Number(m![2]) };
  };

  it('reports db time for requests that query and zero db time for those that do not', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/members', headers: AUTH, payload: { member_number: 'T-1', first_name: 'T', last_name: 'T', classification: 'lineman' } });
    expect(timing(created.headers['server-timing']).db).toBeGreaterThan(0);
    expect(timing((await t.app.inject({ url: `/api/v1/members/${created.json().id}`, headers: AUTH })).headers['server-timing']).db).toBeGreaterThan(0);
    expect(timing((await t.app.inject({ url: '/api/v1/members/abc', headers: AUTH })).headers['server-timing']).db).toBe(0);
    expect(timing((await t.app.inject({ url: '/api/v1/members' })).headers['server-timing']).db).toBe(0); // 401
    expect(timing((await t.app.inject({ url: '/nowhere', headers: AUTH })).headers['server-timing']).db).toBe(0); // 404
  });

  it('exposes the documented metric names, labelled by route template', async () => {
    await t.app.inject({ url: '/api/v1/members/424242', headers: AUTH });
    const res = await t.app.inject({ url: '/metrics', headers: AUTH });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const text = res.body;
    expect(text).toMatch(/^http_requests_total\{method="GET",route="\/api\/v1\/members\/:id",status="404"\} 1$/m);
    expect(text).toMatch(/^http_request_duration_seconds_bucket\{le="0\.05",method="GET",route="\/api\/v1\/members\/:id",status="404"\} \d+$/m);
    for (const name of ['db_pool_total', 'db_pool_idle', 'db_pool_waiting', 'cache_hits_total', 'cache_misses_total', 'db_time_seconds_total']) {
      expect(text).toMatch(new RegExp(`^${name} \\d+(\\.\\d+)?(e-?\\d+)?$`, 'm'));
    }
    expect(Number(/^db_time_seconds_total (\S+)$/m.exec(text)![1])).toBeGreaterThan(0);
    expect(Number(/^db_pool_total (\S+)$/m.exec(text)![1])).toBeGreaterThan(0);
    expect(text).not.toContain('route="/api/v1/members/424242"');
  });

  it('/stats returns rows and id ranges per table', async () => {
    const res = await t.app.inject({ url: '/api/v1/stats', headers: AUTH });
    const { tables } = res.json();
    expect(tables.members).toEqual({ rows: 1, min_id: expect.any(Number), max_id: expect.any(Number) });
    expect(tables.locations).toEqual({ rows: 0, min_id: null, max_id: null });
    expect(Object.keys(tables).sort()).toEqual(
      ['audit_logs', 'cohorts', 'file_attachments', 'instructors', 'locations', 'member_employments', 'members', 'organization_contacts', 'organizations', 'students'],
    );
  });
});
