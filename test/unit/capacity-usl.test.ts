// The USL fit on synthetic steps: points generated from known λ, σ, κ (with seeded noise) must
// give those parameters back within stated tolerances; inputs that cannot carry a fit must give
// a clear message instead of NaN; Little's-law helpers must agree with their definitions.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bootstrapUsl,
  degenerateReason,
  fitUsl,
  littleResponseMs,
  maxLambdaForThink,
  maxUsersWithin,
  seededRandom,
  uslPeak,
  uslThroughput,
  type CapacityPoint,
  type UslParams,
} from '../../load/capacity/usl';

function synthetic(p: UslParams, ns: number[], noise: number, seed: number): CapacityPoint[] {
  const rnd = seededRandom(seed);
  // Noise: uniform in ±noise (relative), like run-to-run throughput scatter.
  return ns.map((n) => ({ n, x: uslThroughput(p, n) * (1 + (2 * rnd() - 1) * noise) }));
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('fitUsl on synthetic steps', () => {
  it('recovers exact parameters from noiseless points (relative error < 1e-3)', () => {
    const truth = { lambda: 12, sigma: 0.04, kappa: 0.0006 };
    const r = fitUsl(synthetic(truth, [1, 5, 10, 20, 40, 60, 80], 0, 1));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(rel(r.fit.lambda, truth.lambda)).toBeLessThan(1e-3);
    expect(Math.abs(r.fit.sigma - truth.sigma)).toBeLessThan(1e-3);
    expect(rel(r.fit.kappa, truth.kappa)).toBeLessThan(1e-2);
    expect(r.fit.r2).toBeGreaterThan(0.99999);
    expect(r.fit.points).toBe(7);
  });

  // Tolerances with ±2% noise, checked over 10 noise seeds each. Well-conditioned steps (from
  // N = 1 to ~2× the peak): λ within 10%, σ within ±0.03, κ within 35%, N* within 15%. A think-time
  // system (5 s think time, steps 100–3,000 users, peak ~3,500): λ within 10%, σ within ±5e-5,
  // κ within 25%, N* within 15%. In every case the fitted curve stays within 5% of the truth over
  // the measured range.
  const cases: { name: string; truth: UslParams; ns: number[]; tol: { lambda: number; sigma: number; kappa: number; peak: number } }[] = [
    { name: 'small-N system (peak ~40)', truth: { lambda: 10, sigma: 0.05, kappa: 0.0006 }, ns: [1, 5, 10, 20, 40, 60, 80], tol: { lambda: 0.1, sigma: 0.03, kappa: 0.35, peak: 0.15 } },
    { name: 'think-time system (peak ~3,500)', truth: { lambda: 0.195, sigma: 2e-5, kappa: 8e-8 }, ns: [100, 250, 500, 1000, 1500, 2000, 3000], tol: { lambda: 0.1, sigma: 5e-5, kappa: 0.25, peak: 0.15 } },
    { name: 'contention only (no peak)', truth: { lambda: 50, sigma: 0.08, kappa: 0 }, ns: [1, 2, 4, 8, 16, 32, 64], tol: { lambda: 0.1, sigma: 0.03, kappa: 0, peak: 0 } },
  ];
  for (const c of cases) {
    it(`recovers λ, σ, κ within tolerance from ±2% noise: ${c.name}`, () => {
      for (let seed = 1; seed <= 10; seed++) {
        const r = fitUsl(synthetic(c.truth, c.ns, 0.02, seed));
        expect(r.ok, `seed ${seed}`).toBe(true);
        if (!r.ok) continue;
        expect(rel(r.fit.lambda, c.truth.lambda), `λ seed ${seed}`).toBeLessThan(c.tol.lambda);
        expect(Math.abs(r.fit.sigma - c.truth.sigma), `σ seed ${seed}`).toBeLessThan(c.tol.sigma);
        if (c.truth.kappa > 0) {
          expect(rel(r.fit.kappa, c.truth.kappa), `κ seed ${seed}`).toBeLessThan(c.tol.kappa);
          expect(rel(r.fit.peakN!, uslPeak(c.truth)!.n), `N* seed ${seed}`).toBeLessThan(c.tol.peak);
        } else {
          // No coherency cost: κ comes back at (or near) the bound, the peak far beyond the steps.
          expect(r.fit.kappa).toBeLessThan(2e-4);
          if (r.fit.peakN !== null) expect(r.fit.peakN).toBeGreaterThan(64);
        }
        for (const n of c.ns) expect(rel(uslThroughput(r.fit, n), uslThroughput(c.truth, n)), `X(${n}) seed ${seed}`).toBeLessThan(0.05);
        for (const v of [r.fit.lambda, r.fit.sigma, r.fit.kappa, r.fit.r2]) expect(Number.isFinite(v)).toBe(true);
      }
    });
  }

  it('never returns negative σ or κ (the bounds hold), even when the data would prefer them', () => {
    // Super-linear points (each user adds more than the last) pull σ below 0 without the bound.
    const pts = [1, 2, 3, 4, 5, 6].map((n) => ({ n, x: 10 * n * (1 + 0.03 * n) }));
    const r = fitUsl(pts);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.fit.sigma).toBeGreaterThanOrEqual(0);
    expect(r.fit.kappa).toBeGreaterThanOrEqual(0);
  });

  it('keeps λ ≤ 1/Z when given the think time (a user cannot send more than one request per think time)', () => {
    // Noise that makes the first step look faster than one request per think time per user.
    const truth = { lambda: 0.195, sigma: 2e-5, kappa: 8e-8 };
    const pts = synthetic(truth, [100, 250, 500, 1000, 1500, 2000, 3000], 0, 1).map((p, i) => (i < 2 ? { ...p, x: p.x * 1.25 } : p));
    const free = fitUsl(pts);
    const bounded = fitUsl(pts, { maxLambda: maxLambdaForThink(5000) });
    expect(free.ok && bounded.ok).toBe(true);
    if (!free.ok || !bounded.ok) return;
    expect(free.fit.lambda).toBeGreaterThan(0.2);
    expect(bounded.fit.lambda).toBeLessThanOrEqual(0.2 + 1e-12);
    expect(maxLambdaForThink(0)).toBeUndefined();
  });

  it('fits any noiseless USL curve closely (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 0.2, noNaN: true }),
        fc.double({ min: 0, max: 1e-3, noNaN: true }),
        (lambda, sigma, kappa) => {
          const truth = { lambda, sigma, kappa };
          const pts = [1, 4, 8, 16, 32, 64].map((n) => ({ n, x: uslThroughput(truth, n) }));
          const r = fitUsl(pts);
          if (!r.ok) {
            // The only acceptable refusal for a valid curve: it is (nearly) flat or already falling.
            expect(r.reason).toMatch(/flat|past the peak/);
            return;
          }
          for (const p of pts) expect(rel(uslThroughput(r.fit, p.n), p.x)).toBeLessThan(0.02);
        },
      ),
      { numRuns: 60, seed: 42 },
    );
  });
});

describe('degenerate inputs give a clear message, not NaN', () => {
  const good = synthetic({ lambda: 10, sigma: 0.05, kappa: 0.0006 }, [1, 5, 10, 20, 40, 60], 0, 1);

  it('fewer than 6 steps', () => {
    const r = fitUsl(good.slice(0, 5));
    expect(r).toEqual({ ok: false, reason: expect.stringMatching(/at least 6 steps .* got 5/) });
  });

  it('6 points but only 5 distinct user counts', () => {
    const r = fitUsl([...good.slice(0, 5), { n: 40, x: good[4]!.x * 1.01 }]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/different user counts; got 5 usable/);
  });

  it('flat throughput', () => {
    const r = fitUsl([10, 20, 40, 80, 160, 320].map((n, i) => ({ n, x: 500 + (i % 2) * 3 })));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/throughput is flat .*saturated at every step/);
  });

  it('every step past the peak', () => {
    const truth = { lambda: 10, sigma: 0.05, kappa: 0.0006 }; // peak ~40
    const r = fitUsl(synthetic(truth, [80, 120, 160, 240, 320, 480], 0, 1));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/past the peak/);
  });

  it('NaN, Infinity and empty steps', () => {
    for (const bad of [Number.NaN, Infinity]) {
      const r = fitUsl([...good.slice(0, 5), { n: 80, x: bad }]);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(/non-finite value/);
    }
    const zero = fitUsl([...good.slice(0, 5), { n: 80, x: 0 }]);
    expect(zero.ok).toBe(false);
    if (!zero.ok) expect(zero.reason).toMatch(/throughput 0 req\/s/);
    expect(fitUsl([]).ok).toBe(false);
  });

  it('a usable set has no degenerate reason', () => {
    expect(degenerateReason(good)).toBeUndefined();
  });
});

describe("peak and Little's law", () => {
  it('N* = √((1−σ)/κ), and κ = 0 means no peak', () => {
    const p = { lambda: 10, sigma: 0.1, kappa: 0.0009 };
    const peak = uslPeak(p)!;
    expect(peak.n).toBeCloseTo(Math.sqrt(0.9 / 0.0009), 9);
    expect(uslThroughput(p, peak.n)).toBeGreaterThan(uslThroughput(p, peak.n * 0.9));
    expect(uslThroughput(p, peak.n)).toBeGreaterThan(uslThroughput(p, peak.n * 1.1));
    expect(uslPeak({ ...p, kappa: 0 })).toBeNull();
  });

  it('R(N) = N/X(N) − Z', () => {
    const p = { lambda: 0.19, sigma: 0.02, kappa: 3e-7 };
    const x = uslThroughput(p, 4000);
    expect(littleResponseMs(p, 4000, 5000)).toBeCloseTo((4000 / x) * 1000 - 5000, 6);
  });

  it('maxUsersWithin returns the largest N whose R(N) meets the target', () => {
    const p = { lambda: 0.19, sigma: 0.02, kappa: 3e-7 }; // a badly contended system
    // R(1) = 1/λ − Z ≈ 263 ms: a 50 ms target is missed even by one user.
    expect(maxUsersWithin(p, 5000, 50)).toBeNull();
    const realistic = { lambda: 0.195, sigma: 2e-5, kappa: 8e-8 };
    for (const [q, target] of [[p, 300], [p, 500], [p, 5000], [realistic, 200], [realistic, 500], [realistic, 2000]] as const) {
      const n = maxUsersWithin(q, 5000, target)!;
      expect(n).toBeGreaterThanOrEqual(1);
      expect(littleResponseMs(q, n, 5000)).toBeLessThanOrEqual(target + 1e-6);
      expect(littleResponseMs(q, n + 1, 5000)).toBeGreaterThan(target);
    }
    expect(maxUsersWithin(realistic, 5000, 500)).toBeGreaterThan(500);
    // σ = κ = 0: response time is constant 1/λ − Z: every N or none.
    expect(maxUsersWithin({ lambda: 0.19, sigma: 0, kappa: 0 }, 5000, 500)).toBe(Infinity);
    expect(maxUsersWithin({ lambda: 0.1, sigma: 0, kappa: 0 }, 5000, 500)).toBeNull();
    // κ = 0, σ > 0: linear condition.
    const lin = { lambda: 0.19, sigma: 0.001, kappa: 0 };
    const nl = maxUsersWithin(lin, 5000, 500)!;
    expect(littleResponseMs(lin, nl, 5000)).toBeLessThanOrEqual(500 + 1e-6);
    expect(littleResponseMs(lin, nl + 1, 5000)).toBeGreaterThan(500 - 1e-6);
  });
});

describe('bootstrap band', () => {
  it('is reproducible for a seed, ordered, and covers the true curve at the measured steps', () => {
    const truth = { lambda: 0.195, sigma: 2e-5, kappa: 8e-8 };
    const pts = synthetic(truth, [100, 250, 500, 1000, 1500, 2000, 3000], 0.02, 3);
    const r = fitUsl(pts);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const a = bootstrapUsl(pts, r.fit, { upTo: 4000, resamples: 200, seed: 9 });
    const b = bootstrapUsl(pts, r.fit, { upTo: 4000, resamples: 200, seed: 9 });
    expect(a.curve).toEqual(b.curve);
    expect(a.fitted).toBeGreaterThan(190);
    expect(a.curve.at(-1)!.n).toBe(4000);
    for (const c of a.curve) {
      expect(c.lo).toBeLessThanOrEqual(c.hi);
      expect(Number.isFinite(c.lo) && Number.isFinite(c.hi)).toBe(true);
    }
    expect(a.lambda[0]).toBeLessThanOrEqual(r.fit.lambda * 1.0001);
    expect(a.lambda[1]).toBeGreaterThanOrEqual(r.fit.lambda * 0.9999);
    // The true throughput at the measured steps lies within the band widened by the noise (2%).
    for (const p of pts) {
      const c = a.curve.reduce((best, q) => (Math.abs(q.n - p.n) < Math.abs(best.n - p.n) ? q : best));
      const t = uslThroughput(truth, c.n);
      expect(t).toBeGreaterThanOrEqual(c.lo * 0.97);
      expect(t).toBeLessThanOrEqual(c.hi * 1.03);
    }
  });
});

// Published fits of the R `usl` package (its own regression outputs, tests/*.Rout.save), which
// implements Gunther's Universal Scalability Law: the same least-squares fit with λ free must give
// the published coefficients back.
describe('fitUsl reproduces published fits of the R usl package', () => {
  it("specsdm91 (Gunther, Guerrilla Capacity Planning): method 'nlxb' gives σ = 0.0277285, κ = 0.0001044, λ = 89.9952, R² 0.99", () => {
    // load / throughput of the SPEC SDM91 benchmark, as in the package's data set
    const pts = [
      [1, 64.9],
      [18, 995.9],
      [36, 1652.4],
      [72, 1853.2],
      [108, 1828.9],
      [144, 1775.0],
      [216, 1702.2],
    ].map(([n, x]) => ({ n: n!, x: x! }));
    const r = fitUsl(pts);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.fit.sigma).toBeCloseTo(0.0277285, 5);
    expect(r.fit.kappa).toBeCloseTo(0.0001044, 6);
    expect(r.fit.lambda).toBeCloseTo(89.9952, 2);
    expect(r.fit.r2.toFixed(2)).toBe('0.99');
  });

  it('the coef test: throughput 1, 1.8868, 3.0769, 3.5294, 3.5398, 3.3557 at 1, 2, 4, 6, 8, 10 gives σ = κ = 0.02, λ = 1', () => {
    const pts = [
      [1, 1],
      [2, 1.8868],
      [4, 3.0769],
      [6, 3.5294],
      [8, 3.5398],
      [10, 3.3557],
    ].map(([n, x]) => ({ n: n!, x: x! }));
    const r = fitUsl(pts);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(Number(r.fit.sigma.toPrecision(3))).toBe(0.02);
    expect(Number(r.fit.kappa.toPrecision(3))).toBe(0.02);
    expect(Number(r.fit.lambda.toPrecision(3))).toBe(1);
  });
});
