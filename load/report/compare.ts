// Comparing two runs, noise-aware: per operation the change in p50/p95/p99 and error rate with a
// bootstrap confidence interval (significance.ts), a verdict (faster / slower / no significant
// change) at a stated confidence and minimum effect, and whether the two runs can be compared at
// all. `loadlab compare` prints it (compare-format.ts); `loadlab gate --baseline` fails on the same
// verdict, so noise alone does not fail CI.
import { profileOf } from './scaling';
import { blockSecondsFor, compareSeries, type Metric, type OpChange, type SecondSeries, type Stats } from './significance';
import type { RunSummary } from './summary';
import type { OpSlices } from '../results/op-slices';
import { Histogram } from '../results/histogram';

export const ALL = 'all operations';

export interface CompareSettings {
  /** 0.95 = 95% intervals */
  confidence: number;
  /** a latency change counts only when it is at least this many percent of A's … */
  min_effect_pct: number;
  /** … and at least this many milliseconds */
  min_effect_ms: number;
  /** an error-rate change counts only from this many percentage points */
  min_error_pp: number;
  /** fewer requests than this on either side: no verdict */
  min_requests: number;
  resamples: number;
  seed: number;
}

export const DEFAULT_COMPARE: CompareSettings = {
  confidence: 0.95,
  // 25 % and 0.25 ms: bench-compare on a quiet machine (2026-12-01 18:49–19:03 UTC) re-judged at
  // 10 %/0.5 ms flagged 3 of 55 same-configuration operations (one pair whose whole run drifted
  // 10–25 %), and at 10 %/1 ms missed CACHE_ENABLED=false on read_member_detail (p50 0.5 → 1.3 ms,
  // Δ +0.66…+0.86 ms) in 3 of 3 pairs; 25 %/0.25 ms: 0 of 55 and 3 of 3.
  min_effect_pct: 25,
  min_effect_ms: 0.25,
  min_error_pp: 0.5,
  min_requests: 30,
  resamples: 2000,
  seed: 1,
};

export type Verdict = 'slower' | 'faster' | 'no significant change' | 'too noisy to judge' | 'too few requests' | 'only in A' | 'only in B';

export interface OpComparison extends Partial<OpChange> {
  op: string;
  verdict: Verdict;
  /** what decided the verdict, e.g. "p95 +4.10 ms [+3.2, +5.0]" */
  reasons: string[];
}

export interface RunRef {
  run_id: string;
  kind: string;
  dir: string;
  users: number;
  k6: string;
}

export interface Comparison {
  a: RunRef;
  b: RunRef;
  settings: CompareSettings;
  method: string;
  /** differences that make the comparison meaningless (refused unless forced) */
  refusals: string[];
  /** differences worth knowing that do not stop it */
  warnings: string[];
  operations: OpComparison[];
  /** ops whose verdict is slower (the overall row included) */
  slower: string[];
  faster: string[];
  /** ops whose interval cleared the minimum effect but the runs' own noise explains it (no verdict) */
  noisy: string[];
  /** the bootstrap's block length for A and B (s) */
  block_seconds: { a: number; b: number };
}

export const METHOD =
  "moving-block bootstrap over 1-s histograms (block length from each run's autocorrelation, Politis-White, at least round(T^(1/3)) s; runs resampled independently); interval of B − A by the percentile method; a change must also show in both halves of the runs and exceed their own half-to-half disagreement";

const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);

/** A difference in what the rest of the machine used that is worth a warning (cores). */
export const OTHER_CPU_WARN_CORES = 0.25;

/** Mean CPU of everything on the machine but the run's own processes, over the measured window (cores). */
export function otherCpu(s: RunSummary): number | undefined {
  const m = s.resources?.mean;
  if (m?.machine_busy_cores === undefined) return undefined;
  const own = ['api_cpu_cores', 'postgres_cpu_cores', 'k6_cpu_cores', 'harness_cpu_cores'].reduce((t, k) => t + (m[k] ?? 0), 0);
  return Math.max(0, m.machine_busy_cores - own);
}

/** The fewest cores a run is taken to have had left when others used (nearly) all of them. */
const MIN_AVAILABLE_CORES = 0.25;
/** How much the run's own queueing may amplify the loss of CPU share (a heuristic, stated in the docs). */
const QUEUEING_ALLOWANCE = 2;

export interface MachineDifference {
  /** other processes' mean CPU during A and B (cores) */
  a: number;
  b: number;
  /** the verdict the difference could produce: a busier B makes it slower, a quieter one faster */
  direction: 'slower' | 'faster';
  /** the largest latency ratio (B/A for slower, A/B for faster) the difference is taken to explain */
  factor: number;
}

/**
 * Other processes used ≥ OTHER_CPU_WARN_CORES more (or less) during B than during A: the machine
 * differed in a way the bootstrap cannot see (it measures the noise within each run). A change in
 * the direction the machine explains is withheld unless it is larger than the machine could make
 * it: the ratio of CPU left for the run, (cores − other A) / (cores − other B) (at least
 * MIN_AVAILABLE_CORES left), times QUEUEING_ALLOWANCE for the run's own queueing on less CPU. So a
 * neighbour that took half a core does not turn a 1.3x wobble into a verdict, and it does not hide
 * a 100x regression either. Undefined when the runs have no resource figures or the difference is small.
 */
export function machineDifference(a: RunSummary, b: RunSummary): MachineDifference | undefined {
  const oa = otherCpu(a);
  const ob = otherCpu(b);
  if (oa === undefined || ob === undefined || Math.abs(ob - oa) < OTHER_CPU_WARN_CORES) return undefined;
  const cores = a.resources?.cores || b.resources?.cores || 1;
  const left = (other: number) => Math.max(MIN_AVAILABLE_CORES, cores - other);
  const [busier, quieter] = ob > oa ? [ob, oa] : [oa, ob];
  return { a: oa, b: ob, direction: ob > oa ? 'slower' : 'faster', factor: QUEUEING_ALLOWANCE * (left(quieter) / left(busier)) };
}

/** The smallest latency ratio of B to A (or A to B, for faster) the interval of p50 or p95 supports. */
function surelyRatio(c: OpComparison, direction: 'slower' | 'faster'): number {
  let best = 1;
  for (const m of ['p50', 'p95'] as const) {
    const i = c.latency?.[m];
    const a = c.a?.[m];
    if (!i || !a || a <= 0) continue;
    const bLow = a + (direction === 'slower' ? i.lo : i.hi);
    const r = direction === 'slower' ? bLow / a : bLow > 0 ? a / bLow : Infinity;
    best = Math.max(best, r);
  }
  return best;
}

/** Why A and B do not measure the same thing (refusals), and what else differs (warnings). */
export function comparability(a: RunSummary, b: RunSummary): { refusals: string[]; warnings: string[] } {
  const refusals: string[] = [];
  const warnings: string[] = [];
  const ca = a.config;
  const cb = b.config;
  const diff = (what: string, x: unknown, y: unknown, into: string[]) => {
    if (!same(x, y)) into.push(`${what} differs (A: ${typeof x === 'object' ? JSON.stringify(x) : String(x)}, B: ${typeof y === 'object' ? JSON.stringify(y) : String(y)})`);
  };
  diff('scenario', ca.scenario, cb.scenario, refusals);
  diff('operation mix (pattern)', ca.pattern, cb.pattern, refusals);
  diff('user split', ca.user_split, cb.user_split, refusals);
  diff('users', ca.users, cb.users, refusals);
  diff('operations per user', ca.ops, cb.ops, refusals);
  diff('think time (ms)', ca.think_time_ms, cb.think_time_ms, refusals);
  diff('arrival rate (req/s)', ca.rate_rps ?? null, cb.rate_rps ?? null, refusals);
  // A reused database ("existing rows") has no known profile: then only a warning below.
  const [pa, pb] = [profileOf(ca.data), profileOf(cb.data)];
  diff('data set profile', pa, pb, pa === 'unknown' || pb === 'unknown' ? warnings : refusals);
  diff('k6 version', a.k6.version, b.k6.version, warnings);
  diff('k6 instances', a.instances?.count ?? 1, b.instances?.count ?? 1, warnings);
  diff('ramp-up (s)', ca.ramp_up_s, cb.ramp_up_s, warnings);
  diff('duration', ca.duration ?? null, cb.duration ?? null, warnings);
  // a fresh database per run has its own name; the data it starts from is what matters
  const startData = (d: string) => d.replace(/ in a fresh database \S+ seeded/, ' in a fresh database seeded');
  if (pa === pb) diff('data at the start', startData(ca.data), startData(cb.data), warnings);
  if (ca.target_is_own_server !== cb.target_is_own_server) warnings.push(`one run had its own server, the other a --target (A: ${ca.target}, B: ${cb.target})`);
  const md = machineDifference(a, b);
  if (md) {
    warnings.push(
      `other processes on the machine used ${md.a.toFixed(2)} cores during A and ${md.b.toFixed(2)} during B (machine busy minus API, PostgreSQL, k6 and harness): the machine differed, so a change of up to ${md.factor.toFixed(1)}x ${md.direction} is not called ${md.direction} (too noisy to judge)`,
    );
  }
  for (const [name, s] of [['A', a] as const, ['B', b] as const]) {
    if (s.instances && !s.instances.complete) refusals.push(`${name} is INCOMPLETE (${s.instances.problems.length} problem(s): ${s.instances.problems[0]})`);
    if (s.generator.dropped_iterations > 0) warnings.push(`${name}: k6 dropped ${s.generator.dropped_iterations} iterations (it could not drive the load)`);
    for (const i of s.instances?.list ?? []) if (i.saturated) warnings.push(`${name}: k6 instance ${i.index} was SATURATED (${i.saturation_reasons.join('; ')})`);
  }
  return { refusals, warnings };
}

/** An op's seconds first..last of its run, as the bootstrap wants them. */
function secondsOf(s: OpSlices, op: string | typeof ALL): SecondSeries {
  if (!Number.isFinite(s.first)) return [];
  const out: SecondSeries = [];
  for (let t = s.first; t <= s.last; t++) {
    if (op !== ALL) {
      out.push(s.ops.get(op)?.get(t));
      continue;
    }
    let cell: { hist: Histogram; failed: number } | undefined;
    for (const byT of s.ops.values()) {
      const c = byT.get(t);
      if (!c) continue;
      cell ??= { hist: new Histogram(), failed: 0 };
      cell.hist.merge(c.hist);
      cell.failed += c.failed;
    }
    out.push(cell);
  }
  return out;
}

const signed = (v: number, d = 2) => `${v >= 0 ? '+' : ''}${v.toFixed(d)}`;

/**
 * Does a change that clears the interval test also hold up against the runs' own noise? The same
 * change must show in each half (B's first half vs A's first half, second vs second: at least the
 * minimum effect in both), and be larger than either run's two halves differ from each other (a
 * machine that drifts that much within a run can drift that much between runs). Returns why not;
 * nothing when a half of a run has no requests (then the check cannot be made).
 */
function unsteady(key: Metric | 'error_pct', c: OpChange, floor: number, sign: 1 | -1, unit: string, d = 2): string | undefined {
  const [a1, a2] = c.halves.a;
  const [b1, b2] = c.halves.b;
  // a run too short to cut in two (a second or two) has no halves to ask: the interval alone decides
  if (!a1.n || !a2.n || !b1.n || !b2.n) return undefined;
  const v = (s: Stats) => s[key];
  const d1 = sign * (v(b1) - v(a1));
  const d2 = sign * (v(b2) - v(a2));
  if (Math.min(d1, d2) < floor) return `not in both halves (${signed(sign * d1, d)}, ${signed(sign * d2, d)} ${unit})`;
  const noise = Math.max(Math.abs(v(a2) - v(a1)), Math.abs(v(b2) - v(b1)));
  const delta = key === 'error_pct' ? c.error_pct.delta : c.latency[key].delta;
  if (sign * delta <= noise) return `the runs' own halves differ by up to ${noise.toFixed(d)} ${unit}`;
  return undefined;
}

/** The verdict of one operation from its change, by the settings' confidence and minimum effect. */
export function verdictOf(c: OpChange, st: CompareSettings): { verdict: Verdict; reasons: string[] } {
  if (c.a.n < st.min_requests || c.b.n < st.min_requests) return { verdict: 'too few requests', reasons: [`${c.a.n} vs ${c.b.n} requests, a verdict needs ${st.min_requests} on each side`] };
  const up: string[] = [];
  const down: string[] = [];
  const noisy: string[] = [];
  const judge = (key: Metric | 'error_pct', lo: number, hi: number, floor: number, text: string, unit: string) => {
    // The whole interval beyond the minimum effect: a change that is surely at least that large …
    const sign = lo >= floor ? 1 : hi <= -floor ? -1 : 0;
    if (!sign) return;
    // … and one the runs' own noise does not explain.
    const why = unsteady(key, c, floor, sign, unit);
    if (why) noisy.push(`${text} but ${why}`);
    else (sign > 0 ? up : down).push(text);
  };
  for (const m of ['p50', 'p95'] as const) {
    const i = c.latency[m];
    judge(m, i.lo, i.hi, Math.max((st.min_effect_pct / 100) * c.a[m], st.min_effect_ms), `${m} ${signed(i.delta)} ms [${signed(i.lo)}, ${signed(i.hi)}]`, 'ms');
  }
  const e = c.error_pct;
  judge('error_pct', e.lo, e.hi, st.min_error_pp, `errors ${signed(e.delta)} pp [${signed(e.lo)}, ${signed(e.hi)}]`, 'pp');
  if (up.length) return { verdict: 'slower', reasons: up };
  if (down.length) return { verdict: 'faster', reasons: down };
  if (noisy.length) return { verdict: 'too noisy to judge', reasons: noisy };
  return { verdict: 'no significant change', reasons: [] };
}

export interface CompareInput {
  summary: RunSummary;
  slices: OpSlices;
  dir: string;
}

export function compareRuns(A: CompareInput, B: CompareInput, settings: CompareSettings = DEFAULT_COMPARE): Comparison {
  const { refusals, warnings } = comparability(A.summary, B.summary);
  const opsA = [...A.slices.ops.keys()];
  const opsB = [...B.slices.ops.keys()];
  const count = (s: OpSlices, op: string) => [...(s.ops.get(op)?.values() ?? [])].reduce((n, c) => n + c.hist.count, 0);
  const ops = [...new Set([...opsA, ...opsB])].sort((x, y) => count(A.slices, y) + count(B.slices, y) - (count(A.slices, x) + count(B.slices, x)) || x.localeCompare(y));
  const operations: OpComparison[] = [];
  // One block length per run, from all its requests: the machine's noise is shared by every operation,
  // and a rare operation's own per-second medians are too sparse to show it.
  const blockSeconds = { a: blockSecondsFor(secondsOf(A.slices, ALL)), b: blockSecondsFor(secondsOf(B.slices, ALL)) };
  for (const op of [ALL, ...ops]) {
    if (op !== ALL && !A.slices.ops.has(op)) {
      operations.push({ op, verdict: 'only in B', reasons: [] });
      continue;
    }
    if (op !== ALL && !B.slices.ops.has(op)) {
      operations.push({ op, verdict: 'only in A', reasons: [] });
      continue;
    }
    const change = compareSeries(secondsOf(A.slices, op), secondsOf(B.slices, op), { resamples: settings.resamples, confidence: settings.confidence, seed: settings.seed, blockSeconds });
    operations.push({ op, ...change, ...verdictOf(change, settings) });
  }
  // The machine itself differed (machineDifference): a busier B can make it slower, a quieter one
  // faster. A verdict in that direction no larger than the machine could make it may be the machine,
  // not the code, so none is given; a larger one, and one against that direction, stands.
  const md = machineDifference(A.summary, B.summary);
  if (md) {
    for (const o of operations) {
      if (o.verdict !== md.direction) continue;
      const ratio = surelyRatio(o, md.direction);
      if (ratio > md.factor) {
        o.reasons.push(`at least ${ratio.toFixed(1)}x, more than the ${md.factor.toFixed(1)}x other processes (${md.a.toFixed(2)} cores during A, ${md.b.toFixed(2)} during B) could explain`);
        continue;
      }
      o.reasons = [`${o.verdict} (${o.reasons.join('; ')}) but other processes used ${md.a.toFixed(2)} cores during A and ${md.b.toFixed(2)} during B, which could explain up to ${md.factor.toFixed(1)}x`];
      o.verdict = 'too noisy to judge';
    }
  }
  const ref = (x: CompareInput): RunRef => ({ run_id: x.summary.run_id, kind: x.summary.kind, dir: x.dir, users: x.summary.config.users, k6: x.summary.k6.version });
  return {
    a: ref(A),
    b: ref(B),
    settings,
    method: METHOD,
    refusals,
    warnings,
    operations,
    slower: operations.filter((o) => o.verdict === 'slower').map((o) => o.op),
    faster: operations.filter((o) => o.verdict === 'faster').map((o) => o.op),
    noisy: operations.filter((o) => o.verdict === 'too noisy to judge').map((o) => o.op),
    block_seconds: blockSeconds,
  };
}

/** One line stating the test, the confidence and the minimum effect. */
export function criterionLine(st: CompareSettings): string {
  return `verdict: slower/faster when the whole ${Math.round(st.confidence * 100)}% interval of Δp50 or Δp95 lies beyond the minimum effect (≥ ${st.min_effect_pct}% of A and ≥ ${st.min_effect_ms} ms), or that of the error rate beyond ${st.min_error_pp} pp, and the change is at least that in both halves of the runs and larger than either run's halves differ (else: too noisy to judge); ${st.resamples} resamples, seed ${st.seed}; p99 shown, not judged`;
}
