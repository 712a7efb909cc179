// Performance Assessment: thresholds evaluated against measured values, warnings when the load
// generator (not the server) was the bottleneck, and what the resource series say: pool waits and
// the most used resource.
import { z } from 'zod';
import { resourceMeansInWindow, type ResourceSeries } from '../results/resource-sampler';

export const ThresholdMetric = z.enum(['avg_ms', 'p95_ms', 'p99_ms', 'error_pct', 'lost_writes', 'cache_hit_pct', 'dropped_iterations', 'harness_errors']);
export type ThresholdMetric = z.infer<typeof ThresholdMetric>;

export const Threshold = z.object({ metric: ThresholdMetric, op: z.enum(['<', '<=', '>', '>=']), limit: z.number() });
export type Threshold = z.infer<typeof Threshold>;

export const ThresholdResult = Threshold.extend({ actual: z.number().nullable(), pass: z.boolean(), note: z.string().optional() });
export type ThresholdResult = z.infer<typeof ThresholdResult>;

export type MeasuredValues = Partial<Record<ThresholdMetric, number | undefined>>;

export const LABELS: Record<ThresholdMetric, string> = {
  avg_ms: 'average response time (ms)',
  p95_ms: 'p95 response time (ms)',
  p99_ms: 'p99 response time (ms)',
  error_pct: 'failed requests (%)',
  lost_writes: 'lost writes',
  cache_hit_pct: 'cache hit rate (%)',
  dropped_iterations: 'dropped iterations',
  harness_errors: 'harness errors (404 on sampled ids)',
};

function compare(actual: number, op: Threshold['op'], limit: number): boolean {
  switch (op) {
    case '<':
      return actual < limit;
    case '<=':
      return actual <= limit;
    case '>':
      return actual > limit;
    case '>=':
      return actual >= limit;
  }
}

/** A threshold whose value could not be measured fails: no number, no pass. */
export function evaluateThresholds(thresholds: Threshold[], measured: MeasuredValues): ThresholdResult[] {
  return thresholds.map((t) => {
    const actual = measured[t.metric];
    if (actual === undefined || !Number.isFinite(actual)) return { ...t, actual: null, pass: false, note: 'not measured' };
    return { ...t, actual, pass: compare(actual, t.op, t.limit) };
  });
}

/** A k6 process busy on this many cores on average was probably the bottleneck itself. */
export const K6_SATURATED_CORES = 0.85;

export function generatorWarnings(g: { k6_cpu_avg_cores: number; k6_cpu_peak_cores: number; dropped_iterations: number }): string[] {
  const w: string[] = [];
  if (g.k6_cpu_avg_cores >= K6_SATURATED_CORES) {
    w.push(`k6 used ${g.k6_cpu_avg_cores.toFixed(2)} cores on average (peak ${g.k6_cpu_peak_cores.toFixed(2)}): the load generator may have been the bottleneck, not the server`);
  }
  if (g.dropped_iterations > 0) {
    w.push(`k6 dropped ${g.dropped_iterations} iterations: it could not keep the requested rate, so the rate was not actually driven`);
  }
  return w;
}

/** Resource use over a run's measured window, from its resources.json series. */
export const ResourceUse = z.object({
  samples: z.number().int(),
  cores: z.number().int(),
  sources: z.record(z.string(), z.string()),
  mean: z.record(z.string(), z.number()),
  max: z.record(z.string(), z.number()),
});
export type ResourceUse = z.infer<typeof ResourceUse>;

export function summarizeResources(series: ResourceSeries, from: number, to: number): ResourceUse {
  const w = resourceMeansInWindow(series, from, to + series.interval_ms);
  return { samples: w.samples, cores: series.cores, sources: series.sources, mean: w.mean, max: w.max };
}

/** Share of each resource's capacity used on average, highest first (only what was measured). */
export function utilisations(r: ResourceUse): { resource: string; share: number; detail: string }[] {
  const out: { resource: string; share: number; detail: string }[] = [];
  const m = r.mean;
  const f2 = (v: number | undefined) => (v === undefined ? 'n/a' : v.toFixed(2));
  if (m.machine_busy_cores !== undefined) {
    out.push({
      resource: "the machine's CPU",
      share: m.machine_busy_cores / r.cores,
      detail: `${f2(m.machine_busy_cores)} of ${r.cores} cores busy (API ${f2(m.api_cpu_cores)}, PostgreSQL ${f2(m.postgres_cpu_cores)}, k6 ${f2(m.k6_cpu_cores)}, harness ${f2(m.harness_cpu_cores)})`,
    });
  }
  if (m.event_loop_utilization !== undefined) {
    out.push({ resource: "the API's event loop", share: m.event_loop_utilization, detail: `busy ${(100 * m.event_loop_utilization).toFixed(0)}% of the time (mean delay ${f2(m.event_loop_delay_mean_ms)} ms, max ${f2(r.max.event_loop_delay_max_ms)} ms)` });
  }
  if (m.pool_busy !== undefined && m.pool_max) {
    out.push({
      resource: 'the database connection pool',
      share: m.pool_busy / m.pool_max,
      detail: `${f2(m.pool_busy)} of ${m.pool_max} connections in use on average, up to ${r.max.pool_waiting ?? 0} requests waiting (mean ${f2(m.pool_waiting)})`,
    });
  }
  return out.sort((a, b) => b.share - a.share);
}

export interface BreakPoint {
  resource: string;
  share: number;
  /** load (users, or req/s for an arrival-rate run) where this run's use puts the resource at 80% / 100%; null when it already ran out */
  users80: number | null;
  users100: number | null;
  /** the resource was at its limit in the run itself (requests waited for it, or ≥ 95% used) */
  exhausted: boolean;
}

/** How a run's load is counted: users of a closed loop, or the arrival rate of a level. */
export interface RunLoad {
  amount: number;
  unit: 'users' | 'req/s';
}

/**
 * Where one run says it breaks: each measured resource scaled from this run's own use (below
 * saturation utilisation grows in proportion to the users of a closed loop, or to the arrival
 * rate), first to run out first. The idle baseline is inside the run's utilisation, so these
 * figures are lower bounds.
 */
export function breakPoints(r: ResourceUse, load: RunLoad): BreakPoint[] {
  const users = load.amount;
  if (!r.samples || !(users > 0)) return [];
  const waited = (r.max.pool_waiting ?? 0) > 0;
  return utilisations(r)
    .filter((u) => u.share > 0)
    .map((u) => {
      const exhausted = u.share >= 0.95 || (waited && u.resource === 'the database connection pool');
      return { resource: u.resource, share: u.share, users80: exhausted ? null : (0.8 * users) / u.share, users100: exhausted ? null : users / u.share, exhausted };
    })
    .sort((a, b) => (a.exhausted !== b.exhausted ? (a.exhausted ? -1 : 1) : (a.users100 ?? 0) - (b.users100 ?? 0)));
}

const whole = (v: number) => Math.round(v).toLocaleString('en-US');

/** The break points in one sentence: the first resource to run out, and the next. */
export function breakPointLine(points: BreakPoint[], load: RunLoad): string | undefined {
  const [first, next] = points;
  if (!first) return undefined;
  const u = load.unit;
  const one = (b: BreakPoint) =>
    b.exhausted
      ? `${b.resource}, already at its limit in this run at ${whole(load.amount)} ${u} (${(100 * b.share).toFixed(0)}% used)`
      : `${b.resource} (80% at ~${whole(b.users80!)} ${u}, 100% at ~${whole(b.users100!)} ${u})`;
  return (
    `where it breaks, from this run's use per ${u === 'users' ? 'user' : 'req/s'} (its idle baseline included, so the figures are lower bounds): first ${one(first)}` +
    (next ? `; then ${one(next)}` : '') +
    '. Same mix, think time and data as this run; `loadlab capacity` separates the baseline and models the queues'
  );
}

/**
 * Performance Assessment lines about the resources: warnings for pool waits and anything ≥ 80%
 * used; notes naming the most used resource and, given the run's users, where it breaks.
 */
export function resourceFindings(r: ResourceUse, load?: RunLoad): { warnings: string[]; notes: string[] } {
  if (!r.samples) return { warnings: [], notes: [] };
  const out: string[] = [];
  const waitingMax = r.max.pool_waiting ?? 0;
  if (waitingMax > 0) {
    out.push(
      `requests waited for a database connection: up to ${waitingMax} at once (mean ${(r.mean.pool_waiting ?? 0).toFixed(1)}), pool of ${r.mean.pool_max ?? 'n/a'} with ${(r.mean.pool_busy ?? 0).toFixed(1)} in use on average: the pool, not the database's CPU, set the pace (see Server View)`,
    );
  }
  const u = utilisations(r);
  for (const x of u) if (x.share >= 0.8) out.push(`${x.resource} was ${(100 * x.share).toFixed(0)}% used: ${x.detail}`);
  const notes = u.length ? [`most used resource: ${u[0]!.resource} at ${(100 * u[0]!.share).toFixed(0)}%${u[1] ? `, then ${u[1].resource} at ${(100 * u[1].share).toFixed(0)}%` : ''}`] : [];
  const line = load ? breakPointLine(breakPoints(r, load), load) : undefined;
  if (line) notes.push(line);
  return { warnings: out, notes };
}
