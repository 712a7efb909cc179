// The CI gate's three exit codes, a regression forced against --baseline, `compare`, and the bad
// inputs of load/gate/level (one-line error, exit 2, nothing sent to the target). One passing gate
// run (passingGateRun) is the finished report every test that only reads one shares.
import { createServer, type Server } from 'node:http';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReportPage } from '../../load/lib/browser';
import { readSummary } from '../../load/report/summary';
import { bucketValueMs, Histogram } from '../../load/results/histogram';
import { readResultFile, RESULT_FILE_SUFFIX, writeResultFile } from '../../load/results/result-file';
import { onlyReportDir, runCli, tempReportsDir, type CliResult } from '../support/cli';
import { createTestDatabase, type TestDatabase } from '../support/database';

let database: TestDatabase;
let work: string;
const smallGate = { users: 8, ops: 5, think_time_ms: 10, ramp_up_s: 0 };

/** A copy of a report whose every latency is `factor` times the measured one (result files rewritten). */
function scaledReport(fromDir: string, factor: number): string {
  const out = mkdtempSync(path.join(work, 'baseline-'));
  copyFileSync(path.join(fromDir, 'summary.json'), path.join(out, 'summary.json'));
  for (const f of readdirSync(fromDir).filter((n) => n.endsWith(RESULT_FILE_SUFFIX))) {
    const r = readResultFile(path.join(fromDir, f));
    for (const s of r.series) {
      for (const [k, h] of Object.entries(s.slices)) {
        const scaled = new Histogram();
        for (const [i, c] of Histogram.from(h).buckets) scaled.add(bucketValueMs(i) * factor, c);
        s.slices[k] = scaled.toJSON();
      }
    }
    writeResultFile(path.join(out, f), r);
  }
  return out;
}

function gateConfig(name: string, c: Record<string, unknown>): string {
  const file = path.join(work, name);
  writeFileSync(file, JSON.stringify({ ...smallGate, ...c }));
  return file;
}

let passingRun: Promise<{ result: CliResult; dir: string }> | undefined;
/**
 * The one passing gate run (smallGate's thresholds): the pass test checks it, and every test that
 * only needs a finished gate report (a baseline, compare's inputs) reads it instead of running another.
 */
function passingGateRun(): Promise<{ result: CliResult; dir: string }> {
  passingRun ??= (async () => {
    const reports = tempReportsDir();
    const result = await runCli(['gate', '--config', gateConfig('pass.json', {})], { DATABASE_URL: database.url, LOADLAB_REPORTS_DIR: reports });
    if (result.status !== 0) throw new Error(`the passing gate run exited ${result.status}:\n${result.stdout}${result.stderr}`);
    return { result, dir: onlyReportDir(reports, 'gate') };
  })();
  return passingRun;
}

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
  work = mkdtempSync(path.join(tmpdir(), 'loadlab-gate-'));
});
afterAll(async () => database?.drop());

describe('loadlab gate', () => {
  let passDir: string;

  it('exits 0 when the thresholds pass', async () => {
    const { result: r, dir } = await passingGateRun();
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('GATE PASSED');
    passDir = dir;
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

  it('exits 1 when operations are significantly slower than --baseline, and keeps the comparison', async () => {
    // A baseline 100x faster than anything this machine does: the current run must be slower.
    const baselineDir = scaledReport(passDir, 0.01);
    const reports = tempReportsDir();
    const r = await runCli(['gate', '--config', gateConfig('regress.json', { regression_floor_ms: 0 }), '--baseline', baselineDir], {
      DATABASE_URL: database.url,
      LOADLAB_REPORTS_DIR: reports,
    });
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/REGRESSION all operations: significantly slower than the baseline/);
    expect(r.stdout).toMatch(/SLOWER: all operations/);
    const gateDir = onlyReportDir(reports, 'gate');
    for (const f of ['compare.md', 'compare.json', 'compare.html']) expect(existsSync(path.join(gateDir, f))).toBe(true);
    expect(readFileSync(path.join(gateDir, 'compare.md'), 'utf8')).toMatch(/^\| all operations \|.*\*\*SLOWER\*\* \|$/m);
    expect(readFileSync(path.join(gateDir, 'junit.xml'), 'utf8')).toMatch(/<testcase classname="loadlab.gate" name="operation all operations: not slower than baseline[^"]*"><failure/);
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
    ['a baseline without result files', () => ['--baseline', (mkdirSync(path.join(work, 'nores'), { recursive: true }), copyFileSync(path.join(passDir, 'summary.json'), path.join(work, 'nores', 'summary.json')), path.join(work, 'nores'))], /has no result files/],
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
  let a: string;
  const cmp = (...args: string[]) => runCli(['compare', ...args]);

  it('compares two real runs per operation with intervals and verdicts; --markdown, --json, --html', async () => {
    a = (await passingGateRun()).dir;
    const r = await cmp(a, path.join(a, 'summary.json'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Δp95 \[CI\]/);
    expect(r.stdout).toMatch(/^all operations\s+40 \/ 40\s/m);
    expect(r.stdout).toMatch(/moving-block bootstrap/);
    expect(r.stdout).toMatch(/^no significant change on any operation$/m);
    const slower = await cmp(scaledReport(a, 0.01), a, '--markdown');
    expect(slower.status, slower.stderr).toBe(0);
    expect(slower.stdout).toMatch(/^### loadlab compare: SLOWER: all operations/);
    // The same orientation as --markdown's (B the real run, A a 100x faster copy): a scaled copy keeps
    // the run's half-to-half spread in proportion, and compare withholds a change no larger than it,
    // so a 3x copy (delta 2·p50 against 3x the spread) was withheld on CI where this one (0.99·p50
    // against the spread itself) was judged.
    const json = JSON.parse((await cmp(scaledReport(a, 0.01), a, '--json')).stdout);
    expect(json).toMatchObject({ format: 'loadlab-compare', slower: expect.arrayContaining(['all operations']) });
    const html = path.join(work, 'compare.html');
    expect((await cmp(a, scaledReport(a, 3), '--html', html)).status).toBe(0);
    const page = await renderReportPage(html, path.join(work, 'compare.png'));
    expect(page.errors).toEqual([]);
    expect(page.titles.length).toBeGreaterThanOrEqual(3);
    expect(page.withoutData).toEqual([]);
  });

  it.each([
    ['one report only', () => [a], /give two reports/],
    ['a capacity report', () => [(mkdirSync(path.join(work, 'cap'), { recursive: true }), writeFileSync(path.join(work, 'cap', 'capacity.json'), '{}'), path.join(work, 'cap')), a], /is a capacity report \(capacity\.json\)/],
    ['another schema version', () => [a, (mkdirSync(path.join(work, 'v2'), { recursive: true }), writeFileSync(path.join(work, 'v2', 'summary.json'), '{"schema_version": 2}'), path.join(work, 'v2'))], /summary schema version 2, this loadlab reads version 1/],
    ['a folder with no summary', () => [a, mkdtempSync(path.join(work, 'empty-'))], /has no summary\.json/],
    ['different users', () => [a, (() => { const d = scaledReport(a, 1); const s = readSummary(path.join(d, 'summary.json')); writeFileSync(path.join(d, 'summary.json'), JSON.stringify({ ...s, config: { ...s.config, users: 99 } })); return d; })()], /not comparable: users differs \(A: 8, B: 99\)/],
    ['a bad confidence', () => [a, a, '--confidence', '2'], /--confidence: must be below 1/],
  ])('exits 2 on %s, with one line naming it', async (_what, args, message) => {
    const r = await cmp(...args());
    expect(r.status, r.stdout + r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});
