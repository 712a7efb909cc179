// Is run B's operation slower than run A's, or is it noise? A moving-block bootstrap over the runs'
// 1-second histograms (op-slices.ts): each resample draws blocks of L consecutive seconds with
// replacement until it covers the run's length, adds their histograms, and takes p50/p95/p99 and the
// error rate of the sum. Blocks of seconds, not single requests, because requests a second apart
// share the same server state (cache warmth, GC, a neighbour's load): resampling requests one by one
// would treat them as independent and give intervals that are too narrow. A and B are resampled
// independently; the confidence interval of a change is the percentile interval of B* − A*.
// Deterministic: the resamples come from a seeded generator.
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
  /** block length in seconds; default round(T^(1/3)), at least 1 */
  blockSeconds?: number;
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

export interface OpChange {
  a: Record<Metric, number> & { n: number; error_pct: number };
  b: Record<Metric, number> & { n: number; error_pct: number };
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

/** resamples x [p50, p95, p99, error %] of one run's operation; NaN rows when a resample is empty. */
function resample(series: SecondSeries, o: BootstrapOptions, rand: () => number): { stats: Float64Array[]; block: number } {
  const p = prepare(series);
  const L = Math.min(p.T, o.blockSeconds ?? defaultBlockSeconds(p.T));
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

function quantile(sorted: number[], q: number): number {
  const r = q * (sorted.length - 1);
  const lo = Math.floor(r);
  return sorted[lo]! + (sorted[Math.ceil(r)]! - sorted[lo]!) * (r - lo);
}

function whole(series: SecondSeries): Record<Metric, number> & { n: number; error_pct: number } {
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
  const ra = resample(a, o, rand);
  const rb = resample(b, o, rand);
  const wa = whole(a);
  const wb = whole(b);
  const alpha = (1 - o.confidence) / 2;
  const interval = (j: number, delta: number): Interval => {
    const d: number[] = [];
    for (let r = 0; r < o.resamples; r++) {
      const v = rb.stats[j]![r]! - ra.stats[j]![r]!;
      if (Number.isFinite(v)) d.push(v);
    }
    d.sort((x, y) => x - y);
    if (!d.length) return { delta, lo: Number.NaN, hi: Number.NaN };
    return { delta, lo: quantile(d, alpha), hi: quantile(d, 1 - alpha) };
  };
  return {
    a: wa,
    b: wb,
    latency: { p50: interval(0, wb.p50 - wa.p50), p95: interval(1, wb.p95 - wa.p95), p99: interval(2, wb.p99 - wa.p99) },
    error_pct: interval(3, wb.error_pct - wa.error_pct),
    block_seconds: { a: ra.block, b: rb.block },
  };
}
