// The demand model: predictions at any number of users from the service demands the steps
// measured (demand-fit.ts), where the steps' own throughput curve (the USL) cannot see a limit.
//
// The closed system: N users, each thinking Z (mean) between requests. A request's response time
// is its service without queueing, B (the reference step's measured mean minus the waits the model
// puts there; it holds k6's client side, the network, the event loop, the queries), plus the waits
// at the three places it can queue:
//   - a core: the machine's cores are shared by the API, PostgreSQL, k6 and everything else, a
//     G/G/c queue at the machine utilisation ρ(X) = (U₀ + D·X)/c: wait C(c, cρ)·D/(c(1−ρ))
//     (Erlang's C) × (1 + Cs²)/2 (Allen–Cunneen) on the request's CPU time D;
//   - the API's event loop (one server per API process: its busy time per request, D_el),
//   - the database pool (DB_POOL_MAX servers: connection time held per request, D_pool;
//     Seidmann's approximation for a multi-server station, stable at any N),
// with the MVA arrival theorem for the event loop and the pool (an arriving request finds the
// queue lengths of the system with one user fewer), the request in service counted by its
// residual time D·(1 + Cs²)/2. Cs² is the squared coefficient of variation of the reference step's
// response times: requests are not exponential (cache hits and misses, GC pauses), and a wait
// behind a variable service is longer than behind an exponential one by (1 + Cs²)/2
// (Pollaczek–Khinchine for one server). The event loop's and the pool's busy time per request
// are the fitted ones, not stretched by the CPU queue: their measured busy time already
// holds what the steps waited for a core, and at 4,000 users (dev data, 2026-12-01) the loop
// measured less busy time per request than the fit, not more. Throughput and the waits depend on
// each other; the fixed point X = N / (Z + R(N; X)) is found by bisection. Bounds, the user counts
// where each resource reaches 80% and 100%, bands (demands at ±2 standard errors) and p95 (the
// reference step's measured distribution scaled to B, plus the three waits, each 0 with
// probability 1 − P(wait) and exponential otherwise) all come from the same equations.
import { asymptoticBounds, seidmann, type Station } from './mva';
import { fitCacheCurve, fitDemands, fitSplit, hitsAt, otherCpu, stepValue, type CacheCurve, type DemandFit, type DemandResource, type SplitFit } from './demand-fit';
import type { StepSummary } from './step-summary';

/** Erlang's C: the probability that an arrival waits in an M/M/c queue with offered load a = cρ. */
export function erlangC(c: number, a: number): number {
  if (a <= 0) return 0;
  if (a >= c) return 1;
  // Erlang B by its stable recursion, then C = B / (1 − ρ(1 − B)).
  let b = 1;
  for (let k = 1; k <= c; k++) b = (a * b) / (k + a * b);
  const rho = a / c;
  return b / (1 - rho * (1 - b));
}

/** Mean response time of an M/M/c queue over its service time, at utilisation rho (∞ at ρ ≥ 1). */
export function cpuStretch(c: number, rho: number): number {
  if (rho <= 0) return 1;
  if (rho >= 1) return Infinity;
  return 1 + erlangC(c, c * rho) / (c * (1 - rho));
}

export interface DemandSet {
  /** machine CPU per request (cores·s) and its idle baseline (cores) — what shares the cores */
  cpu: { demand: number; baseline: number; cores: number; what: string; other?: number };
  eventLoop: { demand: number; baseline: number; loops: number } | null;
  pool: { demand: number; baseline: number; size: number } | null;
  /** the part of the reference response time outside the event loop and the pool, s (for the report) */
  rest: number;
  /**
   * reference: throughput and measured mean response time (s) of the reference step, its machine
   * utilisation on the model, and the waits the model puts at it (s), so that r − wait is the
   * service without queueing
   */
  ref: { x: number; r: number; rho: number; wait: number };
  /**
   * How variable a request's service is: the squared coefficient of variation Cs² of the reference
   * step's response times, and the factor (1 + Cs²)/2 it puts on every wait (Allen–Cunneen for the
   * cores, Pollaczek–Khinchine's residual service for the single-server queues; 1 = exponential).
   */
  variability: { scv: number; factor: number; source: string };
  /**
   * When the steps saw the cache: demands per hit and per other request, and the hit curve; then
   * the demand per request depends on the throughput (more hits at more requests per second), and
   * the `demand` figures above are those of the reference step.
   */
  cache?: {
    curve: CacheCurve;
    cpu: Split;
    eventLoop: Split | null;
    pool: Split | null;
    /** the server's own time per request (event loop busy + database time): what moves R₀ */
    service: Split | null;
  };
}

/** Seconds of a resource per cache hit and per other request. */
export interface Split {
  hit: number;
  other: number;
}

type Which = 'cpu' | 'eventLoop' | 'pool';

/** Busy units of a resource beyond its idle baseline at throughput x (cores, loops, connections). */
export function loadAt(d: DemandSet, which: Which, x: number): number {
  const split = d.cache?.[which];
  if (split && d.cache) {
    const h = hitsAt(d.cache.curve, x);
    return split.hit * h + split.other * (x - h);
  }
  const r = which === 'cpu' ? d.cpu : which === 'eventLoop' ? d.eventLoop : d.pool;
  return r ? r.demand * x : 0;
}

/** Demand per request (s) of a resource at throughput x. */
export function demandAt(d: DemandSet, which: Which, x: number): number {
  if (x > 0) return loadAt(d, which, x) / x;
  const split = d.cache?.[which];
  if (split) return split.other;
  const r = which === 'cpu' ? d.cpu : which === 'eventLoop' ? d.eventLoop : d.pool;
  return r?.demand ?? 0;
}

/** The server's own time per request at throughput x (s), when the cache split measured it. */
function serviceAt(d: DemandSet, x: number): number | null {
  const sv = d.cache?.service;
  if (!sv || !d.cache) return null;
  if (!(x > 0)) return sv.other;
  const h = hitsAt(d.cache.curve, x);
  return (sv.hit * h + sv.other * (x - h)) / x;
}

/** The reference step's response time without its modelled waits (s), never below a fifth of it. */
export function referenceService(d: DemandSet): number {
  return Math.max(0.2 * d.ref.r, d.ref.r - d.ref.wait);
}

/**
 * The response time without queueing at throughput x: the reference step's, moved by how much the
 * server's own time per request changes with the share of cache hits (never below a fifth of it)
 * — only up to the reference step's throughput. Beyond it B stays the reference's: the measured
 * server time per request stops falling there (dev data, 2026-12-01 21:32 UTC: event loop + database
 * time 0.79 ms per request at 2,000 users, 0.94 at 4,000, with the hit share 79 → 82 %), while the
 * fitted hit curve, extrapolated, kept lowering it (B 1.03 → 0.51 ms).
 */
export function baseResponseAt(d: DemandSet, x: number): number {
  const b = referenceService(d);
  const now = serviceAt(d, Math.min(x, d.ref.x));
  const then = serviceAt(d, d.ref.x);
  if (now === null || then === null) return b;
  return Math.max(0.2 * b, b + now - then);
}

/** One wait of a request: 0 with probability 1 − p, otherwise exponential with mean `mean` (s). */
export interface WaitPart {
  name: string;
  p: number;
  mean: number;
}

/**
 * The wait for a core at utilisation ρ for a request of CPU time `demand` (s): P(wait) is Erlang's C
 * of the M/M/c queue, and the mean given a wait D/(c(1 − ρ)) times `factor` = (Ca² + Cs²)/2 with
 * Ca² = 1 (Allen–Cunneen's G/G/c approximation; factor 1 is M/M/c exactly).
 */
export function cpuWait(cores: number, rho: number, demand: number, factor = 1): { p: number; mean: number } {
  if (!(demand > 0) || rho <= 0) return { p: 0, mean: 0 };
  if (rho >= 1) return { p: 1, mean: Infinity };
  return { p: erlangC(cores, cores * rho), mean: (factor * demand) / (cores * (1 - rho)) };
}

/** A step's response times from its p0…p100: one value per percentile interval, at its midpoint. */
function percentileMidpoints(q: number[]): number[] {
  return q.slice(1).map((v, i) => (v + q[i]!) / 2);
}

/**
 * The squared coefficient of variation of a step's response times (failures included): exact
 * from its samples' standard deviation, or, for steps recorded before that was kept, from its
 * p0…p100 (each percentile interval at its midpoint). Null when neither was recorded.
 */
export function responseScv(s: Pick<StepSummary, 'latency_ms' | 'latency_quantiles_ms'>): { scv: number; source: string } | null {
  const m = s.latency_ms.avg;
  if (!(m > 0)) return null;
  if (s.latency_ms.sd !== undefined) return { scv: (s.latency_ms.sd / m) ** 2, source: 'its samples' };
  const q = s.latency_quantiles_ms;
  if (!q || q.length < 3) return null;
  const mids = percentileMidpoints(q);
  const mean = mids.reduce((a, v) => a + v, 0) / mids.length;
  const variance = mids.reduce((a, v) => a + (v - mean) ** 2, 0) / mids.length;
  return mean > 0 ? { scv: variance / mean ** 2, source: 'its p0…p100 (midpoints)' } : null;
}

export interface ModelPoint {
  users: number;
  x: number;
  r_ms: number;
  /** machine utilisation ρ (0–1); stretch = (B + wait for a core) / B, the CPU queue's factor on the service */
  rho: number;
  stretch: number;
  /** mean queueing wait (R − B: a core, the event loop, the pool), ms */
  wait_ms: number;
  /** the service without queueing B (ms) and the waits, for the response-time distribution */
  base_ms: number;
  waits: WaitPart[];
  stations: { name: string; residence_ms: number; utilization: number }[];
}

interface Queue {
  name: string;
  servers: number;
  /** the single-server queue part of the station (Seidmann: demand / servers) at throughput x */
  demandAt: (x: number) => number;
}

/**
 * The queues of the model. Each contributes only its waiting time to the response time: the
 * service itself is inside the measured reference response time R₀ (which also holds what runs in
 * parallel, e.g. a request's concurrent queries on several pool connections). A c-server station
 * is Seidmann's single server of demand D/c (its delay part is inside R₀).
 */
function queues(d: DemandSet): Queue[] {
  const out: Queue[] = [];
  // what the idle baseline U₀ keeps busy is not there for requests: c − U₀ servers are left
  const free = (c: number, u0: number) => Math.max(1e-9, c - Math.max(0, u0));
  if (d.eventLoop) {
    const c = d.eventLoop.loops;
    const cf = free(c, d.eventLoop.baseline);
    out.push({ name: c > 1 ? 'API event loop (queue)' : 'API event loop', servers: c, demandAt: (x) => demandAt(d, 'eventLoop', x) / cf });
  }
  if (d.pool) {
    const c = d.pool.size;
    const cf = free(c, d.pool.baseline);
    out.push({ name: 'database pool (queue)', servers: c, demandAt: (x) => demandAt(d, 'pool', x) / cf });
  }
  return out;
}

export const rhoAt = (d: DemandSet, x: number) => (d.cpu.baseline + loadAt(d, 'cpu', x)) / d.cpu.cores;

/** Throughput at which the CPU runs out (utilisation 1), by bisection on the load curve. */
function cpuLimit(d: DemandSet): number {
  if (d.cpu.cores - d.cpu.baseline <= 0) return 0;
  if (!d.cache) return d.cpu.demand > 0 ? (d.cpu.cores - d.cpu.baseline) / d.cpu.demand : Infinity;
  let hi = 1;
  while (rhoAt(d, hi) < 1 && hi < 1e9) hi *= 2;
  if (rhoAt(d, hi) < 1) return Infinity;
  let lo = 0;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (rhoAt(d, mid) < 1) lo = mid;
    else hi = mid;
  }
  return lo;
}

export interface ModelCurve {
  /** x[n], r[n] (s), stretch[n] for n = 1 … nMax (index 0 unused) */
  x: Float64Array;
  r: Float64Array;
  stretch: Float64Array;
  /** service without queueing B (s), the wait for a core: P(wait) and mean given a wait (s) */
  base: Float64Array;
  cpuP: Float64Array;
  cpuMean: Float64Array;
  /** per queue (event loop, pool): mean wait (s) and utilisation of its single-server part */
  queues: { name: string; wait: Float64Array; util: Float64Array }[];
}

/**
 * The model from 1 to nMax users in one pass of the MVA recursion. At each population n the
 * event-loop and pool waits use the queue lengths of n − 1 (MVA), and every demand and the wait
 * for a core are taken at the throughput X(n) itself (with the cache the demand per request
 * depends on it): X(n) = n / (Z + B(X) + W_cpu(X) + Σ Dₖ(X)·Qₖ(n−1)), a one-dimensional fixed
 * point solved by bisection (the response time grows with X, so the root is unique).
 */
export function modelCurve(d: DemandSet, nMax: number, thinkS: number): ModelCurve {
  const st = queues(d);
  const k = st.length;
  const q = new Float64Array(k);
  const x = new Float64Array(nMax + 1);
  const r = new Float64Array(nMax + 1);
  const stretch = new Float64Array(nMax + 1);
  const base = new Float64Array(nMax + 1);
  const cpuP = new Float64Array(nMax + 1);
  const cpuMean = new Float64Array(nMax + 1);
  const qs = st.map((qq) => ({ name: qq.name, wait: new Float64Array(nMax + 1), util: new Float64Array(nMax + 1) }));
  const xCpu = cpuLimit(d);
  const f = d.variability.factor;
  const u = new Float64Array(k);
  const cpuAt = (xx: number) => cpuWait(d.cpu.cores, rhoAt(d, xx), demandAt(d, 'cpu', xx), f);
  // An arriving request waits for the Qₖ(n−1) − Uₖ(n−1) queued before it (a full service each) and
  // for the residual of the one in service, Dₖ·(1 + Cs²)/2 with probability Uₖ(n−1): MVA's arrival
  // theorem with residual service (for Cs² = 1 it is Dₖ·Qₖ(n−1); in an open queue it gives
  // Pollaczek–Khinchine's mean wait).
  const queueWait = (dd: number, i: number) => dd * (q[i]! - u[i]!) + dd * u[i]! * f;
  // R(n; X) = B(X) + W_cpu(X) + Σ queue waits
  const total = (xx: number) => {
    const c = cpuAt(xx);
    let t = baseResponseAt(d, xx) + c.p * c.mean;
    for (let i = 0; i < k; i++) t += queueWait(st[i]!.demandAt(xx), i);
    return t;
  };
  for (let n = 1; n <= nMax; n++) {
    let lo = 0;
    let hi = Math.min(thinkS > 0 ? n / thinkS : Infinity, xCpu);
    if (!Number.isFinite(hi)) hi = n / Math.max(total(0), 1e-12);
    for (let it = 0; it < 40; it++) {
      const mid = (lo + hi) / 2;
      const t = total(mid);
      if (Number.isFinite(t) && n / (thinkS + t) > mid) lo = mid;
      else hi = mid;
    }
    const rt = total(lo);
    const xn = n / (thinkS + rt);
    const b0 = baseResponseAt(d, lo);
    const c = cpuAt(lo);
    const dem = st.map((qq) => qq.demandAt(xn));
    const waits = dem.map((dd, i) => queueWait(dd, i));
    for (let i = 0; i < k; i++) {
      qs[i]!.wait[n] = waits[i]!;
      qs[i]!.util[n] = Math.min(1, xn * dem[i]!);
      q[i] = xn * (dem[i]! + waits[i]!);
      u[i] = Math.min(1, xn * dem[i]!);
    }
    x[n] = xn;
    r[n] = rt;
    base[n] = b0;
    cpuP[n] = c.p;
    cpuMean[n] = c.mean;
    stretch[n] = b0 > 0 ? (b0 + c.p * c.mean) / b0 : 1;
  }
  return { x, r, stretch, base, cpuP, cpuMean, queues: qs };
}

/** The model point at population n of a curve that reaches it. */
export function pointOnCurve(d: DemandSet, c: ModelCurve, n: number): ModelPoint {
  const x = c.x[n]!;
  const cpuW = c.cpuP[n]! * c.cpuMean[n]!;
  const waits: WaitPart[] = [
    { name: 'a core', p: c.cpuP[n]!, mean: c.cpuMean[n]! },
    // a single-server queue's arrival waits with probability ≈ its utilisation
    ...c.queues.map((qq) => ({ name: qq.name, p: qq.util[n]!, mean: qq.util[n]! > 0 ? qq.wait[n]! / qq.util[n]! : 0 })),
  ];
  return {
    users: n,
    x,
    r_ms: c.r[n]! * 1000,
    rho: rhoAt(d, x),
    stretch: c.stretch[n]!,
    wait_ms: Math.max(0, c.r[n]! - c.base[n]!) * 1000,
    base_ms: c.base[n]! * 1000,
    waits,
    stations: [
      { name: 'service without queueing (B)', residence_ms: c.base[n]! * 1000, utilization: 0 },
      { name: "wait for a core (the machine's CPU, G/G/c)", residence_ms: cpuW * 1000, utilization: Math.min(1, rhoAt(d, x)) },
      ...c.queues.map((qq) => ({ name: `wait for ${qq.name}`, residence_ms: qq.wait[n]! * 1000, utilization: qq.util[n]! })),
    ],
  };
}

/** The model at `users`. */
export function solveAt(d: DemandSet, users: number, thinkS: number): ModelPoint {
  return pointOnCurve(d, modelCurve(d, users, thinkS), users);
}

export interface Saturation {
  resource: string;
  capacity: string;
  /** throughput where it reaches 80% / 100% of its capacity, req/s */
  x80: number;
  x100: number;
  /** users where the model puts it at 80% (null beyond the curve), and the knee N* where it saturates */
  users80: number | null;
  users100: number;
}

/**
 * Throughput at which a resource reaches `share` of its capacity, by the Utilization Law on its
 * fitted busy time: U₀ + D·X (with the cache, D depends on X). The event loop's and the pool's
 * busy time as measured already hold their waits for a core at the steps (see the top of the file).
 */
function xAtShare(d: DemandSet, which: Which, share: number): number {
  const limit = cpuLimit(d);
  if (which === 'cpu') {
    if (!d.cache) return d.cpu.demand > 0 ? Math.max(0, (share * d.cpu.cores - d.cpu.baseline) / d.cpu.demand) : Infinity;
    if (!Number.isFinite(limit)) return Infinity;
    if (share >= 1) return limit;
    let lo = 0;
    let hi = limit;
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      if (rhoAt(d, mid) < share) lo = mid;
      else hi = mid;
    }
    return lo;
  }
  const r = which === 'eventLoop' ? (d.eventLoop ? { baseline: d.eventLoop.baseline, cap: d.eventLoop.loops } : null) : d.pool ? { baseline: d.pool.baseline, cap: d.pool.size } : null;
  if (!r || !(demandAt(d, which, limit > 0 && Number.isFinite(limit) ? limit : 1) > 0)) return Infinity;
  const u = (x: number) => r.baseline + loadAt(d, which, x);
  const top = Number.isFinite(limit) ? limit : 1e7;
  if (u(top * (1 - 1e-9)) < share * r.cap) return Infinity; // the cores run out first
  let lo = 0;
  let hi = top;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (u(mid) < share * r.cap) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Smallest n on the curve whose throughput reaches x, or null. */
export function usersOnCurve(c: ModelCurve, x: number): number | null {
  for (let n = 1; n < c.x.length; n++) if (c.x[n]! >= x) return n;
  return null;
}

export function saturations(d: DemandSet, thinkS: number, curve: ModelCurve): Saturation[] {
  const list: { key: 'cpu' | 'eventLoop' | 'pool'; name: string; capacity: string }[] = [{ key: 'cpu', name: d.cpu.what, capacity: `${d.cpu.cores} cores` }];
  if (d.eventLoop) list.push({ key: 'eventLoop', name: "the API's event loop", capacity: `${d.eventLoop.loops} loop${d.eventLoop.loops > 1 ? 's' : ''}` });
  if (d.pool) list.push({ key: 'pool', name: 'the database pool', capacity: `${d.pool.size} connections` });
  const cycle = thinkS + d.ref.r;
  // (the knee N* uses the reference response time: at N* the queues have not yet formed)
  const out: Saturation[] = [];
  for (const r of list) {
    const x100 = xAtShare(d, r.key, 1);
    if (!Number.isFinite(x100)) continue;
    const x80 = xAtShare(d, r.key, 0.8);
    out.push({ resource: r.name, capacity: r.capacity, x80, x100, users80: usersOnCurve(curve, x80), users100: x100 * cycle });
  }
  return out.sort((a, b) => a.x100 - b.x100);
}

export { xAtShare };

/**
 * P(W₁ + … + Wₖ > t) for independent waits, each 0 with probability 1 − pᵢ and exponential with
 * mean mᵢ otherwise: a mixture, over which waits happen, of hypoexponential tails
 * Σᵢ (Πⱼ≠ᵢ λⱼ/(λⱼ − λᵢ)) e^(−λᵢt). Rates closer than 2% are moved apart to 2% (the tail changes
 * by less than that).
 */
export function waitTail(waits: { p: number; mean: number }[], t: number): number {
  const parts = waits.filter((w) => w.p > 0 && w.mean > 0);
  if (t <= 0) return parts.length ? 1 - parts.reduce((a, w) => a * (1 - Math.min(1, w.p)), 1) : 0;
  let total = 0;
  for (let mask = 1; mask < 1 << parts.length; mask++) {
    let prob = 1;
    const rates: number[] = [];
    parts.forEach((w, i) => {
      const on = (mask >> i) & 1;
      prob *= on ? Math.min(1, w.p) : 1 - Math.min(1, w.p);
      if (on) rates.push(1 / w.mean);
    });
    if (prob <= 0) continue;
    rates.sort((a, b) => a - b);
    for (let i = 1; i < rates.length; i++) if (rates[i]! < rates[i - 1]! * 1.02) rates[i] = rates[i - 1]! * 1.02;
    let tail = 0;
    for (let i = 0; i < rates.length; i++) {
      let coef = 1;
      for (let j = 0; j < rates.length; j++) if (j !== i) coef *= rates[j]! / (rates[j]! - rates[i]!);
      tail += coef * Math.exp(-rates[i]! * t);
    }
    total += prob * Math.min(1, Math.max(0, tail));
  }
  return Math.min(1, total);
}

/**
 * A quantile (default p95) of the predicted response time: the reference step's measured
 * distribution (its p0…p100) scaled so that its mean is the service without queueing B, plus the
 * waits (a core, the event loop, the pool; means in s), each 0 with probability 1 − P(wait) and
 * exponential otherwise.
 */
export function responseQuantile(quantilesMs: number[], baseMs: number, waits: { p: number; mean: number }[], p = 0.95): number {
  const raw = percentileMidpoints(quantilesMs);
  if (!raw.length) return Number.NaN;
  const rawMean = raw.reduce((a, v) => a + v, 0) / raw.length;
  const mids = raw.map((v) => (rawMean > 0 ? (v * baseMs) / rawMean : v));
  const ws = waits.map((w) => ({ p: w.p, mean: w.mean * 1000 })).filter((w) => w.p > 1e-9 && w.mean > 1e-9);
  if (ws.some((w) => !Number.isFinite(w.mean))) return Infinity;
  if (!ws.length) {
    const sorted = [...mids].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  }
  const cdf = (t: number) => mids.reduce((a, m) => a + (t < m ? 0 : 1 - waitTail(ws, t - m)), 0) / mids.length;
  let lo = 0;
  let hi = Math.max(...mids) + 40 * ws.reduce((a, w) => a + w.mean, 0);
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The p95 at a model point, from the reference step's distribution (see responseQuantile). */
export function p95At(quantilesMs: number[], pt: Pick<ModelPoint, 'base_ms' | 'waits'>): number {
  return responseQuantile(quantilesMs, pt.base_ms, pt.waits);
}

export interface DemandSetOptions {
  /** what-if: API and PostgreSQL on a box of this many cores, the generator elsewhere */
  cores?: number;
  /** leave the cache split out (constant demands per request), for comparison */
  noCache?: boolean;
}

export type DemandSetOutcome = { ok: true; demands: DemandSet; fits: DemandFit[]; assumptions: string[] } | { ok: false; reason: string; fits: DemandFit[] };

const fitOf = (fits: DemandFit[], r: DemandResource) => fits.find((f) => f.resource === r);

/**
 * The demand set from the steps, at their fitted values shifted by `k` standard errors (k = 0 the
 * fit, ±2 the band). What-if cores: only the API's and PostgreSQL's CPU share the N cores.
 */
export function demandSetFrom(steps: StepSummary[], o: DemandSetOptions = {}, k = 0): DemandSetOutcome {
  const withRes = steps.filter((s) => s.resources && s.requests > 0 && s.throughput_rps > 0);
  const fits = fitDemands(withRes);
  if (steps.length && !steps.some((s) => s.resources)) {
    return { ok: false, fits, reason: 'the steps carry no resource measurements (recorded before loadlab sampled resources), so no service demand can be computed' };
  }
  const distinct = new Set(withRes.map((s) => s.users)).size;
  if (distinct < 2) {
    return { ok: false, fits, reason: `service demands need at least 2 steps with resource measurements and completed requests (got ${distinct}): one step cannot separate the idle baseline from the per-request demand` };
  }
  const shift = (f: DemandFit | undefined) => (f ? Math.max(0, f.demand_s + k * (f.demand_se_s ?? 0)) : 0);
  const machine = fitOf(fits, 'machine_cpu');
  const box = fitOf(fits, 'box_cpu');
  const other = otherCpu(withRes);
  const api = fitOf(fits, 'api_cpu');
  const pgCpu = fitOf(fits, 'postgres_cpu');
  const el = fitOf(fits, 'event_loop');
  const pool = fitOf(fits, 'pool');
  const cores = withRes[0]!.resources!.cores;
  const lowest = referenceStep(withRes);
  const assumptions: string[] = [];
  let cpu: DemandSet['cpu'];
  if (o.cores !== undefined) {
    if (!api || !pgCpu) return { ok: false, fits, reason: `--cores needs the API's and PostgreSQL's own CPU per step, and the steps have ${!api ? "no API CPU" : 'no PostgreSQL CPU'} (a --target or remote database is not visible as a process)` };
    cpu = { demand: shift(api) + shift(pgCpu), baseline: api.baseline + pgCpu.baseline, cores: o.cores, what: `the server's CPU (${o.cores} cores)` };
    assumptions.push(
      `what-if ${o.cores} cores: the API and PostgreSQL run on a box of ${o.cores} cores with the load generator elsewhere; their CPU per request and idle baselines are the ones measured here (same core speed); one API process (one event loop) and the same pool; the rest of the request (client, network) as measured here`,
    );
  } else if (box && other) {
    // The run's own processes give the demand; what else the machine did is a baseline (its median).
    cpu = { demand: shift(box), baseline: box.baseline + other.median, cores, what: "the machine's CPU", other: other.median };
    assumptions.push(
      `CPU demand from the run's own processes (API + PostgreSQL + k6 + harness: ${(1000 * box.demand_s).toFixed(2)} core-ms per request); the rest of the machine's CPU (median ${other.median.toFixed(2)} cores over the steps) is treated as a constant baseline`,
    );
  } else if (machine) {
    cpu = { demand: shift(machine), baseline: machine.baseline, cores, what: "the machine's CPU" };
  } else if (api) {
    cpu = { demand: shift(api), baseline: api.baseline, cores, what: "the API's CPU" };
    assumptions.push("the machine's CPU was not measured: the API's own CPU stands for it (anything else on the box is not counted)");
  } else {
    return { ok: false, fits, reason: 'no CPU figure in any step (neither the machine nor the API process could be sampled): no demand model' };
  }
  const refX = lowest.throughput_rps;
  const loops = Math.max(1, Math.round(lowest.resources!.mean.event_loops ?? 1));
  const poolSize = lowest.resources!.mean.pool_max;
  const elSet = el ? { demand: shift(el), baseline: el.baseline, loops } : null;
  const poolSet = pool && poolSize ? { demand: shift(pool), baseline: pool.baseline, size: Math.round(poolSize) } : null;
  if (!elSet) assumptions.push('the API reported no event-loop figures: the event loop is not modelled');
  if (!poolSet) assumptions.push('the API reported no pool figures: the database pool is not modelled');
  const refR = lowest.latency_ms.avg / 1000;
  const scv = responseScv(lowest);
  const variability = scv
    ? { scv: scv.scv, factor: (1 + scv.scv) / 2, source: `the reference step's response times (${lowest.users} users), from ${scv.source}` }
    : { scv: 1, factor: 1, source: 'not recorded for the reference step: exponential service assumed (Cs² = 1)' };
  assumptions.push(
    `service variability: Cs² = ${variability.scv.toFixed(2)} from ${variability.source}; every wait is multiplied by (1 + Cs²)/2 = ${variability.factor.toFixed(2)} (Allen–Cunneen for the cores, residual service for the event loop and the pool)`,
  );
  const demands: DemandSet = { cpu, eventLoop: elSet, pool: poolSet, rest: 0, ref: { x: refX, r: refR, rho: 0, wait: 0 }, variability };
  const cache = o.noCache ? null : cacheModel(withRes, o, k, other?.median ?? 0);
  if (cache) {
    demands.cache = cache.model;
    cpu.baseline = cache.cpuBaseline;
    if (elSet && cache.elBaseline !== null) elSet.baseline = cache.elBaseline;
    if (poolSet && cache.poolBaseline !== null) poolSet.baseline = cache.poolBaseline;
    // the per-request figures reported are those at the reference step
    cpu.demand = demandAt(demands, 'cpu', refX);
    if (elSet) elSet.demand = demandAt(demands, 'eventLoop', refX);
    if (poolSet) poolSet.demand = demandAt(demands, 'pool', refX);
    const c = cache.model.curve;
    assumptions.push(
      `the cache: demands split into cache hits and other requests (U = U₀ + D_hit·X_hit + D_other·X_other over ${c.points} steps); hits at any throughput from a TTL-cache curve fitted to the steps' misses ` +
        `(misses = p·L/(1+a·L) + q·L/(1+b·L), L = ${(100 * c.lookup_share).toFixed(0)}% of requests looked up; worst misfit ${(100 * c.max_rel_error).toFixed(0)}% at a step), so the demand per request falls as the hit share grows`,
    );
  }
  demands.rest = Math.max(0, refR - (elSet?.demand ?? 0) - (poolSet?.demand ?? 0));
  demands.ref.rho = Math.min(0.999, rhoAt(demands, refX));
  // The waits at the reference step come from the machine the steps ran on, also for a what-if.
  if (o.cores === undefined) demands.ref.wait = Math.min(refR, openWaitsAt(demands, refX));
  else {
    const measured = demandSetFrom(steps, { noCache: o.noCache }, k);
    demands.ref.wait = measured.ok ? measured.demands.ref.wait : 0;
  }
  return { ok: true, demands, fits, assumptions };
}

/**
 * The mean wait (s) the model puts at throughput x with the queues as open ones (a core:
 * Allen–Cunneen's G/G/c; the event loop and the pool: M/G/1 on their single-server parts); for the reference step, whose
 * utilisations are low, so that its measured mean minus these is the service without queueing.
 */
function openWaitsAt(d: DemandSet, x: number): number {
  const f = d.variability.factor;
  const c = cpuWait(d.cpu.cores, Math.min(0.999, rhoAt(d, x)), demandAt(d, 'cpu', x), f);
  let w = c.p * c.mean;
  for (const q of queues(d)) {
    const dd = q.demandAt(x);
    const u = Math.min(0.999, x * dd);
    w += (f * u * dd) / (1 - u); // Pollaczek–Khinchine
  }
  return Number.isFinite(w) ? w : 0;
}

/** The split demands and the hit curve, when the steps saw the cache at different hit shares. */
function cacheModel(steps: StepSummary[], o: DemandSetOptions, k: number, otherMedian: number) {
  const curve = fitCacheCurve(steps);
  if (!curve) return null;
  const sp = (f: SplitFit | null): Split | null => (f ? { hit: Math.max(0, f.hit_s + k * (f.hit_se_s ?? 0)), other: Math.max(0, f.other_s + k * (f.other_se_s ?? 0)) } : null);
  const sum = (a: Split | null, b: Split | null): Split | null => (a && b ? { hit: a.hit + b.hit, other: a.other + b.other } : null);
  let cpu: Split | null;
  let cpuBaseline: number;
  if (o.cores !== undefined) {
    const api = fitSplit(steps, 'api_cpu');
    const pg = fitSplit(steps, 'postgres_cpu');
    cpu = sum(sp(api), sp(pg));
    cpuBaseline = (api?.baseline ?? 0) + (pg?.baseline ?? 0);
  } else {
    const box = fitSplit(steps, 'box_cpu');
    const machine = box ? null : fitSplit(steps, 'machine_cpu');
    cpu = sp(box ?? machine);
    cpuBaseline = box ? box.baseline + otherMedian : (machine?.baseline ?? 0);
  }
  if (!cpu) return null;
  const el = fitSplit(steps, 'event_loop');
  const pool = fitSplit(steps, 'pool');
  const db = fitSplit(steps, 'db_time');
  return {
    model: { curve, cpu, eventLoop: sp(el), pool: sp(pool), service: el && db ? sum(sp(el), sp(db)) : null },
    cpuBaseline,
    elBaseline: el?.baseline ?? null,
    poolBaseline: pool?.baseline ?? null,
  };
}

/**
 * The step the service without queueing is measured at: the largest measured step (the steps
 * passed in are the unsaturated ones) whose mean is at most twice the fastest step's. Its cache
 * hit share, data and warm JIT are the nearest to a larger target, and the model takes its own
 * waits there out of its mean; the fastest step (a minimum over noisy steps) would bias the
 * service low, and a step past the knee (a mean many times the fastest) is mostly queue.
 */
export function referenceStep(steps: StepSummary[]): StepSummary {
  const fastest = Math.min(...steps.map((s) => s.latency_ms.avg));
  const calm = steps.filter((s) => s.latency_ms.avg <= REFERENCE_MAX_SLOWDOWN * fastest);
  return calm.reduce((a, b) => (b.users > a.users || (b.users === a.users && b.throughput_rps > a.throughput_rps) ? b : a));
}

/** A step whose mean is more than this many times the fastest step's is past the knee: not the reference. */
export const REFERENCE_MAX_SLOWDOWN = 2;

/** Utilisation a step measured on the model's bottleneck resource, as a share of its capacity. */
export function measuredShare(s: StepSummary, resource: string, d: DemandSet): number | undefined {
  if (resource === d.cpu.what) {
    // as the model counts it: the run's own processes plus the median of the rest of the machine
    // (one busy second of another tenant in a small step is not evidence about the run)
    const box = d.cpu.other !== undefined ? stepValue(s, 'box_cpu') : undefined;
    const v = box !== undefined ? box + d.cpu.other! : stepValue(s, 'machine_cpu');
    return v === undefined ? undefined : v / d.cpu.cores;
  }
  if (resource === "the API's event loop") {
    const v = stepValue(s, 'event_loop');
    return v === undefined || !d.eventLoop ? undefined : v / d.eventLoop.loops;
  }
  if (resource === 'the database pool') {
    const v = stepValue(s, 'pool');
    return v === undefined || !d.pool ? undefined : v / d.pool.size;
  }
  return undefined;
}

export { asymptoticBounds };
