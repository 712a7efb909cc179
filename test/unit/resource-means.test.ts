// Means over a run's resources.json window: a figure that stays the same (the pool size, the number
// of event loops) must come out as itself. The weighted mean Σv·dt / Σdt of a constant over
// one-second samples of slightly different lengths printed the pool as "40.00000000000001" and
// "19.999999999999996" in Server View, the Performance Assessment and the capacity table.
import { describe, expect, it } from 'vitest';
import { resourceMeansInWindow, type ResourceSample, type ResourceSeries } from '../../load/results/resource-sampler';
import { resourceFindings, summarizeResources, utilisations } from '../../load/report/assessment';

// Interval lengths as the sampler records them on a busy machine (each ±3 ms around 1 s).
const DTS = [1.001, 1.002, 1.003, 0.998, 1.004, 1.002, 0.999, 1.003];

function series(poolMax: number, poolBusy: (i: number) => number): ResourceSeries {
  let t = 1_000_000;
  const samples = DTS.map((dt, i) => {
    t += dt * 1000;
    const s: Partial<ResourceSample> = { t, dt_s: dt, pool_max: poolMax, pool_total: poolMax, pool_busy: poolBusy(i), pool_waiting: 3, event_loops: 2, event_loop_utilization: 0.5 };
    return s as ResourceSample;
  });
  return { version: 1, interval_ms: 1000, cores: 2, sources: { machine: 'test', api: 'test', postgres: 'test', k6: 'test', server_metrics: 'test' }, samples };
}

describe('resource means over a window', () => {
  it('the plain weighted sum of these intervals is not exact (what the fix is for)', () => {
    const naive = (v: number) => DTS.reduce((s, dt) => s + v * dt, 0) / DTS.reduce((s, dt) => s + dt, 0);
    expect(naive(20)).toBe(19.999999999999996);
    expect(naive(40)).toBe(39.99999999999999);
  });

  it.each([20, 40])('a constant pool of %i is exactly that, and so is the count of event loops', (size) => {
    const s = series(size, (i) => (i % 3) + 0.5);
    const w = resourceMeansInWindow(s, 0, Infinity);
    expect(w.samples).toBe(DTS.length);
    expect(w.mean.pool_max).toBe(size);
    expect(w.mean.event_loops).toBe(2);
    expect(Number.isInteger(w.mean.pool_max)).toBe(true);
    // a figure that moves is still the time-weighted mean
    const expected = DTS.reduce((a, dt, i) => a + ((i % 3) + 0.5) * dt, 0) / DTS.reduce((a, dt) => a + dt, 0);
    expect(w.mean.pool_busy).toBeCloseTo(expected, 12);
  });

  it('prints the pool size as an integer in the assessment and the Server View resources', () => {
    const use = summarizeResources(series(40, () => 10), 0, Infinity);
    const pool = utilisations(use).find((u) => u.resource === 'the database connection pool')!;
    expect(pool.detail).toBe('10.00 of 40 connections in use on average, up to 3 requests waiting (mean 3.00)');
    expect(resourceFindings(use).warnings[0]).toContain('pool of 40 with 10.0 in use on average');
  });

  it('a pool whose size changed in the window (a worker replaced) gets its real mean', () => {
    const s = series(40, () => 10);
    s.samples[0]!.pool_max = 20;
    const w = resourceMeansInWindow(s, 0, Infinity);
    const expected = (20 * DTS[0]! + 40 * DTS.slice(1).reduce((a, dt) => a + dt, 0)) / DTS.reduce((a, dt) => a + dt, 0);
    expect(w.mean.pool_max).toBeCloseTo(expected, 12);
    expect(w.max.pool_max).toBe(40);
  });
});
