// The data behind report.html's charts, on one time axis (seconds since the first measured
// second): per operation the latency percentiles per second and the response-time distribution,
// active users and throughput, failures by status, and the server's own series from resources.json
// (API CPU, event-loop delay, pool in use / waiting, database time per request, cache hit rate).
// Computed from the run's result files and resource samples; every figure is a measured one, and a
// second without requests is null (a gap in the chart), never 0 ms.
import { Histogram, bucketValueMs } from '../results/histogram';
import type { OpSlices } from '../results/op-slices';
import type { ResourceSeries } from '../results/resource-sampler';

/** All operations together, first in the selector. */
export const ALL_OPS = 'all operations';

export interface OpSeries {
  op: string;
  requests: number;
  p50: (number | null)[];
  p95: (number | null)[];
  p99: (number | null)[];
  /** response-time distribution: bin lower edges (ms, log-spaced) and requests per bin */
  dist: { edges_ms: number[]; counts: number[] };
}

export interface ServerSeries {
  /** seconds since the report's t0 */
  x: number[];
  api_cpu_cores: (number | null)[];
  loop_delay_mean_ms: (number | null)[];
  loop_delay_max_ms: (number | null)[];
  pool_busy: (number | null)[];
  pool_waiting: (number | null)[];
  pool_max: (number | null)[];
  db_ms_per_request: (number | null)[];
  cache_hit_pct: (number | null)[];
}

export interface ReportCharts {
  /** epoch ms of x = 0 */
  t0_ms: number;
  x: number[];
  ops: OpSeries[];
  users: (number | null)[];
  requests: number[];
  failed_by_status: { status: string; counts: number[] }[];
  /** null when the run had no resource samples (e.g. `loadlab merge`), with the reason */
  server: ServerSeries | null;
  server_missing_reason?: string;
}

/** Bins per power of ten of the distribution chart. */
const BINS_PER_DECADE = 20;

/** Coarsens a histogram into log-spaced bins (by bucket midpoint) from its min to its max. */
export function logDistribution(h: Histogram): { edges_ms: number[]; counts: number[] } {
  if (h.count === 0) return { edges_ms: [], counts: [] };
  const lo = Math.floor(Math.log10(Math.max(h.min, 1e-3)) * BINS_PER_DECADE);
  const hi = Math.floor(Math.log10(Math.max(h.max, 1e-3)) * BINS_PER_DECADE);
  const counts = new Array<number>(hi - lo + 1).fill(0);
  for (const [i, c] of h.buckets) {
    const v = Math.min(h.max, Math.max(h.min, bucketValueMs(i), 1e-3));
    const bin = Math.min(hi, Math.max(lo, Math.floor(Math.log10(v) * BINS_PER_DECADE))) - lo;
    counts[bin]! += c;
  }
  const edges_ms = counts.map((_c, k) => Number((10 ** ((lo + k) / BINS_PER_DECADE)).toPrecision(4)));
  // One closing edge with 0, so a stepped line ends at the last bin's upper edge.
  edges_ms.push(Number((10 ** ((hi + 1) / BINS_PER_DECADE)).toPrecision(4)));
  counts.push(0);
  return { edges_ms, counts };
}

const finiteOrNull = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? null : v);

function opSeries(op: string, slices: Map<number, { hist: Histogram }>, first: number, n: number): OpSeries {
  const p50: (number | null)[] = [];
  const p95: (number | null)[] = [];
  const p99: (number | null)[] = [];
  const all = new Histogram();
  for (let k = 0; k < n; k++) {
    const cell = slices.get(first + k);
    if (!cell || cell.hist.count === 0) {
      p50.push(null);
      p95.push(null);
      p99.push(null);
      continue;
    }
    all.merge(cell.hist);
    const [a, b, c] = cell.hist.percentiles([50, 95, 99]);
    p50.push(finiteOrNull(a));
    p95.push(finiteOrNull(b));
    p99.push(finiteOrNull(c));
  }
  return { op, requests: all.count, p50, p95, p99, dist: logDistribution(all) };
}

function serverSeries(res: ResourceSeries, t0Ms: number, spanS: number): ServerSeries | null {
  // The samples of the measured window, one second of context either side.
  const samples = res.samples.filter((s) => (s.t - t0Ms) / 1000 >= -1 && (s.t - t0Ms) / 1000 <= spanS + 1);
  if (!samples.length) return null;
  const ratio = (a: number | null, b: number | null, k: number) => (a === null || b === null || b <= 0 ? null : (k * a) / b);
  return {
    x: samples.map((s) => Number(((s.t - t0Ms) / 1000).toFixed(3))),
    api_cpu_cores: samples.map((s) => finiteOrNull(s.api_cpu_cores ?? s.api_reported_cpu_cores)),
    loop_delay_mean_ms: samples.map((s) => finiteOrNull(s.event_loop_delay_mean_ms)),
    loop_delay_max_ms: samples.map((s) => finiteOrNull(s.event_loop_delay_max_ms)),
    pool_busy: samples.map((s) => finiteOrNull(s.pool_busy)),
    pool_waiting: samples.map((s) => finiteOrNull(s.pool_waiting)),
    pool_max: samples.map((s) => finiteOrNull(s.pool_max)),
    // db time per second / requests per second = db time per request (ms)
    db_ms_per_request: samples.map((s) => finiteOrNull(ratio(s.db_time_per_s, s.requests_rps, 1000))),
    cache_hit_pct: samples.map((s) => finiteOrNull(ratio(s.cache_hits_rps, s.cache_hits_rps === null || s.cache_misses_rps === null ? null : s.cache_hits_rps + s.cache_misses_rps, 100))),
  };
}

export function buildReportCharts(slices: OpSlices, resources?: ResourceSeries, missingReason = 'no resource samples for this run'): ReportCharts {
  const first = Number.isFinite(slices.first) ? slices.first : 0;
  const n = Number.isFinite(slices.first) ? slices.last - slices.first + 1 : 0;
  const x = Array.from({ length: n }, (_v, k) => k);
  const allSlices = new Map<number, { hist: Histogram }>();
  const requests = new Array<number>(n).fill(0);
  for (const byT of slices.ops.values()) {
    for (const [t, c] of byT) {
      let a = allSlices.get(t);
      if (!a) allSlices.set(t, (a = { hist: new Histogram() }));
      a.hist.merge(c.hist);
      requests[t - first]! += c.hist.count;
    }
  }
  const ops = [...slices.ops.entries()].map(([op, byT]) => opSeries(op, byT, first, n)).sort((a, b) => b.requests - a.requests || a.op.localeCompare(b.op));
  const failed_by_status = [...slices.failedByStatus.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([status, byT]) => ({ status: status === 0 ? 'no response' : String(status), counts: x.map((k) => byT.get(first + k) ?? 0) }));
  const t0_ms = first * 1000;
  const server = resources ? serverSeries(resources, t0_ms, n) : null;
  return {
    t0_ms,
    x,
    ops: [opSeries(ALL_OPS, allSlices, first, n), ...ops],
    users: x.map((k) => slices.vus.get(first + k) ?? null),
    requests,
    failed_by_status,
    server,
    ...(server ? {} : { server_missing_reason: resources ? 'no resource sample fell in the measured window' : missingReason }),
  };
}
