// Is run B's operation slower than run A's, or is it noise? A moving-block bootstrap over the runs'
// 1-second histograms (op-slices.ts): each resample draws blocks of L consecutive seconds with
// replacement until it covers the run's length, adds their histograms, and takes p50/p95/p99 and the
// error rate of the sum. Blocks of seconds, not single requests, because requests close in time
// share the same server state (cache warmth, GC, a neighbour's load): resampling requests one by one
// would treat them as independent and give intervals that are too narrow. L is chosen from the
// run's own autocorrelation (Politis & White's automatic block length on the per-second median of
// all its requests: on a shared machine the noise lasts tens of seconds, far longer than T^(1/3)),
// never below round(T^(1/3)). A and B are resampled independently; the confidence interval of a
// change is the percentile interval of B* − A*. Each run is also cut into its first and second half
// in time, so a verdict can ask whether the change is there in both halves and larger than the
// run's own halves disagree (compare.ts). Deterministic: the resamples come from a seeded generator.
import { Histogram, bucketRangeNs } from '../results/histogram';

export interface SecondCell {
  hist: Histogram;
  failed: number;
}

/** A run's one operation: its seconds from first to last (undefined = no request that second). */
export type SecondSeries = (SecondCell | undefined)[];

export interface BootstrapOptions {
  resamples: number;
  /** e.g. 0.95 */
  confidence: number;
  seed: number;
  /** block length in seconds of A and B; default blockSecondsFor(the op's own series) */
  blockSeconds?: { a: number; b: number };
}

export const METRICS = ['p50', 'p95', 'p99'] as const;
export type Metric = (typeof METRICS)[number];
const PS = [50, 95, 99];

export interface Interval {
  /** B − A of the full runs */
  delta: number;
  lo: number;
  hi: number;
}

export type Stats = Record<Metric, number> & { n: number; error_pct: number };

export interface OpChange {
  a: Stats;
  b: Stats;
  /** each run's first and second half in time (split at the middle second of the op's series) */
  halves: { a: [Stats, Stats]; b: [Stats, Stats] };
  /** ms */
  latency: Record<Metric, Interval>;
  /** percentage points */
  error_pct: Interval;
  block_seconds: { a: number; b: number };
}

/** mulberry32: a small seeded generator, so the same inputs give the same intervals. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Coarser buckets for resampling: 32 per power of two (each within 1/64 of its midpoint). */
const COARSE = 4;
const coarseOf = (i: number) => (i < 256 ? i : 256 + Math.floor((i - 256) / COARSE));
function coarseValueMs(c: number): number {
  if (c < 256) return c / 1e6;
  const first = 256 + (c - 256) * COARSE;
  return (bucketRangeNs(first)[0] + bucketRangeNs(first + COARSE - 1)[1]) / 2 / 1e6;
}

interface Prepared {
  T: number;
  K: number;
  values: Float64Array;
  /** (T+1) x K cumulative counts over seconds */
  prefix: Float64Array;
  failedPrefix: Float64Array;
  countPrefix: Float64Array;
  min: number;
  max: number;
}

function prepare(series: SecondSeries): Prepared {
  const keys = new Set<number>();
  let min = Infinity;
  let max = -Infinity;
  for (const c of series) {
    if (!c || c.hist.count === 0) continue;
    for (const i of c.hist.buckets.keys()) keys.add(coarseOf(i));
    min = Math.min(min, c.hist.min);
    max = Math.max(max, c.hist.max);
  }
  const sorted = [...keys].sort((a, b) => a - b);
  const pos = new Map(sorted.map((k, j) => [k, j]));
  const T = series.length;
  const K = sorted.length;
  const prefix = new Float64Array((T + 1) * K);
  const failedPrefix = new Float64Array(T + 1);
  const countPrefix = new Float64Array(T + 1);
  for (let t = 0; t < T; t++) {
    prefix.copyWithin((t + 1) * K, t * K, (t + 1) * K);
    const c = series[t];
    failedPrefix[t + 1] = failedPrefix[t]! + (c?.failed ?? 0);
    countPrefix[t + 1] = countPrefix[t]! + (c?.hist.count ?? 0);
    if (!c) continue;
    for (const [i, n] of c.hist.buckets) prefix[(t + 1) * K + pos.get(coarseOf(i))!]! += n;
  }
  return { T, K, values: Float64Array.from(sorted, coarseValueMs), prefix, failedPrefix, countPrefix, min, max };
}

/** p50/p95/p99 of counts over the sorted coarse values, interpolated between closest ranks like Histogram. */
function percentilesOf(counts: Float64Array, values: Float64Array, n: number, min: number, max: number, out: Float64Array): void {
  for (let j = 0; j < PS.length; j++) {
    const r = (PS[j]! / 100) * (n - 1);
    const lo = Math.floor(r);
    const hi = Math.ceil(r);
    let seen = 0;
    let k = 0;
    while (seen + counts[k]! <= lo) seen += counts[k++]!;
    const vLo = values[k]!;
    while (seen + counts[k]! <= hi) seen += counts[k++]!;
    const vHi = values[k]!;
    const clamp = (v: number) => Math.min(max, Math.max(min, v));
    out[j] = clamp(vLo) + (clamp(vHi) - clamp(vLo)) * (r - lo);
  }
}

export const defaultBlockSeconds = (T: number) => Math.max(1, Math.round(Math.cbrt(T)));

/** ln of each second's median latency, seconds without a request left out: the run's level over time. */
export function levelsOf(series: SecondSeries): number[] {
  const out: number[] = [];
  for (const c of series) if (c && c.hist.count > 0) out.push(Math.log(Math.max(1e-3, c.hist.percentiles([50])[0]!)));
  return out;
}

/**
 * Politis & White (2004) automatic block length for the circular block bootstrap (with the
 * correction of Patton, Politis & White 2009): from the autocovariances up to the lag where the
 * autocorrelation stops being significant (flat-top lag window), b = (2 G² / D)^(1/3) n^(1/3),
 * G = Σ λ(k/M) |k| R(k), D = 4/3 (Σ λ(k/M) R(k))². White noise gives 1; slowly drifting noise
 * gives long blocks. Capped at n/3 (at least three blocks).
 */
export function automaticBlockLength(x: number[]): number {
  const n = x.length;
  if (n < 8) return 1;
  const mean = x.reduce((t, v) => t + v, 0) / n;
  const d = x.map((v) => v - mean);
  const maxLag = Math.min(n - 1, Math.ceil(Math.sqrt(n)) + Math.max(5, Math.ceil(Math.sqrt(Math.log10(n)))));
  const R: number[] = [];
  for (let k = 0; k <= maxLag; k++) {
    let acc = 0;
    for (let t = 0; t + k < n; t++) acc += d[t]! * d[t + k]!;
    R.push(acc / n);
  }
  if (R[0]! <= 0) return 1;
  const K = Math.max(5, Math.ceil(Math.sqrt(Math.log10(n))));
  const bound = 2 * Math.sqrt(Math.log10(n) / n);
  const rho = (k: number) => (k < R.length ? R[k]! / R[0]! : 0);
  let m = 0;
  while (m < maxLag - K && ![...Array(K).keys()].every((j) => Math.abs(rho(m + 1 + j)) < bound)) m++;
  const M = Math.min(2 * m, maxLag);
  if (M === 0) return 1;
  const lambda = (t: number) => (Math.abs(t) <= 0.5 ? 1 : Math.abs(t) <= 1 ? 2 * (1 - Math.abs(t)) : 0);
  let G = 0;
  let g = R[0]!;
  for (let k = 1; k <= M; k++) {
    G += 2 * lambda(k / M) * k * R[k]!;
    g += 2 * lambda(k / M) * R[k]!;
  }
  if (g <= 0) return 1;
  const b = Math.cbrt((2 * G * G) / ((4 / 3) * g * g)) * Math.cbrt(n);
  return Math.max(1, Math.min(Math.floor(n / 3), Math.round(b)));
}

/** The block length (s) for a run's series: the automatic length of its levels, never below round(T^(1/3)). */
export function blockSecondsFor(series: SecondSeries): number {
  return Math.max(defaultBlockSeconds(series.length), automaticBlockLength(levelsOf(series)));
}

/** resamples x [p50, p95, p99, error %] of one run's operation; NaN rows when a resample is empty. */
function resample(series: SecondSeries, blockSeconds: number, o: BootstrapOptions, rand: () => number): { stats: Float64Array[]; block: number } {
  const p = prepare(series);
  const L = Math.max(1, Math.min(p.T, blockSeconds));
  const blocks = Math.ceil(p.T / L);
  const acc = new Float64Array(p.K);
  const pct = new Float64Array(3);
  const stats = METRICS.map(() => new Float64Array(o.resamples)).concat([new Float64Array(o.resamples)]);
  for (let r = 0; r < o.resamples; r++) {
    acc.fill(0);
    let n = 0;
    let failed = 0;
    for (let b = 0; b < blocks; b++) {
      const s = Math.floor(rand() * (p.T - L + 1));
      const e = s + L;
      const top = e * p.K;
      const bot = s * p.K;
      for (let k = 0; k < p.K; k++) acc[k]! += p.prefix[top + k]! - p.prefix[bot + k]!;
      n += p.countPrefix[e]! - p.countPrefix[s]!;
      failed += p.failedPrefix[e]! - p.failedPrefix[s]!;
    }
    if (n === 0) {
      for (const st of stats) st[r] = Number.NaN;
      continue;
    }
    percentilesOf(acc, p.values, n, p.min, p.max, pct);
    stats[0]![r] = pct[0]!;
    stats[1]![r] = pct[1]!;
    stats[2]![r] = pct[2]!;
    stats[3]![r] = (100 * failed) / n;
  }
  return { stats, block: L };
}

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) => (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/** Student's t quantile from the normal one (Cornish-Fisher expansion in 1/ν; within 1% for ν ≥ 3). */
export function tQuantile(p: number, nu: number): number {
  const z = normalQuantile(p);
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return z + (z3 + z) / (4 * nu) + (5 * z5 + 16 * z3 + 3 * z) / (96 * nu ** 2) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * nu ** 3);
}

/** How much wider a t interval with ν degrees of freedom is than the normal one at this confidence. */
export function smallSampleFactor(confidence: number, nu: number): number {
  const p = 1 - (1 - confidence) / 2;
  return tQuantile(p, Math.max(2, nu)) / normalQuantile(p);
}

function quantile(sorted: number[], q: number): number {
  const r = q * (sorted.length - 1);
  const lo = Math.floor(r);
  return sorted[lo]! + (sorted[Math.ceil(r)]! - sorted[lo]!) * (r - lo);
}

function whole(series: SecondSeries): Stats {
  const h = new Histogram();
  let failed = 0;
  for (const c of series) {
    if (!c) continue;
    h.merge(c.hist);
    failed += c.failed;
  }
  const [p50, p95, p99] = h.percentiles(PS);
  return { n: h.count, p50: p50!, p95: p95!, p99: p99!, error_pct: h.count ? (100 * failed) / h.count : 0 };
}

/** The change from A to B of one operation, with bootstrap intervals at o.confidence. */
export function compareSeries(a: SecondSeries, b: SecondSeries, o: BootstrapOptions): OpChange {
  const rand = seededRandom(o.seed);
  const blocks = o.blockSeconds ?? { a: blockSecondsFor(a), b: blockSecondsFor(b) };
  const ra = resample(a, blocks.a, o, rand);
  const rb = resample(b, blocks.b, o, rand);
  const wa = whole(a);
  const wb = whole(b);
  const halves = (s: SecondSeries): [Stats, Stats] => [whole(s.slice(0, Math.floor(s.length / 2))), whole(s.slice(Math.floor(s.length / 2)))];
  const alpha = (1 - o.confidence) / 2;
  const interval = (j: number, delta: number): Interval => {
    const d: number[] = [];
    for (let r = 0; r < o.resamples; r++) {
      const v = rb.stats[j]![r]! - ra.stats[j]![r]!;
      if (Number.isFinite(v)) d.push(v);
    }
    d.sort((x, y) => x - y);
    if (!d.length) return { delta, lo: Number.NaN, hi: Number.NaN };
    // Few blocks are few independent observations: widen the percentile interval about its median by
    // t(ν)/z, ν = blocks of A + blocks of B − 2 (a bootstrap over k blocks behaves like a sample of k).
    const mid = quantile(d, 0.5);
    // (with fewer than 3 blocks in a run there is no spread to widen: the interval is left as it is)
    const [ka, kb] = [Math.ceil(a.length / ra.block), Math.ceil(b.length / rb.block)];
    const f = Math.min(ka, kb) < 3 ? 1 : smallSampleFactor(o.confidence, ka + kb - 2);
    return { delta, lo: mid - (mid - quantile(d, alpha)) * f, hi: mid + (quantile(d, 1 - alpha) - mid) * f };
  };
  return {
    a: wa,
    b: wb,
    halves: { a: halves(a), b: halves(b) },
    latency: { p50: interval(0, wb.p50 - wa.p50), p95: interval(1, wb.p95 - wa.p95), p99: interval(2, wb.p99 - wa.p99) },
    error_pct: interval(3, wb.error_pct - wa.error_pct),
    block_seconds: { a: ra.block, b: rb.block },
  };
}
