// Data Safety must not call a write "lost" because nobody could look (issue 13): on its own
// embedded PostgreSQL, the real API (listening, read over HTTP as a run reads it back) verifies
// acknowledged writes once with the database up (a missing row is lost) and once after the
// PostgreSQL was stopped: then every write is unverified, with the reason, and none is lost; the
// report's Data Safety section says so.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../load/lib/data-pool';
import { RunSummary } from '../../load/report/summary';
import { renderTextReport } from '../../load/report/text-report';
import { verifyAckedWrites, type AckedWrite } from '../../load/results/data-safety';
import { buildApp } from '../../server/app';
import { loadConfig } from '../../server/config';
import { usingDatabase } from '../../server/db/database';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../server/db/embedded-postgres';
import { migrateToLatest } from '../../server/db/migrate';
import { AUTH, TEST_TOKEN } from '../support/app';

// Inside the project (like the run's own test database): the postgres OS user must reach it.
const dataDir = path.resolve('.data', `pg-safety-${process.pid}`);
let pg: EmbeddedPostgresHandle;
let app: FastifyInstance;
let api: ApiClient;
let writes: AckedWrite[];

beforeAll(async () => {
  pg = await startEmbeddedPostgres({ dataDir, ephemeral: true, settings: { fsync: 'off' } });
  await usingDatabase(pg.url, migrateToLatest);
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: pg.url,
    API_TOKEN: TEST_TOKEN,
    LOG_LEVEL: 'silent',
    DB_CONNECT_TIMEOUT_MS: '1000',
    CACHE_ENABLED: 'false', // every read asks the database
    SHED_MAX_EVENT_LOOP_DELAY_MS: '0',
    SHED_MAX_EVENT_LOOP_UTILIZATION: '0',
  });
  app = await buildApp(config);
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  api = new ApiClient(baseUrl, TEST_TOKEN);
  const created = await fetch(`${baseUrl}/api/v1/members`, {
    method: 'POST',
    headers: { ...AUTH, 'content-type': 'application/json' },
    body: JSON.stringify({ member_number: 'SAFE-1', first_name: 'Ada', last_name: 'Written', classification: 'journeyman' }),
  });
  expect(created.status).toBe(201);
  const id = ((await created.json()) as { id: number }).id;
  const t = Date.now();
  writes = [
    { t, op: 'create_member', ref: `member:${id}`, expect: 'exists' },
    { t, op: 'update_member', ref: `member:${id}`, expect: 'last_name=Written' },
    // Acknowledged but not there: with the database up, this one is lost.
    { t, op: 'create_member', ref: `member:${id + 1000}`, expect: 'exists' },
  ];
}, 120_000);

afterAll(async () => {
  await app?.close();
  await pg?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('Data Safety when the database is unreachable at verify time', () => {
  it('counts rows it could not read as unverified (database unreachable), not lost; a missing row with the database up is lost', async () => {
    const up = await verifyAckedWrites(api, writes);
    expect(up).toMatchObject({ acknowledged: 3, verified: 2, lost: 1 });
    expect(up.unverified).toBeUndefined();
    expect(up.lost_examples).toEqual([{ op: 'create_member', ref: writes[2]!.ref, expect: 'exists', found: 'row not found' }]);

    await pg.stop(); // the real PostgreSQL is gone; the API still answers (503 for the database)
    const down = await verifyAckedWrites(api, writes);
    expect(down).toMatchObject({ acknowledged: 3, verified: 0, lost: 0, unverified: 3, lost_examples: [] });
    expect(down.by_op).toEqual({ create_member: { acknowledged: 2, verified: 0, lost: 0, unverified: 2 }, update_member: { acknowledged: 1, verified: 0, lost: 0, unverified: 1 } });
    expect(down.unverified_reasons).toEqual(['database unreachable: GET /api/v1/members/:id answered 503 (the database is unavailable; retry shortly)']);

    // The report: Data Safety says unverified with the reason, never "lost 3".
    const fixture = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'load-summary.json'), 'utf8'));
    const summary = RunSummary.parse({ ...fixture, data_safety: down });
    const report = renderTextReport(summary);
    expect(report).toContain('writes acknowledged 3, verified 0, lost 0, unverified 3');
    expect(report).toContain('unverified (database unreachable): GET /api/v1/members/:id answered 503 (the database is unavailable; retry shortly)');
  }, 60_000);
});
