// The CI gate's three exit codes, a regression forced against --baseline, `compare`, and the bad
// inputs of load/gate/level (one-line error, exit 2, nothing sent to the target).
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSummary } from '../../load/report/summary';
import { onlyReportDir, runCli, tempReportsDir } from '../support/cli';
import { createTestDatabase, type TestDatabase } from '../support/database';

let database: TestDatabase;
let work: string;
const smallGate = { users: 4, ops: 6, think_time_ms: 10, ramp_up_s: 0 };

function gateConfig(name: string, c: Record<string, unknown>): string {
  const file = path.join(work, name);
  writeFileSync(file, JSON.stringify({ ...smallGate, ...c }));
  return file;
}

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
  work = mkdtempSync(path.join(tmpdir(), 'loadlab-gate-'));
});
afterAll(async () => database?.drop());

describe('loadlab gate', () => {
  let passDir: string;

  it('exits 0 when the thresholds pass', async () => {
    const reports = tempReportsDir();
    const r = await runCli(['gate', '--config', gateConfig('pass.json', {})], { DATABASE_URL: database.url, LOADLAB_REPORTS_DIR: reports });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('GATE PASSED');
    passDir = onlyReportDir(reports, 'gate');
    expect(readSummary(path.join(passDir, 'summary.json')).totals.requests).toBe(smallGate.users * smallGate.ops);
  });

  it('exits 1 when a threshold fails, and says which (judged once over two k6 instances)', async () => {
    const reports = tempReportsDir();
    const r = await runCli(['gate', '--config', gateConfig('strict.json', { avg_ms: 0.001 }), '--instances', '2'], { DATABASE_URL: database.url, LOADLAB_REPORTS_DIR: reports });
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/FAIL\s+average response time \(ms\) < 0\.001/);
    expect(r.stdout.match(/FAIL\s+average response time/g)).toHaveLength(1);
    expect(r.stdout).toContain('GATE FAILED');
    const gateDir = onlyReportDir(reports, 'gate');
    expect(readFileSync(path.join(gateDir, 'junit.xml'), 'utf8')).toMatch(/failures="1"/);
    expect(readSummary(path.join(gateDir, 'summary.json')).instances).toMatchObject({ count: 2, complete: true });
  });

  it('exits 1 on a regression against --baseline beyond the tolerance', async () => {
    // A baseline 100x faster than anything this machine does: the current run must regress.
    const base = readSummary(path.join(passDir, 'summary.json'));
    const fast = { ...base, latency_ms: Object.fromEntries(Object.entries(base.latency_ms).map(([k, v]) => [k, k === 'count' ? v : v / 100])) };
    const baselineDir = mkdtempSync(path.join(work, 'baseline-'));
    writeFileSync(path.join(baselineDir, 'summary.json'), JSON.stringify(fast));
    const r = await runCli(['gate', '--config', gateConfig('regress.json', { regression_floor_ms: 0 }), '--baseline', baselineDir], {
      DATABASE_URL: database.url,
      LOADLAB_REPORTS_DIR: tempReportsDir(),
    });
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/REGRESSION (avg|p95|p99) response time/);
  });

  it('exits 0 against its own run as baseline (no regression)', async () => {
    const r = await runCli(['gate', '--config', gateConfig('same.json', { regression_tolerance_pct: 1000, regression_floor_ms: 1000 }), '--baseline', passDir], {
      DATABASE_URL: database.url,
      LOADLAB_REPORTS_DIR: tempReportsDir(),
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('no regression');
  });

  it.each([
    ['a corrupt baseline', () => ['--baseline', (writeFileSync(path.join(work, 'bad.json'), '{"schema_version": 1, "kind": 3'), path.join(work, 'bad.json'))], /baseline is corrupt/],
    ['a baseline that does not exist', () => ['--baseline', path.join(work, 'nope')], /does not exist/],
    ['a bad gate config', () => ['--config', (writeFileSync(path.join(work, 'badcfg.json'), '{"p95_ms": -1}'), path.join(work, 'badcfg.json'))], /p95_ms/],
    ['an unknown gate config key', () => ['--config', (writeFileSync(path.join(work, 'unk.json'), '{"p42": 1}'), path.join(work, 'unk.json'))], /unrecognized|p42/i],
    ['an unreachable target', () => ['--target', 'http://127.0.0.1:9'], /unreachable/],
  ])('exits 2 on %s, with a one-line message', async (_what, args, message) => {
    const r = await runCli(['gate', ...args()], { LOADLAB_REPORTS_DIR: tempReportsDir() });
    expect(r.status, r.stdout + r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});

describe('bad input to loadlab load and level', () => {
  it.each([
    [['--pattern', 'lazy'], /pattern must be one of/],
    [['--users', '0'], /--users: users must be at least 1/],
    [['--users', '-5'], /--users/],
    [['--ops', '0'], /--ops: ops must be at least 1/],
    [['--ops', 'many'], /--ops/],
    [['--think-time=-1'], /think time must be 0 or more/],
    [['--think-time', '-1'], /--think-time: the value looks like an option/],
    [['--quick', '--stress'], /cannot be combined/],
    [['--target', 'not a url'], /target must be a URL/],
    [['--bogus'], /Unknown option '--bogus'/],
  ])('load %j exits 2 with a one-line error', async (args, message) => {
    const r = await runCli(['load', ...args]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('level rejects an unknown level', async () => {
    const r = await runCli(['level', '4']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/level must be 1, 2 or 3/);
  });

  describe('against a target that says it is production', () => {
    let server: Server;
    let url: string;
    const seen: string[] = [];
    beforeAll(async () => {
      server = createServer((req, res) => {
        seen.push(`${req.method} ${req.url}`);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ status: 'ok', env: 'production' }));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const a = server.address();
      url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('refuses without --force and sends nothing but GET /health', async () => {
      const r = await runCli(['load', '--quick', '--target', url], { LOADLAB_REPORTS_DIR: tempReportsDir() });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/env=production; pass --force/);
      expect(seen).toEqual(['GET /health']);
    });
  });
});

describe('loadlab compare', () => {
  it('prints the delta table of two reports', async () => {
    const reports = tempReportsDir();
    const r1 = await runCli(['gate', '--config', gateConfig('c1.json', {})], { DATABASE_URL: database.url, LOADLAB_REPORTS_DIR: reports });
    expect(r1.status).toBe(0);
    const a = onlyReportDir(reports, 'gate');
    const r = await runCli(['compare', a, path.join(a, 'summary.json')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/p95 ms\s+[\d.]+\s+[\d.]+\s+\+0\.00\s+\+0\.0%/);
    const bad = await runCli(['compare', a]);
    expect(bad.status).toBe(2);
  });
});
