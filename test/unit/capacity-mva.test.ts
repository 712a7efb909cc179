// Known answers for the queueing arithmetic of the capacity model:
// - exact MVA against the textbook example with published exact results: Lazowska, Zahorjan,
//   Graham & Sevcik, Quantitative System Performance (1984), ch. 6 p. 117 — CPU 0.005 s × 121
//   visits, disk 1 0.03 s × 70, disk 2 0.027 s × 50, 3 terminals, think 15 s: queue lengths
//   0.0976 / 0.3947 / 0.2350 (the same figures the libmva regression suite checks);
// - the multi-server station against the closed-form finite-source queue M/M/c//N (the machine
//   repairman: p(k) ∝ N!/(N−k)! (S/Z)^k / (k! for k ≤ c, c!·c^(k−c) above)), exact for c ≤ 2
//   (where the marginal-probability recursion is numerically stable) and Seidmann's approximation
//   within stated tolerances for larger c;
// - asymptotic bounds against hand-computed cases; the demand fit recovering known demands and
//   baselines from synthetic utilisations; the CPU stretch against the M/M/c formula; the wait for a
//   core against the M/M/c waiting-time distribution (P(W > t) = C·e^(−(cμ − λ)t)), and the sum of
//   waits against the hypoexponential and Erlang-2 tails.
import { describe, expect, it } from 'vitest';
import { linearFit } from '../../load/capacity/demand-fit';
import { cpuStretch, cpuWait, erlangC, responseQuantile, waitTail } from '../../load/capacity/demand-model';
import { asymptoticBounds, exactMva, seidmann, type Station } from '../../load/capacity/mva';
import { seededRandom } from '../../load/capacity/usl';

/** M/M/c//N exactly, in log space (no overflow at thousands of users). */
function repairman(c: number, n: number, thinkS: number, serviceS: number): { x: number; r: number } {
  const lw: number[] = [];
  let v = 0;
  for (let k = 0; k <= n; k++) {
    if (k > 0) v += Math.log(((n - k + 1) * serviceS) / thinkS) - Math.log(Math.min(k, c));
    lw.push(v);
  }
  const mx = Math.max(...lw);
  const w = lw.map((x) => Math.exp(x - mx));
  const sum = w.reduce((a, b) => a + b, 0);
  let l = 0;
  let x = 0;
  w.forEach((wk, k) => {
    l += (k * wk) / sum;
    x += ((Math.min(k, c) / serviceS) * wk) / sum;
  });
  return { x, r: l / x };
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('exact MVA: Lazowska et al., QSP ch. 6 p. 117', () => {
  const stations: Station[] = [
    { name: 'CPU', kind: 'queue', servers: 1, demand: 0.005 * 121 },
    { name: 'disk 1', kind: 'queue', servers: 1, demand: 0.03 * 70 },
    { name: 'disk 2', kind: 'queue', servers: 1, demand: 0.027 * 50 },
  ];
  const [p] = exactMva(stations, 3, 15);

  it('reproduces the published queue lengths to 4 decimals', () => {
    expect(p!.stations.map((s) => Number(s.queue.toFixed(4)))).toEqual([0.0976, 0.3947, 0.235]);
  });

  it("agrees with the interactive response time law N = X·(R + Z) and the Utilization Law", () => {
    expect(p!.x * (p!.r + 15)).toBeCloseTo(3, 10);
    expect(p!.x).toBeCloseTo(0.1515, 4);
    expect(p!.r).toBeCloseTo(4.8, 2);
    for (const [i, s] of stations.entries()) expect(p!.stations[i]!.utilization).toBeCloseTo(p!.x * s.demand, 12);
  });

  it('one user sees no queue: R(1) = D', () => {
    expect(exactMva(stations, 1, 15)[0]!.r).toBeCloseTo(0.605 + 2.1 + 1.35, 12);
  });
});

describe('asymptotic bounds, hand-computed', () => {
  it('the QSP example: D = 4.055 s, D_max = 2.1 s (disk 1), Z = 15 s', () => {
    const st: Station[] = [
      { name: 'CPU', kind: 'queue', servers: 1, demand: 0.605 },
      { name: 'disk 1', kind: 'queue', servers: 1, demand: 2.1 },
      { name: 'disk 2', kind: 'queue', servers: 1, demand: 1.35 },
    ];
    // N = 3: N/(D+Z) = 3/19.055 = 0.15744 < 1/2.1 = 0.47619
    expect(asymptoticBounds(st, 3, 15).xMax).toBeCloseTo(3 / 19.055, 10);
    // N = 20: 1/D_max binds; R ≥ N·D_max − Z = 42 − 15 = 27 s; N* = (D+Z)/D_max = 9.0738
    const b = asymptoticBounds(st, 20, 15);
    expect(b.xMax).toBeCloseTo(1 / 2.1, 12);
    expect(b.rMin).toBeCloseTo(27, 10);
    expect(b.bottleneck).toBe('disk 1');
    expect(b.nStar).toBeCloseTo(19.055 / 2.1, 10);
  });

  it('a 2-core CPU with 2.5 ms per request and a 20-connection pool holding 30 ms: the pool binds at 666.7 req/s', () => {
    const b = asymptoticBounds(
      [
        { name: 'CPU', kind: 'queue', servers: 2, demand: 0.0025 },
        { name: 'pool', kind: 'queue', servers: 20, demand: 0.03 },
      ],
      4000,
      5,
    );
    expect(b.xMax).toBeCloseTo(20 / 0.03, 9);
    expect(b.bottleneck).toBe('pool');
    // exact MVA never exceeds the bound
    const p = exactMva(seidmann([{ name: 'CPU', kind: 'queue', servers: 2, demand: 0.0025 }, { name: 'pool', kind: 'queue', servers: 20, demand: 0.03 }]), 4000, 5)[0]!;
    expect(p.x).toBeLessThanOrEqual(b.xMax * (1 + 1e-9));
    expect(p.r).toBeGreaterThanOrEqual(b.rMin - 1e-9);
  });
});

describe('multi-server stations against the machine-repairman closed form', () => {
  it('exact for c ≤ 2, at small and at 4,000 users (the 2-core box of this project)', () => {
    for (const [c, n, z, s] of [
      [2, 10, 5, 1],
      [2, 4000, 5, 0.0022],
      [2, 4000, 5, 0.0025],
      [2, 5000, 5, 0.0025],
      [1, 4000, 5, 0.0012],
    ] as const) {
      const m = exactMva([{ name: 'q', kind: 'queue', servers: c, demand: s }], n, z)[0]!;
      const e = repairman(c, n, z, s);
      expect(rel(m.x, e.x), `X c=${c} n=${n}`).toBeLessThan(1e-9);
      expect(rel(m.r, e.r), `R c=${c} n=${n}`).toBeLessThan(1e-6);
    }
  });

  it("Seidmann's approximation: throughput within 2%, response time within 15% of exact, for c = 4…20", () => {
    for (const [c, n, z, s] of [
      [4, 4000, 5, 0.005],
      [8, 4000, 5, 0.009],
      [20, 4000, 5, 0.02],
      [20, 4000, 5, 0.026],
      [20, 200, 5, 0.5],
      [10, 200, 5, 0.25],
    ] as const) {
      const m = exactMva(seidmann([{ name: 'q', kind: 'queue', servers: c, demand: s }]), n, z)[0]!;
      const e = repairman(c, n, z, s);
      expect(rel(m.x, e.x), `X c=${c} s=${s}`).toBeLessThan(0.02);
      expect(rel(m.r, e.r), `R c=${c} s=${s}`).toBeLessThan(0.15);
    }
  });

  it('rejects what it cannot compute with a message, never NaN', () => {
    expect(() => exactMva([{ name: 'q', kind: 'queue', servers: 1, demand: Number.NaN }], 10, 1)).toThrow(/demand must be a finite number/);
    expect(() => exactMva([{ name: 'q', kind: 'queue', servers: 1.5, demand: 1 }], 10, 1)).toThrow(/servers must be a whole number/);
    expect(() => exactMva([{ name: 'q', kind: 'queue', servers: 1, demand: 1 }], 0, 1)).toThrow(/whole number of users/);
  });
});

describe('the CPU stretch: M/M/c mean response time over service time', () => {
  it('c = 1 is 1/(1−ρ); c = 2 is 1/(1−ρ²); Erlang C of the textbook case c = 2, a = 1 is 1/3', () => {
    expect(cpuStretch(1, 0.8)).toBeCloseTo(5, 12);
    expect(cpuStretch(2, 0.9)).toBeCloseTo(1 / (1 - 0.81), 10);
    expect(erlangC(2, 1)).toBeCloseTo(1 / 3, 12);
    expect(cpuStretch(2, 1)).toBe(Infinity);
    expect(cpuStretch(4, 0)).toBe(1);
  });
});

describe('the waits of a request: M/M/c waiting time and the sum of waits', () => {
  it('the wait for a core is the M/M/c waiting-time distribution: P(W > t) = C(c, cρ)·e^(−(cμ − λ)t)', () => {
    // M/M/1 at ρ = 0.6, service 2 ms: P(wait) = 0.6, P(W > t) = 0.6·e^(−t(1 − 0.6)/2 ms).
    const one = cpuWait(1, 0.6, 0.002);
    expect(one.p).toBeCloseTo(0.6, 12);
    expect(one.mean).toBeCloseTo(0.002 / 0.4, 12);
    expect(waitTail([one], 0.003)).toBeCloseTo(0.6 * Math.exp(-0.003 * (0.4 / 0.002)), 12);
    // M/M/2 at ρ = 0.5 (a = 1): C = 1/3, conditional wait rate 2μ − λ = 2·(1 − 0.5)/S.
    const two = cpuWait(2, 0.5, 0.001);
    expect(two.p).toBeCloseTo(1 / 3, 12);
    expect(1 / two.mean).toBeCloseTo((2 * 0.5) / 0.001, 9);
    expect(cpuWait(2, 1, 0.001).mean).toBe(Infinity);
    expect(cpuWait(2, 0, 0.001).p).toBe(0);
  });

  it('sums waits in closed form: hypoexponential with distinct rates, Erlang-2 within 2% at equal ones, mixtures by their probabilities', () => {
    const a = { p: 1, mean: 1 };
    const b = { p: 1, mean: 2 };
    for (const t of [0.5, 1, 3, 8]) expect(waitTail([a, b], t)).toBeCloseTo(2 * Math.exp(-t / 2) - Math.exp(-t), 10);
    for (const t of [0.5, 1, 3, 8]) {
      const erlang2 = (1 + t) * Math.exp(-t);
      expect(Math.abs(waitTail([a, { p: 1, mean: 1 }], t) - erlang2) / erlang2).toBeLessThan(0.02 * (1 + t));
    }
    // one wait happens with probability 0.3, the other always: P(W > t) = 0.7·e^(−t/2) + 0.3·hypo(t)
    const t = 2;
    expect(waitTail([{ p: 0.3, mean: 1 }, b], t)).toBeCloseTo(0.7 * Math.exp(-t / 2) + 0.3 * (2 * Math.exp(-t / 2) - Math.exp(-t)), 10);
    expect(waitTail([], 1)).toBe(0);
    expect(waitTail([{ p: 0.4, mean: 1 }], 0)).toBeCloseTo(0.4, 12);
  });

  it('the p95 of a constant service plus an M/M/1 wait is B + m·ln(P(wait)/0.05)', () => {
    const q = Array.from({ length: 101 }, () => 2); // every request 2 ms without queueing
    const w = { p: 0.5, mean: 0.004 }; // waits 4 ms on average when it waits, half the time
    expect(responseQuantile(q, 2, [w])).toBeCloseTo(2 + 4 * Math.log(0.5 / 0.05), 4);
    // the distribution is scaled to the service asked for: B = 3 ms moves every quantile by 3/2
    expect(responseQuantile(q, 3, [])).toBeCloseTo(3, 12);
    expect(responseQuantile(q, 2, [{ p: 1, mean: Infinity }])).toBe(Infinity);
  });
});

describe('the Utilization-Law fit U = U₀ + D·X', () => {
  it('recovers a known demand and idle baseline from noisy synthetic steps within 5%', () => {
    const rnd = seededRandom(7);
    // D = 2.4 core-ms per request, U₀ = 0.12 cores; six steps like the default ones (5 s think time).
    const xs = [5, 10, 20, 40, 80, 160];
    for (let trial = 0; trial < 10; trial++) {
      const pts = xs.map((x) => ({ x, u: (0.12 + 0.0024 * x) * (1 + (2 * rnd() - 1) * 0.02) }));
      const f = linearFit(pts)!;
      expect(rel(f.b, 0.0024), `D trial ${trial}`).toBeLessThan(0.05);
      expect(Math.abs(f.a - 0.12), `U0 trial ${trial}`).toBeLessThan(0.02);
      expect(f.se).not.toBeNull();
    }
  });

  it('never a negative baseline or demand; two points give no standard error; one point gives no fit', () => {
    const f = linearFit([
      { x: 10, u: 0.01 },
      { x: 20, u: 0.05 },
      { x: 40, u: 0.13 },
    ])!;
    expect(f.a).toBe(0);
    expect(f.origin).toBe(true);
    expect(f.b).toBeGreaterThan(0);
    expect(linearFit([{ x: 10, u: 0.5 }, { x: 20, u: 0.4 }])!.b).toBe(0);
    expect(linearFit([{ x: 10, u: 0.5 }, { x: 20, u: 0.6 }])!.se).toBeNull();
    expect(linearFit([{ x: 10, u: 0.5 }])).toBeNull();
    expect(linearFit([{ x: 10, u: 0.5 }, { x: 10, u: 0.6 }])).toBeNull();
  });
});
