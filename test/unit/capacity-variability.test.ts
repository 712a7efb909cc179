// Why: the demand model's waits depend on how variable a request's service is (Cs²). These are the
// known answers: Pollaczek–Khinchine's M/G/1 mean wait, Allen–Cunneen's factor on M/M/c, and Cs²
// read from a step (exact from its standard deviation; from its percentiles for old recordings).
import { describe, expect, it } from 'vitest';
import { cpuWait, erlangC, responseScv, solveAt, type DemandSet } from '../../load/capacity/demand-model';

/** One event loop of service S (s) and nothing else: an M/G/1 queue when N is large and Z long. */
function loopOnly(serviceS: number, scv: number): DemandSet {
  return {
    cpu: { demand: 0, baseline: 0, cores: 2, what: "the machine's CPU" },
    eventLoop: { demand: serviceS, baseline: 0, loops: 1 },
    pool: null,
    rest: 0,
    ref: { x: 1, r: serviceS, rho: 0, wait: 0 },
    variability: { scv, factor: (1 + scv) / 2, source: 'test' },
  };
}

describe('service variability in the demand model', () => {
  it.each([0, 1, 2.68, 9])('a single loop at 50 %% busy waits ρ/(1−ρ)·S·(1 + Cs²)/2 (Pollaczek–Khinchine), Cs² = %s', (scv) => {
    const s = 0.01;
    // 5,000 users thinking 100 s ask for ~50 req/s: ρ ≈ 0.5; the closed system is within 1 % of the open queue
    const p = solveAt(loopOnly(s, scv), 5000, 100);
    const rho = p.x * s;
    expect(rho).toBeGreaterThan(0.49);
    expect(rho).toBeLessThan(0.51);
    const pk = ((rho / (1 - rho)) * s * (1 + scv)) / 2;
    const wait = p.stations.find((st) => st.name === 'wait for API event loop')!.residence_ms / 1000;
    if (scv === 0) expect(wait).toBeCloseTo(pk, 5);
    expect(Math.abs(wait - pk)).toBeLessThanOrEqual(0.01 * pk + 1e-6);
  });

  it('exponential service (Cs² = 1) is the plain MVA: the wait is D·Q(n−1)', () => {
    const a = solveAt(loopOnly(0.01, 1), 5000, 100);
    const rho = a.x * 0.01;
    // M/M/1: W = ρ/(1−ρ)·S
    expect(a.r_ms / 1000 - 0.01).toBeCloseTo((rho / (1 - rho)) * 0.01, 4);
  });

  it("the wait for a core is Erlang C's M/M/c wait times (1 + Cs²)/2 (Allen–Cunneen)", () => {
    const mm = cpuWait(2, 0.6, 0.002);
    const gg = cpuWait(2, 0.6, 0.002, (1 + 3) / 2);
    expect(mm.p).toBeCloseTo(erlangC(2, 1.2), 12);
    expect(mm.mean).toBeCloseTo(0.002 / (2 * 0.4), 12);
    expect(gg.p).toBe(mm.p);
    expect(gg.mean).toBeCloseTo(2 * mm.mean, 12);
  });

  it('Cs² of a step: exact from its standard deviation, else from its percentiles, else not known', () => {
    const lat = { avg: 2, med: 1, p95: 6, p99: 9, max: 20 };
    expect(responseScv({ latency_ms: { ...lat, sd: 3 } })).toEqual({ scv: 2.25, source: 'its samples' });
    // exponential percentiles (mean 2 ms): Cs² close to 1 (the midpoints lose part of the tail)
    const q = Array.from({ length: 101 }, (_, i) => (i === 100 ? 2 * Math.log(1e4) : -2 * Math.log(1 - i / 100)));
    const fromQ = responseScv({ latency_ms: lat, latency_quantiles_ms: q })!;
    expect(fromQ.source).toBe('its p0…p100 (midpoints)');
    expect(fromQ.scv).toBeGreaterThan(0.8);
    expect(fromQ.scv).toBeLessThan(1.1);
    expect(responseScv({ latency_ms: lat })).toBeNull();
    expect(responseScv({ latency_ms: { ...lat, avg: 0 } })).toBeNull();
  });
});
