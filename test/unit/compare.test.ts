// Known answers for the noise-aware compare: runs drawn from the same distribution give no
// significant change; a shifted operation is slower (and only that one); a drop is faster; more
// errors are slower; too few requests give no verdict; runs that measure different things are
// refused; and the intervals cover the true change. With noise that has memory (a machine level
// drifting over seconds, AR(1), shared by every operation): no change alarms at most at the stated
// rate (where 1-s blocks would not), a 2x shift is still found, and a burst in half a run is not a
// regression.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareRuns, comparability, DEFAULT_COMPARE, machineDifference, type CompareInput } from '../../load/report/compare';
import { renderComparisonMarkdown, renderComparisonText, verdictLine } from '../../load/report/compare-format';
import { automaticBlockLength, compareSeries, seededRandom, tQuantile } from '../../load/report/significance';
import { renderJunit } from '../../load/report/junit';
import { RunSummary } from '../../load/report/summary';
import { Histogram } from '../../load/results/histogram';
import type { OpSlices } from '../../load/results/op-slices';

const FIXTURE = RunSummary.parse(JSON.parse(readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'load-summary.json'), 'utf8')));
const SETTINGS = { ...DEFAULT_COMPARE, resamples: 600 };

interface OpSpec {
  op: string;
  perSecond: number;
  /** median ms of a lognormal */
  medianMs: number;
  errorRate?: number;
}

/** A run of `seconds` seconds: per op, lognormal latencies (sigma 0.5) with a slow drift per second. */
function synthRun(seed: number, ops: OpSpec[], seconds = 60): OpSlices {
  const rand = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const out: OpSlices = { first: 1000, last: 1000 + seconds - 1, ops: new Map(), failedByStatus: new Map(), vus: new Map() };
  for (const o of ops) {
    const byT = new Map<number, { hist: Histogram; failed: number }>();
    for (let s = 0; s < seconds; s++) {
      // every second shares a level (the server's state that second), so seconds are the units
      const level = Math.exp(0.1 * normal());
      const hist = new Histogram();
      let failed = 0;
      for (let k = 0; k < o.perSecond; k++) {
        hist.add(o.medianMs * level * Math.exp(0.5 * normal()));
        if (rand() < (o.errorRate ?? 0)) failed++;
      }
      byT.set(1000 + s, { hist, failed });
    }
    out.ops.set(o.op, byT);
  }
  return out;
}

/**
 * A run whose every second has a machine level shared by all operations that drifts as AR(1)
 * (ln level_t = phi ln level_t−1 + noise; stationary sd `sd`), times `burst(t)` on top.
 */
function driftingRun(seed: number, ops: OpSpec[], o: { seconds?: number; phi?: number; sd?: number; burst?: (s: number) => number } = {}): OpSlices {
  const { seconds = 60, phi = 0.9, sd = 0.25, burst = () => 1 } = o;
  const rand = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const out: OpSlices = { first: 1000, last: 1000 + seconds - 1, ops: new Map(), failedByStatus: new Map(), vus: new Map() };
  const level: number[] = [];
  let x = sd * normal();
  for (let s = 0; s < seconds; s++) {
    x = phi * x + sd * Math.sqrt(1 - phi * phi) * normal();
    level.push(Math.exp(x) * burst(s));
  }
  for (const op of ops) {
    const byT = new Map<number, { hist: Histogram; failed: number }>();
    for (let s = 0; s < seconds; s++) {
      const hist = new Histogram();
      for (let k = 0; k < op.perSecond; k++) hist.add(op.medianMs * level[s]! * Math.exp(0.5 * normal()));
      byT.set(1000 + s, { hist, failed: 0 });
    }
    out.ops.set(op.op, byT);
  }
  return out;
}

const OPS: OpSpec[] = [
  { op: 'read_member_detail', perSecond: 12, medianMs: 2 },
  { op: 'list_members', perSecond: 8, medianMs: 6 },
  { op: 'create_member', perSecond: 3, medianMs: 10 },
];
const input = (slices: OpSlices, summary = FIXTURE): CompareInput => ({ summary, slices, dir: 'x' });

describe('compare: known answers', () => {
  it('identical distributions (independent draws): no significant change on any operation', () => {
    for (const seed of [1, 2, 3]) {
      const c = compareRuns(input(synthRun(seed * 100, OPS)), input(synthRun(seed * 100 + 1, OPS)), SETTINGS);
      expect(c.operations.map((o) => o.verdict)).toEqual(['no significant change', 'no significant change', 'no significant change', 'no significant change']);
      expect(c.slower).toEqual([]);
      expect(verdictLine(c)).toBe('no significant change on any operation');
    }
  });

  it('one operation shifted 2x: that one (and the overall row) is slower, the others not', () => {
    const shifted = OPS.map((o) => (o.op === 'read_member_detail' ? { ...o, medianMs: 4 } : o));
    const c = compareRuns(input(synthRun(7, OPS)), input(synthRun(8, shifted)), SETTINGS);
    const v = Object.fromEntries(c.operations.map((o) => [o.op, o.verdict]));
    expect(v).toMatchObject({ read_member_detail: 'slower', list_members: 'no significant change', create_member: 'no significant change' });
    const detail = c.operations.find((o) => o.op === 'read_member_detail')!;
    expect(detail.latency!.p50.lo).toBeGreaterThan(0);
    expect(detail.latency!.p50.delta).toBeGreaterThan(1.5);
    expect(detail.reasons.join(' ')).toMatch(/p50 \+[\d.]+ ms \[\+[\d.]+, \+[\d.]+\]/);
    expect(c.slower).toContain('read_member_detail');
    expect(renderComparisonText(c)).toMatch(/SLOWER: .*read_member_detail/);
    expect(renderComparisonMarkdown(c)).toMatch(/\| read_member_detail \|.*\| \*\*SLOWER\*\* \|/);
  });

  it('the other way round it is faster', () => {
    const shifted = OPS.map((o) => (o.op === 'list_members' ? { ...o, medianMs: 3 } : o));
    const c = compareRuns(input(synthRun(9, OPS)), input(synthRun(10, shifted)), SETTINGS);
    expect(c.operations.find((o) => o.op === 'list_members')!.verdict).toBe('faster');
    expect(c.slower).toEqual([]);
  });

  it('a shift below the minimum effect is no significant change, even when the interval excludes 0', () => {
    const slightly = OPS.map((o) => (o.op === 'read_member_detail' ? { ...o, medianMs: 2.1, perSecond: 200 } : o));
    const base = OPS.map((o) => (o.op === 'read_member_detail' ? { ...o, perSecond: 200 } : o));
    const c = compareRuns(input(synthRun(11, base)), input(synthRun(12, slightly)), { ...SETTINGS, min_effect_pct: 50 });
    expect(c.operations.find((o) => o.op === 'read_member_detail')!.verdict).toBe('no significant change');
  });

  it('errors up from 0% to ~10%: slower on errors', () => {
    const failing = OPS.map((o) => (o.op === 'create_member' ? { ...o, errorRate: 0.1 } : o));
    const c = compareRuns(input(synthRun(13, OPS)), input(synthRun(14, failing)), SETTINGS);
    const cm = c.operations.find((o) => o.op === 'create_member')!;
    expect(cm.verdict).toBe('slower');
    expect(cm.reasons.join(' ')).toMatch(/^errors \+/);
  });

  it('too few requests: no verdict, and says how many', () => {
    const c = compareRuns(input(synthRun(15, OPS, 5)), input(synthRun(16, OPS, 5)), SETTINGS);
    const cm = c.operations.find((o) => o.op === 'create_member')!;
    expect(cm.verdict).toBe('too few requests');
    expect(cm.reasons[0]).toMatch(/15 vs 15 requests, a verdict needs 30/);
  });

  it('an operation in one run only is named as such', () => {
    const c = compareRuns(input(synthRun(17, OPS)), input(synthRun(18, OPS.slice(0, 2))), SETTINGS);
    expect(c.operations.find((o) => o.op === 'create_member')!.verdict).toBe('only in A');
  });

  it('95% intervals cover the true change in p50 in most repetitions (block bootstrap calibration)', () => {
    // true p50 of a lognormal with median m is m; B's median is 1.2x A's
    let covered = 0;
    const reps = 20;
    for (let r = 0; r < reps; r++) {
      const a = synthRun(1000 + r, [OPS[0]!], 60);
      const b = synthRun(2000 + r, [{ ...OPS[0]!, medianMs: 2.4 }], 60);
      const series = (s: OpSlices) => [...s.ops.get('read_member_detail')!.values()];
      const c = compareSeries(series(a), series(b), { resamples: 400, confidence: 0.95, seed: r + 1 });
      if (c.latency.p50.lo <= 0.4 && 0.4 <= c.latency.p50.hi) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(16);
  });
});

describe('compare: noise with memory (AR(1) machine level, phi 0.9, sd 25%)', () => {
  const flagged = (c: ReturnType<typeof compareRuns>) => c.operations.filter((o) => o.verdict === 'slower' || o.verdict === 'faster').length;

  it('the automatic block length is ~1 for white noise and long for a drifting level', () => {
    const rand = seededRandom(5);
    const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const white = Array.from({ length: 300 }, normal);
    let x = 0;
    const ar = Array.from({ length: 300 }, () => (x = 0.9 * x + normal()));
    expect(automaticBlockLength(white)).toBeLessThanOrEqual(2);
    expect(automaticBlockLength(ar)).toBeGreaterThanOrEqual(6);
    expect(tQuantile(0.975, 10)).toBeCloseTo(2.228, 2);
  });

  it('no change: at most 5% of judged operations flagged over 20 pairs; 1-s blocks would flag far more', () => {
    let judged = 0;
    let alarms = 0;
    let naive = 0;
    for (let r = 0; r < 20; r++) {
      const a = driftingRun(100 + 2 * r, OPS);
      const b = driftingRun(101 + 2 * r, OPS);
      const c = compareRuns(input(a), input(b), SETTINGS);
      judged += c.operations.length;
      alarms += flagged(c);
      // the same data with every second taken as independent (blocks of 1 s), interval test only
      for (const o of OPS) {
        const n = compareSeries([...a.ops.get(o.op)!.values()], [...b.ops.get(o.op)!.values()], { resamples: 400, confidence: 0.95, seed: 1, blockSeconds: { a: 1, b: 1 } });
        if ((['p50', 'p95'] as const).some((m) => n.latency[m].lo >= Math.max(0.1 * n.a[m], 1) || n.latency[m].hi <= -Math.max(0.1 * n.a[m], 1))) naive++;
      }
    }
    expect(judged).toBe(80);
    expect(alarms / judged).toBeLessThanOrEqual(0.05);
    expect(naive).toBeGreaterThanOrEqual(3 * Math.max(1, alarms));
  });

  it('a 2x shift of one operation is still found in most pairs', () => {
    let found = 0;
    for (let r = 0; r < 10; r++) {
      const shifted = OPS.map((o) => (o.op === 'read_member_detail' ? { ...o, medianMs: 4 } : o));
      const c = compareRuns(input(driftingRun(500 + 2 * r, OPS)), input(driftingRun(501 + 2 * r, shifted)), SETTINGS);
      if (c.slower.includes('read_member_detail')) found++;
      expect(c.slower.filter((op) => op !== 'read_member_detail' && op !== 'all operations')).toEqual([]);
    }
    expect(found).toBeGreaterThanOrEqual(8);
  });

  it('a 3x burst over 20 s of B only (a neighbour, not the code) is not called slower: too noisy to judge', () => {
    const quiet = { phi: 0.5, sd: 0.05 };
    // at 10 % / 1 ms the burst clears the interval test, so the halves rule is what withholds it
    // (at the default 25 % it is no significant change already)
    const c = compareRuns(input(driftingRun(900, OPS, quiet)), input(driftingRun(901, OPS, { ...quiet, burst: (s) => (s >= 35 && s < 55 ? 3 : 1) })), { ...SETTINGS, min_effect_pct: 10, min_effect_ms: 1 });
    expect(c.slower).toEqual([]);
    const all = c.operations.find((o) => o.op === 'all operations')!;
    expect(all.verdict).toBe('too noisy to judge');
    expect(all.reasons.join(' ')).toMatch(/not in both halves|halves differ/);
    expect(c.noisy).toContain('all operations');
    expect(verdictLine(c)).toMatch(/^no significant change; too noisy to judge/);
    // in junit that operation is skipped, not failed
    const xml = renderJunit(FIXTURE, c);
    expect(xml).toMatch(/not slower than baseline[^>]*><skipped message="too noisy to judge"\/>/);
    expect(xml).toMatch(/failures="0" skipped="\d+"/);
  });
});

describe('compare: comparable runs only', () => {
  it('refuses different users, mix, think time or data profile; warns on k6 version and instances', () => {
    const other = { ...FIXTURE, config: { ...FIXTURE.config, users: 11, think_time_ms: 50, pattern: 'read_heavy', data: 'stress profile, seed 46' }, k6: { ...FIXTURE.k6, version: 'v1.0.0' } };
    const dev = { ...FIXTURE, config: { ...FIXTURE.config, data: 'dev profile, seed 46, seeded for this run' } };
    const r = comparability(dev, other);
    expect(r.refusals.join('\n')).toMatch(/users differs \(A: 10, B: 11\)/);
    expect(r.refusals.join('\n')).toMatch(/think time \(ms\) differs/);
    expect(r.refusals.join('\n')).toMatch(/operation mix \(pattern\) differs/);
    expect(r.refusals.join('\n')).toMatch(/data set profile differs/);
    expect(r.warnings.join('\n')).toMatch(/k6 version differs \(A: v2.2.0, B: v1.0.0\)/);
    expect(comparability(FIXTURE, FIXTURE)).toEqual({ refusals: [], warnings: [] });
    // a busier machine during B (1.2 cores of other processes vs 0.2) is named
    const res = (machine: number) => ({ samples: 10, cores: 2, sources: {}, mean: { machine_busy_cores: machine, api_cpu_cores: 0.3, postgres_cpu_cores: 0.1, k6_cpu_cores: 0.2, harness_cpu_cores: 0.05 }, max: {} });
    const quiet = { ...FIXTURE, resources: res(0.85) };
    const busy = { ...FIXTURE, resources: res(1.85) };
    expect(comparability(quiet, busy).warnings.join('\n')).toMatch(/other processes on the machine used 0\.20 cores during A and 1\.20 during B/);
    expect(comparability(quiet, quiet).warnings).toEqual([]);
    // and no verdict rests on it: a 2x shift from a quiet to a busy machine is too noisy to judge,
    // while a 2x drop on the busier machine still counts as faster (the machine cannot explain it)
    const shifted = OPS.map((o) => (o.op === 'read_member_detail' ? { ...o, medianMs: 4 } : o.op === 'list_members' ? { ...o, medianMs: 3 } : o));
    const c = compareRuns(input(synthRun(7, OPS), quiet), input(synthRun(8, shifted), busy), SETTINGS);
    const detail = c.operations.find((o) => o.op === 'read_member_detail')!;
    expect(detail.verdict).toBe('too noisy to judge');
    expect(detail.reasons[0]).toMatch(/^slower \(p50 \+[\d.]+ ms .*\) but other processes used 0\.20 cores during A and 1\.20 during B, which could explain up to 4\.5x$/);
    expect(c.slower).toEqual([]);
    expect(c.faster).toContain('list_members');
    expect(compareRuns(input(synthRun(7, OPS), quiet), input(synthRun(8, shifted), quiet), SETTINGS).slower).toContain('read_member_detail');
    // (2 x (2 − 0.2) / (2 − 1.2) = 4.5x): a change larger than that is more than the machine can make
    expect(machineDifference(quiet, busy)).toMatchObject({ direction: 'slower', factor: 4.5 });
    const far = OPS.map((o) => (o.op === 'read_member_detail' ? { ...o, medianMs: 40 } : o));
    const farC = compareRuns(input(synthRun(7, OPS), quiet), input(synthRun(8, far), busy), SETTINGS);
    expect(farC.slower).toContain('read_member_detail');
    expect(farC.operations.find((o) => o.op === 'read_member_detail')!.reasons.at(-1)).toMatch(/^at least [\d.]+x, more than the 4\.5x other processes \(0\.20 cores during A, 1\.20 during B\) could explain$/);
    // others taking every core leave the run MIN_AVAILABLE_CORES (0.25): 2 x 1.8 / 0.25 = 14.4x
    expect(machineDifference(quiet, { ...FIXTURE, resources: res(2.65) })?.factor).toBeCloseTo(14.4, 6);
    expect(machineDifference(busy, quiet)).toMatchObject({ direction: 'faster', factor: 4.5 });
    // two fresh databases seeded alike start from the same data, whatever their names
    const fresh = (name: string) => ({ ...FIXTURE, config: { ...FIXTURE.config, data: `dev profile, seed 46, in a fresh database ${name} seeded for this run: 500 members, 20,756 employments at the start (embedded PostgreSQL; own API: 1 process)` } });
    expect(comparability(fresh('loadlab_run_20261201155704_763'), fresh('loadlab_run_20261201155816_1549')).warnings).toEqual([]);
    // a reused database has no known profile: a warning, not a refusal
    expect(comparability(dev, FIXTURE).warnings.join('\n')).toMatch(/data set profile differs \(A: dev, B: unknown\)/);
    expect(comparability(dev, FIXTURE).refusals).toEqual([]);
  });
});
