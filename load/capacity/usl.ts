// The Universal Scalability Law, X(N) = λN / (1 + σ(N−1) + κN(N−1)), fitted to measured
// (users, throughput) steps by bounded nonlinear least squares (ml-levenberg-marquardt), with a
// bootstrap band and Little's-law response times. Inputs that cannot carry a fit (too few
// steps, flat throughput, every step past the peak, non-finite numbers) give a message, never NaN.
import { levenbergMarquardt } from 'ml-levenberg-marquardt';
import { percentile } from '../results/stats';

export const MIN_FIT_POINTS = 6;

export interface CapacityPoint {
  /** concurrent users */
  n: number;
  /** throughput, requests/s */
  x: number;
}

export interface UslParams {
  lambda: number;
  sigma: number;
  kappa: number;
}

export interface UslFit extends UslParams {
  /** coefficient of determination of the fit on the throughput points */
  r2: number;
  /** residual sum of squares, (requests/s)² */
  sse: number;
  points: number;
  /** N* = √((1−σ)/κ); null when κ = 0 (throughput never peaks) */
  peakN: number | null;
  peakX: number | null;
}

export type FitOutcome = { ok: true; fit: UslFit } | { ok: false; reason: string };

export function uslThroughput(p: UslParams, n: number): number {
  return (p.lambda * n) / (1 + p.sigma * (n - 1) + p.kappa * n * (n - 1));
}

/** N* = √((1−σ)/κ): the user count where throughput peaks (none when κ = 0 or σ ≥ 1). */
export function uslPeak(p: UslParams): { n: number; x: number } | null {
  if (!(p.kappa > 0) || p.sigma >= 1) return null;
  const n = Math.sqrt((1 - p.sigma) / p.kappa);
  return { n, x: uslThroughput(p, n) };
}

/** Little's law for a closed system: R(N) = N / X(N) − Z, in ms (Z = mean think time). */
export function littleResponseMs(p: UslParams, n: number, thinkMs: number): number {
  return (n / uslThroughput(p, n)) * 1000 - thinkMs;
}

/**
 * Largest N whose Little's-law response time meets rtTargetMs: N/X(N) ≤ Z + R solves as the
 * quadratic κN² + (σ−κ)N + (1−σ) − λ(Z+R) ≤ 0. `null` = not even one user meets it;
 * Infinity = every N meets it (κ = σ = 0).
 */
export function maxUsersWithin(p: UslParams, thinkMs: number, rtTargetMs: number): number | null {
  const budget = (p.lambda * (thinkMs + rtTargetMs)) / 1000;
  const a = p.kappa;
  const b = p.sigma - p.kappa;
  const c = 1 - p.sigma - budget;
  let n: number;
  if (a > 0) {
    const disc = b * b - 4 * a * c;
    if (disc < 0) return null;
    n = (-b + Math.sqrt(disc)) / (2 * a);
  } else if (b > 0) {
    n = -c / b;
  } else {
    return c <= 0 ? Infinity : null;
  }
  // The root is exact only up to rounding: settle the integer boundary on the inequality itself.
  const meets = (k: number) => a * k * k + b * k + c <= 1e-9 * Math.max(1, Math.abs(budget));
  let k = Math.floor(n);
  while (meets(k + 1)) k++;
  while (k >= 1 && !meets(k)) k--;
  return k >= 1 ? k : null;
}

/** Why these points cannot carry a USL fit, or undefined when they can. */
export function degenerateReason(points: CapacityPoint[], minPoints = MIN_FIT_POINTS): string | undefined {
  const bad = points.find((p) => !Number.isFinite(p.n) || !Number.isFinite(p.x));
  if (bad) return `a step has a non-finite value (users ${bad.n}, throughput ${bad.x}); every step needs a measured throughput`;
  const nonPositive = points.find((p) => p.n < 1 || p.x <= 0);
  if (nonPositive) return `a step has ${nonPositive.n < 1 ? `${nonPositive.n} users` : `throughput ${nonPositive.x} req/s`}; every step needs at least 1 user and some completed requests`;
  const distinct = new Set(points.map((p) => p.n)).size;
  if (points.length < minPoints || distinct < minPoints) {
    return `the USL fit needs at least ${minPoints} steps with different user counts; got ${distinct} usable (${points.length} points)`;
  }
  const sorted = [...points].sort((a, b) => a.n - b.n);
  const xs = sorted.map((p) => p.x);
  const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
  const spread = (Math.max(...xs) - Math.min(...xs)) / mean;
  if (spread < 0.05) {
    return `throughput is flat (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)} req/s, spread ${(100 * spread).toFixed(1)}%) across ${sorted[0]!.n}–${sorted.at(-1)!.n} users: the system (or the load generator) was saturated at every step, so there is no scaling curve to fit; use smaller steps`;
  }
  const nonIncreasing = xs.every((v, i) => i === 0 || v <= xs[i - 1]! * 1.02);
  if (nonIncreasing) {
    return `throughput falls (or stays level) from the first step on (${xs.map((v) => v.toFixed(1)).join(', ')} req/s): every step is past the peak, so the rising part of the curve that fixes λ and σ was never measured; use smaller steps`;
  }
  return undefined;
}

/**
 * The fit itself, in normalised units so that all three parameters are of order 1:
 * u = N/Nmax, y = X/Xmax, a = λ·Nmax/Xmax, k = κ·Nmax². Several starting points; the best wins.
 */
function fitNormalised(points: CapacityPoint[], starts?: UslParams[], maxLambda = 1e9): { p: UslParams; sse: number } {
  const nMax = Math.max(...points.map((p) => p.n));
  const xMax = Math.max(...points.map((p) => p.x));
  const x = points.map((p) => p.n);
  const y = points.map((p) => p.x / xMax);
  const model = ([a, s, k]: number[]) => (n: number) => (a! * (n / nMax)) / (1 + s! * (n - 1) + (k! * n * (n - 1)) / (nMax * nMax));
  const jacobian = ([a, s, k]: number[]) => (n: number) => {
    const u = n / nMax;
    const q = (n * (n - 1)) / (nMax * nMax);
    const d = 1 + s! * (n - 1) + k! * q;
    return [u / d, (-a! * u * (n - 1)) / (d * d), (-a! * u * q) / (d * d)];
  };
  const slope = Math.max(...points.map((p) => p.x / p.n));
  const aMax = Math.min(1e6, (maxLambda * nMax) / xMax);
  const a0 = Math.min((slope * nMax) / xMax, aMax);
  const inits: number[][] = starts
    ? starts.map((s) => [Math.min((s.lambda * nMax) / xMax, aMax), s.sigma, s.kappa * nMax * nMax])
    : [0, 0.001, 0.01, 0.1, 0.5].flatMap((s) => [0, 0.05, 0.5, 2].map((k) => [a0, s, k]));
  let best: { v: number[]; sse: number } | undefined;
  for (const init of inits) {
    const r = levenbergMarquardt({ x, y }, model, {
      initialValues: init,
      jacobianFunction: jacobian,
      minValues: [1e-12, 0, 0],
      maxValues: [aMax, 1, 1e9],
      damping: 1e-2,
      maxIterations: 300,
      errorTolerance: 1e-14,
      improvementThreshold: 1e-4,
    });
    const sse = r.parameterError;
    if (Number.isFinite(sse) && (!best || sse < best.sse)) best = { v: r.parameterValues, sse };
  }
  if (!best) throw new Error('the USL fit did not converge from any starting point');
  const [a, s, k] = best.v as [number, number, number];
  return { p: { lambda: (a * xMax) / nMax, sigma: s, kappa: k / (nMax * nMax) }, sse: best.sse * xMax * xMax };
}

function rSquared(points: CapacityPoint[], p: UslParams): { r2: number; sse: number } {
  const mean = points.reduce((s, q) => s + q.x, 0) / points.length;
  let ssRes = 0;
  let ssTot = 0;
  for (const q of points) {
    ssRes += (q.x - uslThroughput(p, q.n)) ** 2;
    ssTot += (q.x - mean) ** 2;
  }
  return { r2: ssTot > 0 ? 1 - ssRes / ssTot : 0, sse: ssRes };
}

export interface FitOptions {
  minPoints?: number;
  /**
   * Upper bound for λ. In a closed loop with mean think time Z no user can send more than one
   * request per Z, so λ ≤ 1/Z (requests/s per user); pass 1000/Z_ms when the steps had think time.
   */
  maxLambda?: number;
}

/** λ bound for a closed loop with this mean think time (none without think time). */
export const maxLambdaForThink = (thinkMs: number) => (thinkMs > 0 ? 1000 / thinkMs : undefined);

export function fitUsl(points: CapacityPoint[], o: FitOptions = {}): FitOutcome {
  const reason = degenerateReason(points, o.minPoints ?? MIN_FIT_POINTS);
  if (reason) return { ok: false, reason };
  const { p } = fitNormalised(points, undefined, o.maxLambda);
  if (![p.lambda, p.sigma, p.kappa].every(Number.isFinite)) {
    return { ok: false, reason: 'the USL fit produced non-finite parameters; the steps do not follow a scalability curve' };
  }
  const { r2, sse } = rSquared(points, p);
  const peak = uslPeak(p);
  const minN = Math.min(...points.map((q) => q.n));
  if (peak && peak.n < minN) {
    return { ok: false, reason: `the fitted peak (N* = ${peak.n.toFixed(0)}) lies below the smallest step (${minN} users): every step is past the peak; use smaller steps` };
  }
  return { ok: true, fit: { ...p, r2, sse, points: points.length, peakN: peak?.n ?? null, peakX: peak?.x ?? null } };
}

/** Small seeded PRNG (mulberry32): the same steps give the same band. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BootstrapBand {
  method: string;
  resamples: number;
  /** resamples whose refit succeeded */
  fitted: number;
  lower_pct: number;
  upper_pct: number;
  /** grid of N with the band of X(N) (requests/s) */
  curve: { n: number; lo: number; hi: number }[];
  lambda: [number, number];
  sigma: [number, number];
  kappa: [number, number];
  /** refitted parameter sets (for predictions with a band) */
  params: UslParams[];
}

/** N from 1 to `upTo` (inclusive), `count` points, denser at small N. */
export function curveGrid(upTo: number, count = 120): number[] {
  const out = new Set<number>();
  for (let i = 0; i < count; i++) out.add(Math.max(1, Math.round(1 + ((upTo - 1) * i) / (count - 1))));
  return [...out].sort((a, b) => a - b);
}

/**
 * Residual bootstrap: keep the measured user counts, put back the fit's relative residuals drawn
 * with replacement (X*ᵢ = X̂ᵢ·(1 + rⱼ)), refit, and take the 5–95% range over the refits. Case
 * resampling over only 6 steps would drop the highest step in a third of the resamples and turn
 * the band into a question about a different experiment.
 */
export function bootstrapUsl(
  points: CapacityPoint[],
  fit: UslParams,
  o: { resamples?: number; upTo: number; seed?: number; lower?: number; upper?: number; maxLambda?: number },
): BootstrapBand {
  const resamples = o.resamples ?? 200;
  const lower = o.lower ?? 5;
  const upper = o.upper ?? 95;
  const rand = seededRandom(o.seed ?? 1);
  const fitted = points.map((p) => uslThroughput(fit, p.n));
  const residuals = points.map((p, i) => (p.x - fitted[i]!) / fitted[i]!);
  const params: UslParams[] = [];
  for (let b = 0; b < resamples; b++) {
    const sample = points.map((p, i) => ({ n: p.n, x: Math.max(fitted[i]! * (1 + residuals[Math.floor(rand() * residuals.length)]!), 1e-9) }));
    try {
      const { p } = fitNormalised(sample, [fit, { ...fit, kappa: 0 }, { lambda: fit.lambda, sigma: Math.min(1, fit.sigma + 0.05), kappa: fit.kappa * 2 }], o.maxLambda);
      if ([p.lambda, p.sigma, p.kappa].every(Number.isFinite)) params.push(p);
    } catch {
      /* a resample that does not converge is left out and counted */
    }
  }
  const range = (vals: number[]): [number, number] => {
    const s = Float64Array.from(vals).sort();
    return [percentile(s, lower), percentile(s, upper)];
  };
  const curve = curveGrid(o.upTo).map((n) => {
    const [lo, hi] = range(params.map((p) => uslThroughput(p, n)));
    return { n, lo, hi };
  });
  return {
    method: `residual bootstrap over the ${points.length} steps (${resamples} resamples, seed ${o.seed ?? 1})`,
    resamples,
    fitted: params.length,
    lower_pct: lower,
    upper_pct: upper,
    curve,
    lambda: range(params.map((p) => p.lambda)),
    sigma: range(params.map((p) => p.sigma)),
    kappa: range(params.map((p) => p.kappa)),
    params,
  };
}

/** 5–95% (or the band's) range of any quantity computed from the refitted parameter sets. */
export function bandOf(band: Pick<BootstrapBand, 'params' | 'lower_pct' | 'upper_pct'>, f: (p: UslParams) => number): [number, number] {
  const vals = band.params.map(f).filter((v) => !Number.isNaN(v));
  const s = Float64Array.from(vals).sort();
  return [percentile(s, band.lower_pct), percentile(s, band.upper_pct)];
}
