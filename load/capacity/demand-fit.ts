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

/**
 * The server's read-through cache makes the demand per request fall as throughput grows: with a
 * TTL, a key asked for λ times a second is a hit with probability λT/(1+λT), so the busier the
 * steps, the larger the share of hits (cheap) against misses and uncached writes (expensive). When
 * the steps report cache hits and misses, each resource is fitted as U = U₀ + D_hit·X_hit +
 * D_other·X_other (X_other = every request that was not a hit) and the hit rate at any throughput
 * comes from a TTL-cache curve fitted to the steps (below).
 */
export interface SplitFit {
  resource: DemandResource;
  baseline: number;
  /** seconds of the resource per cache hit, and per other request */
  hit_s: number;
  other_s: number;
  hit_se_s: number | null;
  other_se_s: number | null;
  r2: number | null;
  points: number;
}

/** Hits and other requests per second of a step, when its server reported cache figures. */
export function cacheSplit(s: StepSummary): { x: number; hits: number; misses: number } | undefined {
  const m = s.resources?.mean;
  const hits = m?.cache_hits_rps;
  const misses = m?.cache_misses_rps;
  if (hits === undefined || misses === undefined || !Number.isFinite(hits) || !Number.isFinite(misses) || !(s.throughput_rps > 0)) return undefined;
  return { x: s.throughput_rps, hits: Math.min(hits, s.throughput_rps), misses };
}

/** Solve a small symmetric system by Gaussian elimination with pivoting; null when singular. */
function solve(a: number[][], b: number[]): number[] | null {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let i = 0; i < n; i++) {
    let p = i;
    for (let r = i + 1; r < n; r++) if (Math.abs(m[r]![i]!) > Math.abs(m[p]![i]!)) p = r;
    if (Math.abs(m[p]![i]!) < 1e-15) return null;
    [m[i], m[p]] = [m[p]!, m[i]!];
    for (let r = 0; r < n; r++) {
      if (r === i) continue;
      const f = m[r]![i]! / m[i]![i]!;
      for (let c = i; c <= n; c++) m[r]![c]! -= f * m[i]![c]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

/** Least squares u ≈ Σ βⱼ·colⱼ with standard errors (columns include the intercept if wanted). */
function leastSquares(cols: number[][], u: number[]): { beta: number[]; se: (number | null)[]; sse: number } | null {
  const k = cols.length;
  const n = u.length;
  const xtx = cols.map((ci) => cols.map((cj) => ci.reduce((s, v, t) => s + v * cj[t]!, 0)));
  const xtu = cols.map((ci) => ci.reduce((s, v, t) => s + v * u[t]!, 0));
  const beta = solve(xtx, xtu);
  if (!beta) return null;
  const sse = u.reduce((s, v, t) => s + (v - cols.reduce((a, c, j) => a + beta[j]! * c[t]!, 0)) ** 2, 0);
  const dof = n - k;
  const se = cols.map((_, j) => {
    if (dof <= 0) return null;
    const e = solve(xtx, cols.map((__, i) => (i === j ? 1 : 0)));
    return e && e[j]! >= 0 ? Math.sqrt((sse / dof) * e[j]!) : null;
  });
  return { beta, se, sse };
}

/**
 * U = U₀ + D_hit·X_hit + D_other·X_other over the steps. Negative coefficients are not demands:
 * a negative baseline refits through the origin, a negative demand drops that term (its demand 0).
 */
export function fitSplit(steps: StepSummary[], r: DemandResource): SplitFit | null {
  const data = steps
    .map((s) => ({ c: cacheSplit(s), u: stepValue(s, r) }))
    .filter((d): d is { c: { x: number; hits: number; misses: number }; u: number } => d.c !== undefined && d.u !== undefined);
  if (data.length < 4) return null;
  const u = data.map((d) => d.u);
  const hit = data.map((d) => d.c.hits);
  const other = data.map((d) => d.c.x - d.c.hits);
  const one = data.map(() => 1);
  const terms: { name: 'u0' | 'hit' | 'other'; col: number[] }[] = [
    { name: 'u0', col: one },
    { name: 'hit', col: hit },
    { name: 'other', col: other },
  ];
  for (let attempt = 0; attempt < 3; attempt++) {
    const f = leastSquares(terms.map((t) => t.col), u);
    if (!f) return null;
    const neg = f.beta.findIndex((b) => b < 0);
    if (neg >= 0 && terms.length > 1) {
      terms.splice(neg, 1);
      continue;
    }
    const get = (name: string) => {
      const i = terms.findIndex((t) => t.name === name);
      return i < 0 ? { v: 0, se: 0 } : { v: f.beta[i]!, se: f.se[i] ?? null };
    };
    const mu = u.reduce((a, v) => a + v, 0) / u.length;
    const suu = u.reduce((a, v) => a + (v - mu) ** 2, 0);
    const h = get('hit');
    const o = get('other');
    return { resource: r, baseline: get('u0').v, hit_s: h.v, other_s: o.v, hit_se_s: h.se, other_se_s: o.se, r2: suu > 0 ? Math.max(0, 1 - f.sse / suu) : null, points: data.length };
  }
  return null;
}

/**
 * Cache misses per second against cache lookups per second, L: two classes of keys, each a TTL
 * cache's λT/(1+λT) law aggregated — m(L) = p·L/(1+a·L) + q·L/(1+b·L) (a: hot keys, few, hit
 * early; b ≪ a: the long tail, mostly missing). Fitted to the steps in relative terms (a and b on
 * a log grid, p and q by least squares). Lookups are a fixed share of requests (the cacheable
 * routes of the mix).
 */
export interface CacheCurve {
  lookup_share: number;
  p: number;
  a: number;
  q: number;
  b: number;
  /** worst relative misfit of the misses at a step */
  max_rel_error: number;
  points: number;
}

export function fitCacheCurve(steps: StepSummary[]): CacheCurve | null {
  const pts = steps.map(cacheSplit).filter((c): c is { x: number; hits: number; misses: number } => c !== undefined && c.hits + c.misses > 0 && c.misses > 0);
  if (pts.length < 4) return null;
  const shares = pts.map((c) => (c.hits + c.misses) / c.x);
  const hitShares = pts.map((c) => c.hits / c.x);
  // The curve needs steps whose hit share differs: otherwise the cache is no part of the story.
  if (Math.max(...hitShares) - Math.min(...hitShares) < 0.1) return null;
  const lookupShare = shares.reduce((a, v) => a + v, 0) / shares.length;
  const L = pts.map((c) => c.hits + c.misses);
  const M = pts.map((c) => c.misses);
  let best: { sse: number; p: number; a: number; q: number; b: number } | null = null;
  const grid = Array.from({ length: 141 }, (_, i) => 10 ** (-6 + i / 20));
  for (const a of grid) {
    for (const b of grid) {
      if (b >= a) break;
      const f1 = L.map((l) => l / (1 + a * l));
      const f2 = L.map((l) => l / (1 + b * l));
      const w = M.map((m) => 1 / m);
      let s11 = 0, s22 = 0, s12 = 0, t1 = 0, t2 = 0;
      for (let i = 0; i < L.length; i++) {
        const x1 = f1[i]! * w[i]!;
        const x2 = f2[i]! * w[i]!;
        const y = M[i]! * w[i]!;
        s11 += x1 * x1;
        s22 += x2 * x2;
        s12 += x1 * x2;
        t1 += x1 * y;
        t2 += x2 * y;
      }
      const det = s11 * s22 - s12 * s12;
      if (Math.abs(det) < 1e-30) continue;
      const p = (t1 * s22 - t2 * s12) / det;
      const q = (s11 * t2 - s12 * t1) / det;
      if (p < 0 || q < 0) continue;
      let sse = 0;
      for (let i = 0; i < L.length; i++) sse += ((p * f1[i]! + q * f2[i]! - M[i]!) / M[i]!) ** 2;
      if (!best || sse < best.sse) best = { sse, p, a, q, b };
    }
  }
  if (!best) return null;
  const c = { lookup_share: lookupShare, p: best.p, a: best.a, q: best.q, b: best.b, max_rel_error: 0, points: pts.length };
  c.max_rel_error = Math.max(...L.map((l, i) => Math.abs(missesAt(c, l) - M[i]!) / M[i]!));
  return c;
}

/** Misses per second at `lookups` per second on the fitted curve. */
export function missesAt(c: Pick<CacheCurve, 'p' | 'a' | 'q' | 'b'>, lookups: number): number {
  return (c.p * lookups) / (1 + c.a * lookups) + (c.q * lookups) / (1 + c.b * lookups);
}

/** Cache hits per second at throughput x (never below 0 nor above the lookups). */
export function hitsAt(c: CacheCurve, x: number): number {
  const l = c.lookup_share * x;
  return Math.min(l, Math.max(0, l - missesAt(c, l)));
}
