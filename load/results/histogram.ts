// The one latency histogram of loadlab's result files: what makes percentiles mergeable across k6
// instances (percentiles themselves cannot be merged; distributions can). HDR-style log-linear
// buckets over integer nanoseconds, exact integer arithmetic, so the same samples always give the
// same buckets:
//   - a latency is kept to 1 ns (k6 reports milliseconds with 6 decimals, i.e. exactly nanoseconds);
//   - below 256 ns every nanosecond is its own bucket (exact);
//   - from 256 ns up, each power of two [2^e, 2^(e+1)) is split into 128 equal buckets, so a bucket
//     is at most 1/128 of its lower bound wide and its midpoint is within 1/256 (0.39%) of every
//     value in it.
// A percentile is computed like the exact one (linear interpolation between the closest ranks, see
// stats.ts) with each rank's value replaced by its bucket's midpoint, clamped to the exact min/max:
// it is within RELATIVE_PRECISION of the exact percentile over the same samples.
export const SUB_BUCKETS = 128;
const EXACT_BELOW = 2 * SUB_BUCKETS; // 256 ns
export const RELATIVE_PRECISION = 1 / (2 * SUB_BUCKETS);
export const HISTOGRAM_SCHEME = {
  scheme: 'log-linear',
  unit: 'ns',
  sub_buckets: SUB_BUCKETS,
  exact_below_ns: EXACT_BELOW,
  relative_precision: RELATIVE_PRECISION,
} as const;

const TWO_32 = 2 ** 32;

/** Position of the highest set bit of a non-negative integer below 2^53. */
function highBit(u: number): number {
  if (u >= TWO_32) return 63 - Math.clz32(Math.floor(u / TWO_32));
  return 31 - Math.clz32(u);
}

/** Milliseconds (as k6 reports them) to whole nanoseconds. */
export function toNs(ms: number): number {
  return ms <= 0 ? 0 : Math.round(ms * 1e6);
}

export function bucketOfNs(u: number): number {
  if (u < EXACT_BELOW) return u;
  const shift = highBit(u) - 7; // >= 1
  const m = Math.floor(u / 2 ** shift); // in [128, 256)
  return EXACT_BELOW + (shift - 1) * SUB_BUCKETS + (m - SUB_BUCKETS);
}

/** [low, high) of a bucket in ns. */
export function bucketRangeNs(index: number): [number, number] {
  if (index < EXACT_BELOW) return [index, index + 1];
  const shift = Math.floor((index - EXACT_BELOW) / SUB_BUCKETS) + 1;
  const m = ((index - EXACT_BELOW) % SUB_BUCKETS) + SUB_BUCKETS;
  return [m * 2 ** shift, (m + 1) * 2 ** shift];
}

/** The value a bucket stands for, in ms: the sample itself below 256 ns, else the midpoint. */
export function bucketValueMs(index: number): number {
  if (index < EXACT_BELOW) return index / 1e6;
  const [lo, hi] = bucketRangeNs(index);
  return (lo + hi) / 2 / 1e6;
}

/**
 * Serialized form: count, sum/min/max in whole ns (integer sums are exact, so merging in any order
 * gives the same mean), and counts as [index, count, index delta, count, …] in ascending order.
 */
export interface HistogramJson {
  n: number;
  sum_ns: number;
  min_ns: number;
  max_ns: number;
  b: number[];
}

export class Histogram {
  count = 0;
  sumNs = 0;
  minNs = Infinity;
  maxNs = -Infinity;
  readonly buckets = new Map<number, number>();

  get min(): number {
    return this.minNs / 1e6;
  }

  get max(): number {
    return this.maxNs / 1e6;
  }

  add(ms: number, times = 1): void {
    const u = toNs(ms);
    const i = bucketOfNs(u);
    this.buckets.set(i, (this.buckets.get(i) ?? 0) + times);
    this.count += times;
    this.sumNs += u * times;
    if (u < this.minNs) this.minNs = u;
    if (u > this.maxNs) this.maxNs = u;
  }

  merge(h: Histogram | HistogramJson): this {
    if (h instanceof Histogram) {
      for (const [i, c] of h.buckets) this.buckets.set(i, (this.buckets.get(i) ?? 0) + c);
      this.addStats(h.count, h.sumNs, h.minNs, h.maxNs);
      return this;
    }
    let idx = 0;
    for (let k = 0; k < h.b.length; k += 2) {
      idx += h.b[k]!;
      this.buckets.set(idx, (this.buckets.get(idx) ?? 0) + h.b[k + 1]!);
    }
    this.addStats(h.n, h.sum_ns, h.min_ns, h.max_ns);
    return this;
  }

  private addStats(n: number, sumNs: number, minNs: number, maxNs: number): void {
    if (n === 0) return;
    this.count += n;
    this.sumNs += sumNs;
    if (minNs < this.minNs) this.minNs = minNs;
    if (maxNs > this.maxNs) this.maxNs = maxNs;
  }

  static from(json: HistogramJson): Histogram {
    return new Histogram().merge(json);
  }

  toJSON(): HistogramJson {
    const keys = [...this.buckets.keys()].sort((a, b) => a - b);
    const b: number[] = [];
    let prev = 0;
    for (const k of keys) {
      b.push(k - prev, this.buckets.get(k)!);
      prev = k;
    }
    return { n: this.count, sum_ns: this.sumNs, min_ns: this.count ? this.minNs : 0, max_ns: this.count ? this.maxNs : 0, b };
  }

  /** Percentiles (0–100) for several p at once, in one pass over the sorted buckets. */
  percentiles(ps: number[]): number[] {
    const n = this.count;
    if (n === 0) return ps.map(() => Number.NaN);
    const keys = [...this.buckets.keys()].sort((a, b) => a - b);
    // The value of the r-th smallest sample (0-based), via cumulative counts.
    const ranks = ps.flatMap((p) => {
      const r = (p / 100) * (n - 1);
      return [Math.floor(r), Math.ceil(r)];
    });
    const order = ranks.map((r, i) => [r, i] as const).sort((a, b) => a[0] - b[0]);
    const values = new Array<number>(ranks.length);
    let k = 0;
    let seen = 0;
    for (const [r, i] of order) {
      while (seen + this.buckets.get(keys[k]!)! <= r) {
        seen += this.buckets.get(keys[k]!)!;
        k++;
      }
      values[i] = Math.min(this.max, Math.max(this.min, bucketValueMs(keys[k]!)));
    }
    return ps.map((p, j) => {
      const r = (p / 100) * (n - 1);
      const lo = values[2 * j]!;
      const hi = values[2 * j + 1]!;
      return lo + (hi - lo) * (r - Math.floor(r));
    });
  }

  stats(): { count: number; avg: number; med: number; p95: number; p99: number; min: number; max: number } {
    const [med, p95, p99] = this.percentiles([50, 95, 99]);
    const n = this.count;
    return { count: n, avg: n ? this.sumNs / n / 1e6 : Number.NaN, med: med!, p95: p95!, p99: p99!, min: n ? this.min : Number.NaN, max: n ? this.max : Number.NaN };
  }
}
