// End to end: the real CLI starts the real API server on a fresh database, seeds it, runs the
// real k6 for a few seconds, and writes the report folder. Assertions read summary.json/report.txt.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSummary, type RunSummary } from '../../load/report/summary';
import { createTestDatabase, type TestDatabase } from '../support/database';

let database: TestDatabase;
let reportsDir: string;
let summary: RunSummary;
let report: string;
let stdout: string;

const USERS = 3;
const OPS = 6;

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
  reportsDir = mkdtempSync(path.join(tmpdir(), 'loadlab-e2e-'));
  const run = spawnSync(
    process.execPath,
    ['bin/loadlab.mjs', 'load', '--users', String(USERS), '--ops', String(OPS), '--think-time', '20', '--ramp-up', '1', '--duration', '60s'],
    { env: { ...process.env, DATABASE_URL: database.url, LOADLAB_REPORTS_DIR: reportsDir }, encoding: 'utf8', timeout: 120_000 },
  );
  stdout = run.stdout;
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
  const [dir] = readdirSync(reportsDir);
  expect(dir).toMatch(/^\d{8}T\d{6}Z-load$/);
  summary = readSummary(path.join(reportsDir, dir!, 'summary.json'));
  report = readFileSync(path.join(reportsDir, dir!, 'report.txt'), 'utf8');
}, 180_000);

afterAll(async () => database?.drop());

describe('loadlab load against its own server', () => {
  it('prints the k6 version it used', () => {
    expect(stdout).toMatch(/^k6 v\d+\.\d+\.\d+/m);
    expect(summary.k6.version).toMatch(/^v[1-9]\d*\./);
  });

  it('ran exactly users x ops requests, with every operation present and no failures', () => {
    expect(summary.totals.requests).toBe(USERS * OPS);
    expect(summary.totals.failed).toBe(0);
    expect(summary.operations.map((o) => o.op).sort()).toEqual(['create_member', 'read_member_detail', 'read_member_list']);
    for (const o of summary.operations) expect(o.count).toBeGreaterThan(0);
  });

  it('names requests by route template, never by raw URL', () => {
    const names = summary.operations.flatMap((o) => o.names);
    expect(names.sort()).toEqual(['GET /members', 'GET /members/:id', 'POST /members']);
  });

  it('computes latency over all requests, consistent with the per-op figures', () => {
    const l = summary.latency_ms;
    expect(l.count).toBe(summary.totals.requests);
    expect(l.min).toBeLessThanOrEqual(l.med);
    expect(l.med).toBeLessThanOrEqual(l.p95);
    expect(l.p95).toBeLessThanOrEqual(l.p99);
    expect(l.p99).toBeLessThanOrEqual(l.max);
    const maxOfOps = Math.max(...summary.operations.map((o) => o.latency_ms.max));
    expect(l.max).toBe(maxOfOps);
  });

  it('wrote the created members into the database the run used', async () => {
    const created = summary.operations.find((o) => o.op === 'create_member')!.count;
    const { db } = database;
    const rows = await db.selectFrom('members').select('member_number').where('member_number', 'like', 'L%-%-%').execute();
    expect(rows.length).toBe(created);
  });

  it('writes a text report with the configuration, totals, response times and per-op counts', () => {
    for (const heading of ['Test Configuration:', 'Overall Results:', 'Response Times', 'Operation Breakdown:']) expect(report).toContain(heading);
    expect(report).toMatch(new RegExp(`Total operations\\s+${USERS * OPS}\\b`));
  });
});
