// Performance Assessment: thresholds evaluated against measured values, and warnings when the
// load generator (not the server) was the bottleneck.
import { z } from 'zod';

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

export function generatorWarnings(g: { k6_cpu_avg_cores: number; k6_cpu_peak_cores: number; dropped_iterations: number }): string[] {
  const w: string[] = [];
  if (g.k6_cpu_avg_cores >= 0.85) {
    w.push(`k6 used ${g.k6_cpu_avg_cores.toFixed(2)} cores on average (peak ${g.k6_cpu_peak_cores.toFixed(2)}): the load generator may have been the bottleneck, not the server`);
  }
  if (g.dropped_iterations > 0) {
    w.push(`k6 dropped ${g.dropped_iterations} iterations: it could not keep the requested rate, so the rate was not actually driven`);
  }
  return w;
}
