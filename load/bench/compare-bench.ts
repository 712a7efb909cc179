// bench-compare: does `loadlab compare` tell noise from a regression on this machine? Every run is
// the real CLI a user would type (`loadlab gate --config FILE`: own embedded PostgreSQL with a fresh
// dev-profile database per run, own API, k6). The runs are interleaved, so slow drift of the shared
// machine falls on both sides of every comparison:
//   on₁ on₂ off₁ on₃ on₄ off₂ on₅ on₆ off₃ on₇ on₈ on₉ on₁₀ …
// - same-configuration pairs (on₂ᵢ₋₁, on₂ᵢ): on₂ᵢ is `gate --baseline on₂ᵢ₋₁`, then `loadlab compare`
//   of the two; every operation flagged slower or faster is a false alarm, and so is a gate that
//   fails on a regression;
// - cache-off pairs (on₂ᵢ, offᵢ): offᵢ is the same load against a server with CACHE_ENABLED=false,
//   run as `gate --baseline on₂ᵢ`; read_member_detail must come out slower, in the gate (exit 1,
//   REGRESSION) and in `loadlab compare`.
// Per run it also records read_member_detail's cache hit share (X-Cache, k6's samples), which is what
// makes cache-off a large effect or none, and the CPU other processes used meanwhile.
// Figures, not a test; the table is printed and written to the bench folder.
// Interrupted (SIGINT, SIGTERM, SIGHUP), the `loadlab gate` it is running gets the signal (as SIGINT,
// lib/child-run.ts) and writes its own partial report; bench-compare.txt keeps the pairs that
// completed, marked INTERRUPTED at the top with the run that was cut and its folder; exit 3.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { table } from '../../common/text-format';
import { runChild } from '../lib/child-run';
import { benchInterruptedLine, interruption } from '../lib/interrupt';
import { PROJECT_ROOT } from '../lib/local-env';
import { createReportDir } from '../lib/report-dir';
import { DEFAULT_COMPARE, otherCpu, type Comparison } from '../report/compare';
import { RunSummary } from '../report/summary';
import { readK6Csv } from '../results/k6-samples';

const LOADLAB = path.join(PROJECT_ROOT, 'bin', 'loadlab.mjs');
const DETAIL = 'read_member_detail';

export interface CompareBenchOptions {
  pairs: number;
  cacheOffPairs: number;
  users: number;
  ops: number;
  thinkMs: number;
  pattern: string;
  log: (line: string) => void;
}

interface GateRun {
  dir: string;
  name: string;
  cache: boolean;
  status: number;
  stdout: string;
  seconds: number;
  /** 1-min load average when it started */
  load: number;
  /** read_member_detail responses with X-Cache: HIT, % (undefined without the cache) */
  detailHitPct?: number;
  otherCores?: number;
  detailP50: number;
}

/** A gate run (or compare) the signal cut: the pair it belonged to is not counted. */
class RunCut extends Error {
  constructor(
    readonly run: string,
    /** The cut gate's own partial report, when it wrote one. */
    readonly partialDir?: string,
  ) {
    super(`cut during ${run}`);
  }
}

async function gate(reports: string, config: string, cache: boolean, baseline: GateRun | undefined, label: string): Promise<GateRun> {
  const t = Date.now();
  const load = loadavg()[0]!;
  const extra = baseline ? ['--baseline', baseline.dir] : [];
  const before = new Set(readdirSync(reports));
  const r = await runChild(process.execPath, [LOADLAB, 'gate', '--config', config, ...extra], {
    label: 'loadlab gate',
    env: { ...process.env, CACHE_ENABLED: String(cache), LOADLAB_REPORTS_DIR: reports },
  });
  if (interruption()) {
    const made = readdirSync(reports).find((d) => d.endsWith('-gate') && !before.has(d));
    throw new RunCut(label, made && existsSync(path.join(reports, made, 'summary.json')) ? path.join(reports, made) : undefined);
  }
  if (r.status !== 0 && r.status !== 1) throw new Error(`loadlab gate exited ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').at(-1)}`);
  const name = readdirSync(reports).filter((d) => d.endsWith('-gate')).sort().at(-1)!;
  const dir = path.join(reports, name);
  const summary = RunSummary.parse(JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')));
  const hits = (await readK6Csv(path.join(dir, 'k6-samples.csv'), ['cache_hit'])).metrics.get('cache_hit')?.filter((m) => m.tags.op === DETAIL) ?? [];
  return {
    dir,
    name,
    cache,
    status: r.status ?? -1,
    stdout: r.stdout,
    seconds: (Date.now() - t) / 1000,
    load,
    detailHitPct: hits.length ? (100 * hits.filter((h) => h.value === 1).length) / hits.length : undefined,
    otherCores: otherCpu(summary),
    detailP50: summary.operations.find((o) => o.op === DETAIL)?.latency_ms.med ?? Number.NaN,
  };
}

async function compare(a: string, b: string, label: string): Promise<Comparison> {
  const r = await runChild(process.execPath, [LOADLAB, 'compare', a, b, '--json'], { label: 'loadlab compare' });
  if (interruption()) throw new RunCut(label);
  if (r.status !== 0) throw new Error(`loadlab compare exited ${r.status}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as Comparison;
}

const JUDGED = new Set(['slower', 'faster', 'no significant change', 'too noisy to judge']);
const judged = (c: Comparison) => c.operations.filter((o) => JUDGED.has(o.verdict));
const flaggedOf = (c: Comparison) => c.operations.filter((o) => o.verdict === 'slower' || o.verdict === 'faster');
const gateRegressions = (run: GateRun) => [...run.stdout.matchAll(/REGRESSION ([^:]+): significantly slower/g)].map((m) => m[1]!);
const gateNotJudged = (run: GateRun) => [...run.stdout.matchAll(/NOT JUDGED ([^:]+):/g)].map((m) => m[1]!);
const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)}%` : '-');
const f2 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(2));
const detailCell = (c: Comparison) => {
  const o = c.operations.find((x) => x.op === DETAIL);
  return o?.a && o.b && o.latency ? `p50 ${f2(o.a.p50)} → ${f2(o.b.p50)} ms, Δ ${f2(o.latency.p50.delta)} [${f2(o.latency.p50.lo)}, ${f2(o.latency.p50.hi)}] ${o.verdict}` : 'n/a';
};
const runCell = (r: GateRun) => `${r.name.slice(9, 15)} hit ${r.detailHitPct === undefined ? '-' : `${r.detailHitPct.toFixed(0)}%`} other ${f2(r.otherCores)} load ${r.load.toFixed(1)}`;

export async function runCompareBench(o: CompareBenchOptions): Promise<{ dir: string; falseAlarmPairs: number; caught: number; interrupted: boolean }> {
  const dir = createReportDir('bench-compare');
  const startedMs = Date.now();
  const reports = path.join(dir, 'runs');
  mkdirSync(reports, { recursive: true });
  const config = path.join(dir, 'gate.json');
  // Thresholds out of the way: this measures the comparison, not the gate's limits. The gate judges
  // regressions by compare's default criterion (95%, 10% and 1 ms), so both verdicts rest on one rule.
  const criterion = { regression_confidence: DEFAULT_COMPARE.confidence, regression_tolerance_pct: DEFAULT_COMPARE.min_effect_pct, regression_floor_ms: DEFAULT_COMPARE.min_effect_ms };
  writeFileSync(config, JSON.stringify({ users: o.users, ops: o.ops, think_time_ms: o.thinkMs, ramp_up_s: 2, pattern: o.pattern, avg_ms: 10_000, p95_ms: 10_000, error_pct: 100, ...criterion }, null, 2));
  o.log(`bench-compare: ${o.pairs} same-configuration pairs and ${o.cacheOffPairs} CACHE_ENABLED=false pairs, interleaved (gate config ${o.users} users x ${o.ops} ops, think ${o.thinkMs} ms, pattern ${o.pattern})`);

  const sameRows: string[][] = [['pair', 'A', 'B', 'compare: judged', 'compare: flagged', 'gate --baseline', 'read_member_detail']];
  const offRows: string[][] = [['pair', 'A (cache on)', 'B (cache off)', 'compare: read_member_detail', 'gate --baseline', 'also slower (compare)']];
  let falseAlarmPairs = 0;
  let flaggedOps = 0;
  let judgedOps = 0;
  let gateFalse = 0;
  let noisyOps = 0;
  let caughtCompare = 0;
  let caughtGate = 0;
  let sameDone = 0;
  let offDone = 0;
  let cut: RunCut | undefined;
  try {
  for (let k = 1; k <= Math.max(o.pairs, o.cacheOffPairs); k++) {
    const a = await gate(reports, config, true, undefined, `pair ${k}, run A (cache on)`);
    const b = await gate(reports, config, true, a, `pair ${k}, run B (cache on, gate --baseline A)`);
    if (k <= o.pairs) {
      const c = await compare(a.dir, b.dir, `pair ${k}, loadlab compare A B`);
      const flagged = flaggedOf(c);
      judgedOps += judged(c).length;
      flaggedOps += flagged.length;
      noisyOps += c.noisy.length;
      if (flagged.length) falseAlarmPairs++;
      const regressions = gateRegressions(b);
      if (b.status === 1) gateFalse++;
      sameRows.push([String(k), runCell(a), runCell(b), String(judged(c).length), flagged.map((x) => `${x.op} ${x.verdict}`).join(', ') || `none${c.noisy.length ? ` (${c.noisy.length} too noisy)` : ''}`, `exit ${b.status}${regressions.length ? ` REGRESSION ${regressions.join(', ')}` : ''}${gateNotJudged(b).length ? `, ${gateNotJudged(b).length} not judged` : ''}`, detailCell(c)]);
      sameDone++;
      o.log(`  same pair ${k}: compare ${flagged.length ? flagged.map((x) => `${x.op} ${x.verdict} (${x.reasons.join('; ')})`).join(', ') : 'no significant change'}; gate exit ${b.status} (${a.seconds.toFixed(0)} s + ${b.seconds.toFixed(0)} s)`);
    }
    if (k <= o.cacheOffPairs) {
      const off = await gate(reports, config, false, b, `cache-off pair ${k}, run B (cache off, gate --baseline)`);
      const c = await compare(b.dir, off.dir, `cache-off pair ${k}, loadlab compare`);
      const detail = c.operations.find((x) => x.op === DETAIL);
      const inGate = off.status === 1 && gateRegressions(off).includes(DETAIL);
      if (detail?.verdict === 'slower') caughtCompare++;
      if (inGate) caughtGate++;
      offRows.push([String(k), runCell(b), runCell(off), `${detailCell(c)}${detail?.reasons.length ? ` (${detail.reasons.join('; ')})` : ''}`, `exit ${off.status}, ${inGate ? 'REGRESSION read_member_detail' : 'read_member_detail NOT flagged'}`, c.slower.filter((x) => x !== DETAIL).join(', ') || 'none']);
      offDone++;
      o.log(`  cache-off pair ${k}: compare says read_member_detail ${detail?.verdict ?? 'missing'}; gate exit ${off.status}${inGate ? ' REGRESSION read_member_detail' : ''} (${off.seconds.toFixed(0)} s)`);
    }
  }
  } catch (err) {
    if (!(err instanceof RunCut)) throw err;
    cut = err;
  }
  const head = cut
    ? [
        benchInterruptedLine(startedMs, `cut during ${cut.run}; the pairs below are those that completed (${sameDone} of ${o.pairs} same-configuration, ${offDone} of ${o.cacheOffPairs} cache-off).`),
        cut.partialDir ? `  The cut gate run wrote its own partial report: ${path.relative(dir, cut.partialDir)}` : '  The cut run left no report of its own.',
        '',
      ]
    : [];
  const lines = [
    ...head,
    `bench-compare ${new Date().toISOString()}: ${o.users} users x ${o.ops} ops, think ${o.thinkMs} ms, pattern ${o.pattern}; each run a fresh dev database; interleaved on on off …; gate criterion ${criterion.regression_confidence}, ${criterion.regression_tolerance_pct}%, ${criterion.regression_floor_ms} ms`,
    '(hit = read_member_detail responses with X-Cache: HIT; other = cores used by other processes during the run; load = 1-min load average at its start)',
    '',
    'Same configuration (A then B = gate --baseline A):',
    table(sameRows, ['r', 'l', 'l', 'r', 'l', 'l', 'l']),
    `false alarms, compare: ${falseAlarmPairs} of ${sameDone} pairs flagged an operation; ${flaggedOps} of ${judgedOps} judged operations (${pct(flaggedOps, judgedOps)}); ${noisyOps} too noisy to judge`,
    `false alarms, gate --baseline: ${gateFalse} of ${sameDone} pairs failed`,
    '',
    'CACHE_ENABLED=false (B = gate --baseline A, the cache-on run just before it):',
    table(offRows, ['r', 'l', 'l', 'l', 'l', 'l']),
    `detected, compare: read_member_detail slower in ${caughtCompare} of ${offDone} pairs; gate --baseline: ${caughtGate} of ${offDone}`,
  ];
  const text = lines.join('\n');
  writeFileSync(path.join(dir, 'bench-compare.txt'), `${text}\n`);
  o.log(`\n${text}`);
  return { dir, falseAlarmPairs, caught: Math.min(caughtCompare, caughtGate), interrupted: !!cut };
}
