// Result files and their merge, on k6-format CSVs with known answers: counts add exactly (per op,
// per status), merged percentiles are within the stated precision of the exact ones over the union,
// counters and acknowledged writes add up, and every way a set of files can fail to be one run
// (unreadable, other schema version, other run, other k6 version, duplicate or missing segment)
// is named. `loadlab merge` then prints one report, or one line and exit 2.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { segmentOf, segmentSequence } from '../../load/lib/execution-segments';
import { mergedFigures } from '../../load/report/run-summary';
import { readSummary } from '../../load/report/summary';
import { RELATIVE_PRECISION } from '../../load/results/histogram';
import { readK6Csv } from '../../load/results/k6-samples';
import { mergeResultFiles } from '../../load/results/merge';
import { readResultFile, resultBuilderFromCsv, writeResultFile, type RunBlock } from '../../load/results/result-file';
import { latencyStats } from '../../load/results/stats';
import { mergeCommand } from '../../load/commands/merge';
import { onlyReportDir, runCommandInProcess, tempReportsDir } from '../support/cli';

const runMerge = (args: string[], env: Record<string, string>) => runCommandInProcess('merge', mergeCommand, args, env);
import { writeK6Csv, type CsvMetric, type CsvRequest } from '../support/k6-csv';

const T0 = 1_790_000_000_000;
const OPS = [
  ['read_member_detail', 'GET /members/:id'],
  ['read_member_list', 'GET /members'],
  ['create_member', 'POST /members'],
] as const;

function runBlock(over: Partial<RunBlock> = {}): RunBlock {
  return {
    run_id: 'run-A',
    kind: 'load',
    scenario: 'users',
    instances: 2,
    sequence: segmentSequence(2),
    k6_version: 'v2.2.0',
    thresholds: [
      { metric: 'p95_ms', op: '<', limit: 1000 },
      { metric: 'error_pct', op: '<', limit: 50 },
    ],
    expected_requests: 600,
    warmup_scenarios: [],
    vus: 20,
    config: {
      users: 20,
      ops: 30,
      think_time_ms: 10,
      ramp_up_s: 1,
      scenario: 'users',
      pattern: 'distributed',
      user_split: { read_heavy: 10, write_heavy: 4, mixed: 5, file_operations: 1 },
      target: 'http://127.0.0.1:3000',
      target_is_own_server: false,
      data: 'synthetic',
    },
    ...over,
  };
}

/** A seeded stream of requests: log-normal-ish latencies, some 404/500s, spread over ~8 s. */
function requestsOf(seed: number, n: number): { requests: CsvRequest[]; metrics: CsvMetric[] } {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const requests: CsvRequest[] = [{ t: T0 - 50 + seed, ms: 1.5, status: 200, op: 'setup', name: 'GET /health' }];
  const metrics: CsvMetric[] = [];
  for (let i = 0; i < n; i++) {
    const [op, name] = OPS[Math.floor(rnd() * OPS.length)]!;
    const ms = Math.exp(rnd() * 6 - 1) * (1 + rnd());
    const status = rnd() < 0.05 ? 500 : rnd() < 0.05 ? 404 : op === 'create_member' ? 201 : 200;
    const t = T0 + Math.floor((i / n) * 8000 + rnd() * 300);
    requests.push({ t, ms, status, op, name });
    if (op !== 'create_member' && status === 200) metrics.push({ metric: 'cache_hit', t, value: rnd() < 0.7 ? 1 : 0, tags: { op } });
    if (status === 404) metrics.push({ metric: 'harness_errors', t, value: 1, tags: { op } });
    if (op === 'create_member' && status === 201) metrics.push({ metric: 'writes_acked', t, value: 1, tags: { op, ref: `member:${seed}${i}`, expect: 'exists' } });
  }
  metrics.push({ metric: 'vus', t: T0, value: 10 }, { metric: 'dropped_iterations', t: T0 + 100, value: seed % 2 });
  return { requests, metrics };
}

let dir: string;
const csvs: string[] = [];
const results: string[] = [];

async function resultFileFor(index: number, csv: string, run: RunBlock, out: string, n = run.instances): Promise<string> {
  const b = await resultBuilderFromCsv(csv);
  writeResultFile(
    out,
    b.build(run, {
      index,
      segment: segmentOf(index, n),
      started_at: new Date(T0).toISOString(),
      finished_at: new Date(T0 + 9000).toISOString(),
      k6_exit_code: 0,
      resumed_at_ms: T0 - 100 + index,
      generator: { cpu_avg_cores: index === 2 ? 0.93 : 0.2, cpu_peak_cores: 1, rss_peak_mb: 50, samples: 9 },
      script_errors: 0,
    }),
  );
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'loadlab-merge-'));
  for (const i of [1, 2]) {
    const { requests, metrics } = requestsOf(i * 7919, 300);
    const csv = path.join(dir, `instance-${i}-k6-samples.csv${i === 2 ? '.gz' : ''}`);
    writeK6Csv(csv, requests, metrics);
    csvs.push(csv);
    results.push(await resultFileFor(i, csv, runBlock(), path.join(dir, `instance-${i}.result.json.gz`)));
  }
});

describe('result files of two instances, merged', () => {
  it('add up exactly: requests per op and status, failures, cache lookups, harness errors, writes', async () => {
    const raw = (await Promise.all(csvs.map((c) => readK6Csv(c, ['cache_hit', 'harness_errors', 'writes_acked'])))).flatMap((r) => [r]);
    const union = raw.flatMap((r) => r.requests).filter((r) => r.op !== 'setup');
    const m = mergeResultFiles(results);
    expect(m.complete).toBe(true);
    expect(m.problems).toEqual([]);
    const f = mergedFigures(m);
    expect(f.totals.requests).toBe(600);
    expect(f.totals.failed).toBe(union.filter((r) => r.failed).length);
    for (const [op] of OPS) {
      const exact = union.filter((r) => r.op === op);
      const o = f.operations.find((x) => x.op === op)!;
      expect(o.count).toBe(exact.length);
      expect(o.errors).toBe(exact.filter((r) => r.failed).length);
    }
    const byNameStatus = new Map<string, number>();
    for (const r of union) byNameStatus.set(`${r.name} ${r.status}`, (byNameStatus.get(`${r.name} ${r.status}`) ?? 0) + 1);
    expect(Object.fromEntries(f.clientCounts)).toEqual(Object.fromEntries(byNameStatus));
    const cache = raw.flatMap((r) => r.metrics.get('cache_hit') ?? []);
    expect(f.cache.measured).toEqual({ lookups: cache.length, hits: cache.filter((c) => c.value === 1).length });
    expect(f.harness.total).toBe(raw.flatMap((r) => r.metrics.get('harness_errors') ?? []).length);
    expect(m.acked_writes).toBe(raw.flatMap((r) => r.metrics.get('writes_acked') ?? []).length);
    expect(f.dropped).toBe(1);
    expect(m.instances.map((i) => [i.index, i.segment, i.requests])).toEqual([
      [1, '0:1/2', 300],
      [2, '1/2:1', 300],
    ]);
    expect(m.instances.map((i) => i.saturation_reasons)).toEqual([['dropped 1 iterations'], ['k6 used 0.93 cores on average']]);
    expect(f.timeline.reduce((a, p) => a + p.requests, 0)).toBe(600);
  });

  it('give p50/p95/p99 within the stated precision of the exact percentiles over the union', async () => {
    const union = (await Promise.all(csvs.map((c) => readK6Csv(c)))).flatMap((r) => r.requests).filter((r) => r.op !== 'setup');
    const exact = latencyStats(union.map((r) => r.ms));
    const merged = mergedFigures(mergeResultFiles(results)).latency_ms;
    for (const k of ['med', 'p95', 'p99'] as const) expect(Math.abs(merged[k] - exact[k]) / exact[k], k).toBeLessThanOrEqual(RELATIVE_PRECISION);
    expect(merged.min).toBe(exact.min);
    expect(merged.max).toBe(exact.max);
    expect(merged.avg).toBeCloseTo(exact.avg, 6);
  });

  it('do not depend on the order of the files, and are a few KB, not a copy of the samples', () => {
    const a = mergedFigures(mergeResultFiles(results));
    const b = mergedFigures(mergeResultFiles([...results].reverse()));
    expect(b.latency_ms).toEqual(a.latency_ms);
    expect(b.operations).toEqual(a.operations);
    expect(readResultFile(results[0]!).series.length).toBeGreaterThan(0);
  });
});

describe('a set of files that is not exactly one run', () => {
  it('names every problem and is marked incomplete', async () => {
    const bad = path.join(dir, 'bad');
    mkdirSync(bad);
    const foreign = await resultFileFor(2, csvs[1]!, runBlock({ run_id: 'run-B' }), path.join(bad, 'foreign.result.json.gz'));
    const otherK6 = await resultFileFor(2, csvs[1]!, runBlock({ k6_version: 'v1.4.0' }), path.join(bad, 'other-k6.result.json.gz'));
    const v2 = path.join(bad, 'v2.result.json.gz');
    const raw = JSON.parse(gunzipSync(readFileSync(results[1]!)).toString());
    writeFileSync(v2, gzipSync(JSON.stringify({ ...raw, schema_version: 2 })));
    const garbage = path.join(bad, 'garbage.result.json.gz');
    writeFileSync(garbage, 'not gzip, not json');
    const m = mergeResultFiles([results[0]!, results[0]!, foreign, otherK6, v2, garbage]);
    expect(m.complete).toBe(false);
    const text = m.problems.join('\n');
    expect(text).toMatch(/instance-1\.result\.json\.gz: duplicate of segment 0:1\/2/);
    expect(text).toMatch(/foreign\.result\.json\.gz: belongs to run run-B, not run-A/);
    expect(text).toMatch(/other-k6\.result\.json\.gz: written by k6 v1\.4\.0, the rest of run run-A by k6 v2\.2\.0/);
    expect(text).toMatch(/v2\.result\.json\.gz: result schema version 2, this loadlab reads version 1/);
    expect(text).toMatch(/garbage\.result\.json\.gz: not a readable result file/);
    expect(text).toMatch(/segment 1\/2:1 \(instance 2 of 2\): no result file — that instance never reported/);
    // What was merged is only the one good file, counted once.
    expect(mergedFigures(m).totals.requests).toBe(300);
  });
});

describe('loadlab merge', () => {
  it('writes one report from the result files in a folder', async () => {
    const reports = tempReportsDir();
    const run = await runMerge([dir], { LOADLAB_REPORTS_DIR: reports });
    expect([0, 1], `${run.stdout}\n${run.stderr}`).toContain(run.status);
    const out = onlyReportDir(reports, 'merge');
    const s = readSummary(path.join(out, 'summary.json'));
    expect(s.totals.requests).toBe(600);
    expect(s.instances).toMatchObject({ count: 2, complete: true, problems: [] });
    expect(s.instances!.list.map((i) => i.requests)).toEqual([300, 300]);
    expect(s.data_safety.unverified_reason).toMatch(/without --target/);
    expect(s.thresholds.find((t) => t.metric === 'p95_ms')!.pass).toBe(true);
    const text = readFileSync(path.join(out, 'report.txt'), 'utf8');
    expect(text).toMatch(/k6 Instances: 2 \(execution segments 0,1\/2,1\)/);
    expect(text).toMatch(/SATURATED: k6 used 0\.93 cores/);
    expect(text).toMatch(/within 0\.39% of the exact value/);
    expect(readFileSync(path.join(out, 'junit.xml'), 'utf8')).toMatch(/all 2 k6 instances reported/);
  }, 60_000);

  it('names a missing instance in one line, marks the report INCOMPLETE and exits 2', async () => {
    const reports = tempReportsDir();
    const run = await runMerge([results[0]!], { LOADLAB_REPORTS_DIR: reports });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/INCOMPLETE, not a result: segment 1\/2:1 \(instance 2 of 2\): no result file/);
    const text = readFileSync(path.join(onlyReportDir(reports, 'merge'), 'report.txt'), 'utf8');
    expect(text).toMatch(/^INCOMPLETE: /m);
    expect(text).toMatch(/Result: thresholds FAILED/);
  }, 60_000);

  it('refuses a path that does not exist with one line and exit 2', async () => {
    const run = await runMerge([path.join(dir, 'nope')], { LOADLAB_REPORTS_DIR: tempReportsDir() });
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toMatch(/^loadlab merge: .*nope does not exist$/);
  }, 60_000);
});
