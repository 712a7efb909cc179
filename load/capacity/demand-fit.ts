// Service demands from measured utilisations (the Utilization Law, U = X·D): for each resource,
// the utilisation of every step is fitted against the step's throughput, U = U₀ + D·X, so the idle
// baseline U₀ (what the resource uses with no requests: timers, the sampler, other processes) is
// separated from the per-request demand D. Ordinary least squares with standard errors; a
// negative intercept is refitted through the origin, a negative slope is no demand.
import type { StepSummary } from './step-summary';

/** Resources whose demand the model uses, as named in the step resource means. */
export const DEMAND_RESOURCES = {
  machine_cpu: { field: 'machine_busy_cores', unit: 'core-ms', label: "machine CPU (all processes)" },
  box_cpu: { field: 'box_cpu', unit: 'core-ms', label: 'API + PostgreSQL + k6 + harness CPU' },
  api_cpu: { field: 'api_cpu_cores', unit: 'core-ms', label: 'API CPU (process tree)' },
  postgres_cpu: { field: 'postgres_cpu_cores', unit: 'core-ms', label: 'PostgreSQL CPU (cluster)' },
  k6_cpu: { field: 'k6_cpu_cores', unit: 'core-ms', label: 'k6 CPU' },
  harness_cpu: { field: 'harness_cpu_cores', unit: 'core-ms', label: 'harness CPU' },
  event_loop: { field: 'event_loop_busy', unit: 'ms', label: 'API event loop (busy)' },
  pool: { field: 'pool_busy', unit: 'connection-ms', label: 'pool connections held' },
  db_time: { field: 'db_time_per_s', unit: 'ms', label: 'database query time' },
  postgres_active: { field: 'postgres_active_backends', unit: 'backend-ms', label: 'active PostgreSQL backends (remote)' },
} as const;
export type DemandResource = keyof typeof DEMAND_RESOURCES;

export interface DemandFit {
  resource: DemandResource;
  label: string;
  unit: string;
  /** steps that had a value */
  points: number;
  /** per-request demand, seconds of the resource per request */
  demand_s: number;
  /** standard error of the demand (s); null with two points */
  demand_se_s: number | null;
  /** idle baseline, in units of the resource (cores, connections, loops) */
  baseline: number;
  r2: number | null;
  /** true when the intercept came out negative and the fit was redone through the origin */
  through_origin: boolean;
  /** per step: throughput and utilisation used */
  data: { users: number; x: number; u: number }[];
}

/** The value a step's resources give for a resource, or undefined. */
export function stepValue(s: StepSummary, r: DemandResource): number | undefined {
  const m = s.resources?.mean;
  if (!m) return undefined;
  if (r === 'box_cpu') {
    // the processes of the run itself, without whatever else the machine was doing
    const parts = [m.api_cpu_cores, m.postgres_cpu_cores, m.k6_cpu_cores, m.harness_cpu_cores];
    return parts.every((v) => v !== undefined) ? parts.reduce((a, v) => a! + v!, 0) : undefined;
  }
  if (r === 'event_loop') {
    // busy event loops = utilisation × loops (one per API process or worker)
    const u = m.event_loop_utilization;
    return u === undefined ? undefined : u * (m.event_loops ?? 1);
  }
  const v = m[DEMAND_RESOURCES[r].field];
  return v === undefined || !Number.isFinite(v) ? undefined : v;
}

export function linearFit(pts: { x: number; u: number }[]): { a: number; b: number; se: number | null; r2: number | null; origin: boolean } | null {
  const n = pts.length;
  if (n < 2) return null;
  const mx = pts.reduce((s, p) => s + p.x, 0) / n;
  const mu = pts.reduce((s, p) => s + p.u, 0) / n;
  let sxx = 0;
  let sxu = 0;
  let suu = 0;
  for (const p of pts) {
    sxx += (p.x - mx) ** 2;
    sxu += (p.x - mx) * (p.u - mu);
    suu += (p.u - mu) ** 2;
  }
  if (!(sxx > 0)) return null;
  let b = sxu / sxx;
  let a = mu - b * mx;
  let origin = false;
  if (a < 0) {
    // U₀ cannot be negative: the line through the origin, b = Σxu / Σx².
    origin = true;
    a = 0;
    b = pts.reduce((s, p) => s + p.x * p.u, 0) / pts.reduce((s, p) => s + p.x * p.x, 0);
  }
  if (b < 0) {
    b = 0;
    a = mu;
  }
  const sse = pts.reduce((s, p) => s + (p.u - a - b * p.x) ** 2, 0);
  const dof = n - (origin ? 1 : 2);
  const se = dof > 0 ? Math.sqrt(sse / dof / (origin ? pts.reduce((s, p) => s + p.x * p.x, 0) : sxx)) : null;
  const r2 = suu > 0 ? Math.max(0, 1 - sse / suu) : null;
  return { a, b, se, r2, origin };
}

/** Demand fits for every resource measured in at least two steps with different throughputs. */
export function fitDemands(steps: StepSummary[]): DemandFit[] {
  const out: DemandFit[] = [];
  for (const r of Object.keys(DEMAND_RESOURCES) as DemandResource[]) {
    const data = steps
      .map((s) => ({ users: s.users, x: s.throughput_rps, u: stepValue(s, r) }))
      .filter((d): d is { users: number; x: number; u: number } => d.u !== undefined && d.x > 0);
    const fit = linearFit(data);
    if (!fit) continue;
    const meta = DEMAND_RESOURCES[r];
    out.push({
      resource: r,
      label: meta.label,
      unit: meta.unit,
      points: data.length,
      demand_s: fit.b,
      demand_se_s: fit.se,
      baseline: fit.a,
      r2: fit.r2,
      through_origin: fit.origin,
      data,
    });
  }
  return out;
}

/**
 * CPU the machine spent on anything but the run's own processes, per step (machine − API −
 * PostgreSQL − k6 − harness), and its median: other tenants, the kernel, daemons. It does not
 * grow with the run's throughput, so it is a baseline, not a demand.
 */
export function otherCpu(steps: StepSummary[]): { perStep: { users: number; cores: number }[]; median: number } | undefined {
  const perStep = steps
    .map((s) => {
      const machine = stepValue(s, 'machine_cpu');
      const box = stepValue(s, 'box_cpu');
      return machine === undefined || box === undefined ? undefined : { users: s.users, cores: Math.max(0, machine - box) };
    })
    .filter((v): v is { users: number; cores: number } => v !== undefined);
  if (!perStep.length) return undefined;
  const sorted = perStep.map((p) => p.cores).sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return { perStep, median: sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2 };
}
