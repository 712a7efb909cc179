// DATABASE_READ_URL against a real streaming replica, made from the embedded binaries with the
// low-level base backup (server/db/embedded-replica.ts), one primary + replica pair for the file.
// Proves which server answered: with replay paused, a row changed on the primary behind the API's
// back still reads old through the API (the replica answered), and the API's read pool is the one
// connected to the replica (pg_stat_activity.application_name). Then: a read after a write is
// never stale (it goes to the primary while the replica lacks the write); lag over the limit and a
// replica that goes away send every read to the primary with /health degraded and the reason; they
// return when it does. A read URL that is not a standby is refused at start with one line.
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app';
import { loadConfig } from '../../server/config';
import { createDatabase } from '../../server/db/database';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../server/db/embedded-postgres';
import { startEmbeddedReplica, type EmbeddedReplica } from '../../server/db/embedded-replica';
import { migrateToLatest } from '../../server/db/migrate';
import { refuseReplica } from '../../server/db/read-replica';
import { AUTH, TEST_TOKEN } from '../support/app';

let primary: EmbeddedPostgresHandle;
let replica: EmbeddedReplica;
let app: Awaited<ReturnType<typeof buildApp>>;
// With replay paused the lag grows from the first write the replica lacks, and the reads expected
// from the replica meanwhile (after a write or two and a few queries) must come before it passes the
// limit: 800 ms could pass on a stalled machine. Degraded is waited for (until() allows 20 s), so a
// longer limit only makes that wait ~3 s.
const MAX_LAG_MS = 3000;

async function on<T>(url: string, q: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(q, params)).rows as T[];
  } finally {
    await c.end();
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function get(url: string) {
  const res = await app.inject({ url: `/api/v1${url}`, headers: AUTH });
  return { status: res.statusCode, body: res.json(), from: res.headers['x-read-from'] };
}
async function health() {
  const res = await app.inject({ url: '/health' });
  return { code: res.statusCode, body: res.json() };
}
async function createMember(n: string) {
  const res = await app.inject({ method: 'POST', url: '/api/v1/members', headers: AUTH, payload: { member_number: n, first_name: 'First', last_name: n, classification: 'lineman' } });
  expect(res.statusCode).toBe(201);
  return res.json().id as number;
}

beforeAll(async () => {
  const settings = { fsync: 'off', synchronous_commit: 'off' };
  primary = await startEmbeddedPostgres({ dataDir: `.data/pg-primary-test-${process.pid}`, ephemeral: true, settings });
  const { db } = createDatabase(primary.url, { max: 2 });
  await migrateToLatest(db);
  await db.destroy();
  replica = await startEmbeddedReplica(primary, { dataDir: `.data/pg-replica-test-${process.pid}`, applicationName: 'loadlab-test-replica', settings: { fsync: 'off' } });
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: primary.url,
    DATABASE_READ_URL: replica.url,
    REPLICA_MAX_LAG_MS: String(MAX_LAG_MS),
    REPLICA_POLL_MS: '50',
    // The cache would answer repeated reads itself: every read here asks a database.
    CACHE_ENABLED: 'false',
    API_TOKEN: TEST_TOKEN,
    LOG_LEVEL: 'silent',
    SHED_MAX_EVENT_LOOP_DELAY_MS: '0',
    SHED_MAX_EVENT_LOOP_UTILIZATION: '0',
  });
  app = await buildApp(config);
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await replica?.stop();
  await primary?.stop();
});

describe('a real streaming replica', () => {
  it('is a standby streaming from the primary, named in pg_stat_replication', async () => {
    expect(await on(replica.adminUrl, 'select pg_is_in_recovery() as r')).toEqual([{ r: true }]);
    const streams = await on<{ application_name: string; state: string }>(primary.adminUrl, 'select application_name, state from pg_stat_replication');
    expect(streams).toEqual([{ application_name: 'loadlab-test-replica', state: 'streaming' }]);
  });

  it('answers reads of rows nobody wrote since the replica replayed them, from the replica', async () => {
    const id = await createMember('R-1');
    const read = await until('the read to go to the replica', async () => {
      const r = await get(`/members/${id}`);
      return r.from === 'replica' && r;
    });
    expect(read.body.last_name).toBe('R-1');
    // Proof of who answered: replay paused, the row changed on the primary behind the API's back
    // (no invalidation) — the API still reads the old row, so the replica answered.
    await on(replica.adminUrl, 'select pg_wal_replay_pause()');
    try {
      await on(primary.url, `update members set last_name = 'changed-behind' where id = $1`, [id]);
      const old = await get(`/members/${id}`);
      expect([old.from, old.body.last_name]).toEqual(['replica', 'R-1']);
      const apiOnReplica = await on<{ n: number }>(replica.adminUrl, `select count(*)::int as n from pg_stat_activity where application_name = 'loadlab-api-read'`);
      const apiReadOnPrimary = await on<{ n: number }>(primary.adminUrl, `select count(*)::int as n from pg_stat_activity where application_name = 'loadlab-api-read'`);
      expect(apiOnReplica[0]!.n).toBeGreaterThan(0);
      expect(apiReadOnPrimary[0]!.n).toBe(0);
      // /metrics counts the routed reads by the server that answered.
      const metrics = (await app.inject({ url: '/metrics', headers: AUTH })).body;
      expect(Number(/^db_reads_total\{from="replica"\} (\S+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    } finally {
      await on(replica.adminUrl, 'select pg_wal_replay_resume()');
    }
  });

  it('never serves a stale read after a write: the written row goes to the primary until the replica has it', async () => {
    const id = await createMember('R-2');
    const other = await createMember('R-3');
    await until('both to be on the replica', async () => (await get(`/members/${id}`)).from === 'replica' && (await get(`/members/${other}`)).from === 'replica');
    await on(replica.adminUrl, 'select pg_wal_replay_pause()');
    try {
      const patched = await app.inject({ method: 'PATCH', url: `/api/v1/members/${id}`, headers: AUTH, payload: { first_name: 'Written' } });
      expect(patched.statusCode).toBe(200);
      const after = await get(`/members/${id}`);
      expect([after.from, after.body.first_name]).toEqual(['primary', 'Written']);
      // A row the write did not touch is still read from the replica (lag within the limit).
      expect((await get(`/members/${other}`)).from).toBe('replica');
      // Replay stays paused: the lag passes REPLICA_MAX_LAG_MS, health says degraded with the reason,
      // and every read goes to the primary.
      const degraded = await until('health to say degraded', async () => {
        const h = await health();
        return h.body.status === 'degraded' && h;
      });
      expect(degraded.code).toBe(200);
      expect(degraded.body.db_read.ok).toBe(false);
      expect(degraded.body.db_read.reason).toMatch(new RegExp(`lag \\d+ ms is over REPLICA_MAX_LAG_MS ${MAX_LAG_MS} ms`));
      expect(degraded.body.db_read.lag_ms).toBeGreaterThan(MAX_LAG_MS);
      expect((await get(`/members/${other}`)).from).toBe('primary');
    } finally {
      await on(replica.adminUrl, 'select pg_wal_replay_resume()');
    }
    await until('health to be ok again', async () => (await health()).body.status === 'ok');
    const back = await until('the written row to be read from the replica', async () => {
      const r = await get(`/members/${id}`);
      return r.from === 'replica' && r;
    });
    expect(back.body.first_name).toBe('Written');
    const h = await health();
    expect(h.body.db_read).toMatchObject({ ok: true, used: true, lag_ms: expect.any(Number), latency_ms: expect.any(Number) });
  });

  it('falls back to the primary while the replica is gone, and uses it again when it is back', async () => {
    const id = await createMember('R-4');
    await replica.halt();
    try {
      const down = await until('health to say the replica is gone', async () => {
        const h = await health();
        return h.body.status === 'degraded' && /unreachable/.test(h.body.db_read.reason ?? '') && h;
      });
      expect(down.code).toBe(200);
      const r = await get(`/members/${id}`);
      expect([r.status, r.from, r.body.last_name]).toEqual([200, 'primary', 'R-4']);
    } finally {
      await replica.restart();
    }
    const back = await until('reads to return to the replica', async () => {
      const r = await get(`/members/${id}`);
      return r.from === 'replica' && r;
    });
    expect(back.body.last_name).toBe('R-4');
    expect((await health()).body.status).toBe('ok');
  });
});

describe('DATABASE_READ_URL at start', () => {
  it('refuses the primary itself with one line', async () => {
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: primary.url, DATABASE_READ_URL: primary.url, API_TOKEN: TEST_TOKEN, LOG_LEVEL: 'silent' });
    const err = await buildApp(config).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/^DATABASE_READ_URL is not a standby \(pg_is_in_recovery\(\) is false\)/);
    expect(err?.message.split('\n')).toHaveLength(1);
  });

  it('refuses another major version and another cluster (the identities compared)', () => {
    const p = { recovery: false, version: 170002, system: '7311' };
    expect(refuseReplica(p, { recovery: true, version: 170005, system: '7311' })).toBeUndefined();
    expect(refuseReplica(p, { recovery: true, version: 160004, system: '7311' })).toBe('DATABASE_READ_URL is PostgreSQL 16, DATABASE_URL is PostgreSQL 17: a streaming replica has the primary\'s major version');
    expect(refuseReplica(p, { recovery: true, version: 170002, system: '9999' })).toMatch(/replicates another cluster \(system identifier 9999, the primary's is 7311\)/);
    expect(refuseReplica(p, { recovery: false, version: 170002, system: '7311' })).toMatch(/is not a standby/);
  });

  it('rejects a read URL that is not a URL, naming the variable', () => {
    expect(() => loadConfig({ DATABASE_URL: primary.url, DATABASE_READ_URL: 'replica', API_TOKEN: TEST_TOKEN })).toThrow(/DATABASE_READ_URL: DATABASE_READ_URL must be a postgres:\/\/ URL/);
  });
});
