// Issue 15's bad input at start-up, with a real PostgreSQL: a DATABASE_READ_URL that points at the
// primary is refused in one line by `loadlab serve` (one process or cluster workers: the workers'
// reason reaches the primary, which stops — one line, no restart, no crash loop) and by the server
// the harness starts (server/main.ts with WORKERS=2); a replica that does not answer yet is not an
// error: the API starts degraded with the reason and reads from the primary.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../server/db/embedded-postgres';
import { createTestApp, AUTH, type TestApp } from '../support/app';
import { runCli } from '../support/cli';
import { createTestDatabase, type TestDatabase } from '../support/database';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database?.drop());

const NOT_A_STANDBY = 'DATABASE_READ_URL is not a standby (pg_is_in_recovery() is false): it points at the primary or at another primary, not a streaming replica';

describe('DATABASE_READ_URL pointing at the primary', () => {
  it.each([1, 2])('loadlab serve --workers %i: one line, exit 2, nothing listening', async (workers) => {
    const port = await freePort();
    const r = await runCli(['serve', '--workers', String(workers), '--port', String(port)], { DATABASE_URL: database.url, DATABASE_READ_URL: database.url }, 60_000);
    expect(r.status, r.stderr).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    const who = workers > 1 ? 'worker \\d \\(pid \\d+\\) could not start: ' : '';
    expect(lines[0]).toMatch(new RegExp(`^loadlab serve: the API did not start: ${who}${NOT_A_STANDBY.replace(/[()]/g, '\\$&')}$`));
    expect(r.stdout).not.toContain('listening');
  }, 60_000);

  it('the server the harness starts (WORKERS=2): one line naming the reason, exit 1, no worker restarted', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      env: { ...process.env, DATABASE_URL: database.url, DATABASE_READ_URL: database.url, WORKERS: '2', PORT: String(port), API_TOKEN: 'a'.repeat(24), LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code, stderr).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^loadlab cluster: worker \d \(pid \d+\) could not start: DATABASE_READ_URL is not a standby/);
    expect(stderr).not.toContain('starting a new worker');
    expect(stdout).not.toContain('loadlab cluster ready');
  }, 60_000);
});

describe('a replica that does not answer at start', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ DATABASE_READ_URL: `postgres://postgres:x@127.0.0.1:${await freePort()}/loadlab`, REPLICA_POLL_MS: '50', CACHE_ENABLED: 'false' });
  });
  afterAll(async () => t?.close());

  it('starts degraded with the reason, and reads go to the primary', async () => {
    const h = await t.app.inject({ url: '/health' });
    expect(h.statusCode).toBe(200);
    expect(h.json()).toMatchObject({ status: 'degraded', db_read: { ok: false, used: false, lag_ms: null } });
    expect(h.json().db_read.reason).toMatch(/^unreachable: /);
    const member = await t.app.inject({ method: 'POST', url: '/api/v1/members', headers: AUTH, payload: { member_number: 'RS-1', first_name: 'Read', last_name: 'Start', classification: 'lineman' } });
    expect(member.statusCode).toBe(201);
    const read = await t.app.inject({ url: `/api/v1/members/${member.json().id}`, headers: AUTH });
    expect([read.statusCode, read.headers['x-read-from'], read.json().last_name]).toEqual([200, 'primary', 'Start']);
  });
});
