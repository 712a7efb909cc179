// Percentiles and summaries over raw samples. Percentiles interpolate linearly between closest
// ranks, the same definition k6 uses, so the harness's numbers and k6's agree.
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (n === 1) return sorted[0]!;
  const rank = (p / 100) * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

export interface LatencyStats {
  count: number;
  avg: number;
  med: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
  /** standard deviation (population; 0 for fewer than two samples) */
  sd: number;
}

export function latencyStats(values: ArrayLike<number>): LatencyStats {
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  const mean = n ? sum / n : Number.NaN;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (sorted[i]! - mean) ** 2;
  return {
    sd: n > 1 ? Math.sqrt(squares / n) : 0,
    count: n,
    avg: mean,
    med: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    min: n ? sorted[0]! : Number.NaN,
    max: n ? sorted[n - 1]! : Number.NaN,
  };
}
