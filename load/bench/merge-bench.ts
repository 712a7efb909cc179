// The merge benchmark (`loadlab bench-merge`, `make bench-merge`), figures not tests:
//  1. merged vs exact percentiles on a real `load --instances 2` run (exact = over the union of both
//     instances' raw samples, kept in the report folder);
//  2. merging synthetic instance files of 1,000,000 requests each (written through the same
//     ResultBuilder as real runs): seconds and peak memory of a fresh process merging 5 and 50 of
//     them, to show memory does not grow with the request count;
//  3. the same total load from `load --instances 1` and `--instances 2` on this box: k6 CPU seconds
//     per request and the start skew.
// Interrupted (SIGINT, SIGTERM, SIGHUP), the `loadlab load` it is running gets the signal and writes
// its own partial report; bench.txt keeps the parts that completed, marked INTERRUPTED at the top
// with the part that was cut and the partial run's folder.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { segmentOf, segmentSequence } from '../lib/execution-segments';
import { runChild } from '../lib/child-run';
import { EXIT_INTERRUPTED, interruption } from '../lib/interrupt';
import { PROJECT_ROOT } from '../lib/local-env';
import { createReportDir } from '../lib/report-dir';
import { readSummary, type RunSummary } from '../report/summary';
import { RELATIVE_PRECISION } from '../results/histogram';
import { readK6Csv } from '../results/k6-samples';
import { readResultFile, ResultBuilder, writeResultFile, type RunBlock } from '../results/result-file';
import { latencyStats } from '../results/stats';

export interface MergeBenchOptions {
  files: number;
  requestsPerFile: number;
  users: number;
  ops: number;
  thinkMs: number;
  log: (line: string) => void;
}

const LOADLAB = path.join(PROJECT_ROOT, 'bin', 'loadlab.mjs');
const OPS = ['read_member_list', 'read_member_detail', 'search_members', 'list_organizations', 'list_students', 'create_member', 'update_member', 'create_employment'];

/**
 * One `loadlab load` (a process group of its own, guarded: it never outlives this one; an interrupt
 * here reaches it as SIGINT). Interrupted, it returns the partial run (interrupted: true).
 */
async function loadRun(reports: string, args: string[]): Promise<{ dir: string; summary: RunSummary; seconds: number; interrupted: boolean }> {
  const t0 = performance.now();
  // its output's last 2,000 characters are kept for the error message
  const r = await runChild(process.execPath, [LOADLAB, 'load', ...args], { env: { ...process.env, LOADLAB_REPORTS_DIR: reports }, label: 'loadlab load', keepChars: 2000 });
  if (r.status !== 0 && r.status !== EXIT_INTERRUPTED) throw new Error(`loadlab load ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  const dirs = readdirSync(reports).filter((d) => d.endsWith('-load')).sort();
  const dir = path.join(reports, dirs.at(-1)!);
  return { dir, summary: readSummary(path.join(dir, 'summary.json')), seconds: (performance.now() - t0) / 1000, interrupted: r.status === EXIT_INTERRUPTED };
}

/** k6 CPU seconds of a run: per instance, average cores x sampled seconds (1 s samples). */
function k6CpuSeconds(dir: string): number {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.result.json.gz'))
    .map((f) => readResultFile(path.join(dir, f)).instance.generator)
    .reduce((a, g) => a + (g ? g.cpu_avg_cores * g.samples : 0), 0);
}

function seeded(seed: number) {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x6d2b79f5) >>> 0;
    let t = Math.imul(x ^ (x >>> 15), 1 | x);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** One synthetic instance file: requests over 10 minutes, log-normal latencies, 1% errors, 5% acknowledged writes. */
export function writeSyntheticFile(file: string, index: number, n: number, requests: number, runId = 'bench-merge'): void {
  const rnd = seeded(index * 7919 + 1);
  const b = new ResultBuilder();
  const t0 = 1_800_000_000_000;
  for (let i = 0; i < requests; i++) {
    const op = OPS[Math.floor(rnd() * OPS.length)]!;
    const z = Math.sqrt(-2 * Math.log(rnd() || 1e-12)) * Math.cos(2 * Math.PI * rnd());
    const ms = Math.exp(1.5 + 0.8 * z);
    const failed = rnd() < 0.01;
    const t = t0 + Math.floor((i / requests) * 600_000);
    b.addRequest({ t, ms, status: failed ? 503 : 200, op, name: `GET /${op}`, scenario: 'users', failed });
    if (!failed && rnd() < 0.05) b.addMetric('writes_acked', t, 1, { op, ref: `member:${index}-${i}`, expect: 'exists', scenario: 'users' });
    if (rnd() < 0.5) b.addMetric('cache_hit', t, rnd() < 0.9 ? 1 : 0, { op, scenario: 'users' });
  }
  const run: RunBlock = {
    run_id: runId,
    kind: 'load',
    scenario: 'users',
    instances: n,
    sequence: segmentSequence(n),
    k6_version: 'synthetic',
    thresholds: [],
    warmup_scenarios: [],
    vus: n * 100,
    config: {},
  };
  writeResultFile(
    file,
    b.build(run, {
      index,
      segment: segmentOf(index, n),
      started_at: new Date(t0).toISOString(),
      finished_at: new Date(t0 + 600_000).toISOString(),
      k6_exit_code: 0,
      resumed_at_ms: null,
      generator: null,
      script_errors: 0,
    }),
  );
}

/**
 * Merges files in a fresh process (load/bench/merge-child.ts) and reports its time and peak RSS;
 * undefined when an interrupt stopped it.
 */
async function mergeInChild(files: string[]): Promise<{ seconds: number; peakMb: number; requests: number; p99: number } | undefined> {
  if (interruption()) return undefined;
  const script = path.join(PROJECT_ROOT, 'load', 'bench', 'merge-child.ts');
  // it has no signal handler: the SIGINT runChild passes on ends it
  const r = await runChild(process.execPath, ['--import', 'tsx', script, ...files], { label: 'merge child' });
  if (interruption()) return undefined;
  if (r.status !== 0) throw new Error(`merge child failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

/** The first lines of an interrupted bench.txt: when, which part was cut, where its partial run is. */
function interruptedLines(part: string, startedMs: number, partialRun?: string): string[] {
  const i = interruption()!;
  return [
    `INTERRUPTED by ${i.signal} at ${i.at}, ${((i.atMs - startedMs) / 1000).toFixed(1)} s into the benchmark: cut during ${part}; the parts below are those that completed.`,
    ...(partialRun ? [`  The cut run wrote its own partial report: ${partialRun}`] : []),
    '',
  ];
}

const rel = (a: number, b: number) => Math.abs(a - b) / b;
const f2 = (v: number) => v.toFixed(2);

export async function runMergeBench(o: MergeBenchOptions): Promise<{ dir: string; text: string; interrupted: boolean }> {
  const dir = createReportDir('bench-merge');
  const startedMs = Date.now();
  const lines: string[] = [`loadlab bench-merge  ${new Date().toISOString()}`, ''];
  const out = (l = '') => {
    lines.push(l);
    o.log(l);
  };
  const reports = path.join(dir, 'runs');
  mkdirSync(reports);

  // 1 + 3: the same load on one and on two k6 instances.
  const args = ['--users', String(o.users), '--ops', String(o.ops), '--think-time', String(o.thinkMs), '--ramp-up', '5', '--duration', '10m'];
  const finish = (head: string[]) => {
    const text = `${[...head, ...lines].join('\n')}\n`;
    writeFileSync(path.join(dir, 'bench.txt'), text);
    return { dir, text, interrupted: head.length > 0 };
  };
  const one = await loadRun(reports, [...args, '--instances', '1']);
  if (one.interrupted || interruption()) {
    out('1-3. not measured: the first run (load --instances 1) was cut');
    return finish(interruptedLines('the first run (load --instances 1)', startedMs, path.relative(dir, one.dir)));
  }
  const two = await loadRun(reports, [...args, '--instances', '2']);
  if (two.interrupted || interruption()) {
    out('1-3. not measured: the second run (load --instances 2) was cut');
    return finish(interruptedLines('the second run (load --instances 2)', startedMs, path.relative(dir, two.dir)));
  }
  const union = (await Promise.all([1, 2].map((i) => readK6Csv(path.join(two.dir, `instance-${i}-k6-samples.csv`))))).flatMap((s) => s.requests).filter((r) => r.op !== 'setup');
  const exact = latencyStats(union.map((r) => r.ms));
  const merged = two.summary.latency_ms;
  out(`1. Merged vs exact percentiles: load --instances 2, ${o.users} users x ${o.ops} ops, think ${o.thinkMs} ms (${two.summary.totals.requests} requests; stated precision ${(100 * RELATIVE_PRECISION).toFixed(2)}%)`);
  out('   figure   exact ms   merged ms   relative error');
  for (const k of ['med', 'p95', 'p99'] as const) out(`   ${k.padEnd(6)} ${f2(exact[k]).padStart(10)} ${f2(merged[k]).padStart(11)}   ${(100 * rel(merged[k], exact[k])).toFixed(3)}%`);
  let worst = 0;
  for (const op of two.summary.operations) {
    const e = latencyStats(union.filter((r) => r.op === op.op).map((r) => r.ms));
    for (const k of ['med', 'p95', 'p99'] as const) worst = Math.max(worst, rel(op.latency_ms[k], e[k]));
  }
  out(`   worst relative error over ${two.summary.operations.length} operations x (p50, p95, p99): ${(100 * worst).toFixed(3)}%`);
  out('');

  // 2: synthetic files.
  const synth = path.join(dir, 'synthetic');
  mkdirSync(synth);
  const t0 = performance.now();
  const files: string[] = [];
  for (let i = 1; i <= o.files && !interruption(); i++) {
    const f = path.join(synth, `instance-${i}.result.json.gz`);
    writeSyntheticFile(f, i, o.files, o.requestsPerFile);
    files.push(f);
    await new Promise((r) => setImmediate(r)); // a signal is handled between files
  }
  const genS = (performance.now() - t0) / 1000;
  const few = Math.max(1, Math.round(o.files / 10));
  const small = await mergeInChild(files.slice(0, few));
  const all = small && (await mergeInChild(files));
  const sizeMb = spawnSync('du', ['-sm', synth], { encoding: 'utf8' }).stdout.split('\t')[0];
  const part2Cut = !small || !all;
  if (part2Cut) out(`2. not measured: cut while ${files.length < o.files ? `writing the synthetic files (${files.length} of ${o.files} written)` : 'merging them'}`);
  else {
  out(`2. Merging synthetic instance files of ${o.requestsPerFile.toLocaleString('en-US')} requests each (10 min of 1-s slices, ${OPS.length} operations, 5% acknowledged writes; written in ${genS.toFixed(1)} s, ${sizeMb} MB on disk for ${o.files}):`);
  out(`   ${String(few).padStart(3)} files, ${small.requests.toLocaleString('en-US').padStart(12)} requests: ${small.seconds.toFixed(2)} s, peak RSS ${small.peakMb.toFixed(0)} MB`);
  out(`   ${String(o.files).padStart(3)} files, ${all.requests.toLocaleString('en-US').padStart(12)} requests: ${all.seconds.toFixed(2)} s, peak RSS ${all.peakMb.toFixed(0)} MB`);
  out(`   (a fresh Node process per merge; peak RSS includes Node and the loaded modules)`);
  }
  out('');

  // 3: k6 cost per request, start skew.
  const cpu1 = k6CpuSeconds(one.dir);
  const cpu2 = k6CpuSeconds(two.dir);
  out(`3. Same load on one and two k6 instances (${o.users} users x ${o.ops} ops, think ${o.thinkMs} ms):`);
  out('   instances  requests  k6 CPU s  k6 CPU ms/request  k6 RSS MB  p95 ms  start skew');
  for (const [n, r, cpu] of [
    [1, one, cpu1],
    [2, two, cpu2],
  ] as const) {
    const s = r.summary;
    const skew = s.instances?.start_skew_ms;
    out(
      `   ${String(n).padStart(9)}  ${String(s.totals.requests).padStart(8)}  ${cpu.toFixed(2).padStart(8)}  ${((1000 * cpu) / s.totals.requests).toFixed(3).padStart(17)}  ${s.generator.k6_rss_peak_mb.toFixed(0).padStart(9)}  ${f2(s.latency_ms.p95).padStart(6)}  ${skew === undefined ? 'n/a (one)' : skew === null ? 'n/a' : `${skew.toFixed(0)} ms`}`,
    );
  }
  // Part 3 needs no more than the two runs: it is kept when only part 2 was cut.
  const cut = part2Cut ? interruptedLines('part 2 (the synthetic files)', startedMs) : [];
  writeFileSync(
    path.join(dir, 'bench.json'),
    `${JSON.stringify({ options: { ...o, log: undefined }, interrupted: part2Cut, interruption: part2Cut ? interruption() : undefined, exact, merged, worst_op_relative_error: worst, synthetic: part2Cut ? null : { few: small, all, generate_s: genS }, k6: { one: cpu1, two: cpu2 } }, null, 2)}\n`,
  );
  return finish(cut);
}
