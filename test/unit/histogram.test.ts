// The one bucket definition of the result files: every value lies in its bucket, bucket midpoints
// are within the stated precision, merging is exactly adding, and percentiles from a histogram are
// within RELATIVE_PRECISION of the exact ones (stats.ts, k6's definition) over the same samples.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketOfNs, bucketRangeNs, bucketValueMs, Histogram, RELATIVE_PRECISION, toNs } from '../../load/results/histogram';
import { percentile } from '../../load/results/stats';

const latencyMs = fc.oneof(
  fc.double({ min: 0.0001, max: 5, noNaN: true }),
  fc.double({ min: 5, max: 2_000, noNaN: true }),
  fc.double({ min: 2_000, max: 120_000, noNaN: true }),
);
/** As k6 writes it to the CSV: milliseconds with 6 decimals. */
const k6Value = (ms: number) => Number(ms.toFixed(6));

describe('log-linear buckets over nanoseconds', () => {
  it('puts every value inside its bucket, and the bucket is at most 1/128 of its lower bound wide', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (u) => {
        const [lo, hi] = bucketRangeNs(bucketOfNs(u));
        expect(u).toBeGreaterThanOrEqual(lo);
        expect(u).toBeLessThan(hi);
        if (u >= 256) expect((hi - lo) / lo).toBeLessThanOrEqual(1 / 128);
        else expect(hi - lo).toBe(1);
      }),
      { numRuns: 2000 },
    );
  });

  it('numbers buckets in the order of the values, without gaps at powers of two', () => {
    for (const e of [8, 9, 20, 33, 40]) {
      const below = bucketOfNs(2 ** e - 1);
      const at = bucketOfNs(2 ** e);
      expect(at).toBe(below + 1);
      expect(bucketRangeNs(below)[1]).toBe(bucketRangeNs(at)[0]);
    }
  });

  it('stands for every value of a bucket by a midpoint within RELATIVE_PRECISION (1/256)', () => {
    expect(RELATIVE_PRECISION).toBe(1 / 256);
    fc.assert(
      fc.property(latencyMs, (ms) => {
        const v = k6Value(ms);
        const rep = bucketValueMs(bucketOfNs(toNs(v)));
        expect(Math.abs(rep - v) / v).toBeLessThanOrEqual(RELATIVE_PRECISION + 1e-12);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('Histogram', () => {
  it('gives percentiles within RELATIVE_PRECISION of the exact ones over the same samples', () => {
    fc.assert(
      fc.property(fc.array(latencyMs, { minLength: 1, maxLength: 400 }), fc.double({ min: 0, max: 100, noNaN: true }), (raw, p) => {
        const values = raw.map(k6Value).filter((v) => v > 0);
        fc.pre(values.length > 0);
        const h = new Histogram();
        for (const v of values) h.add(v);
        const sorted = Float64Array.from(values).sort();
        for (const q of [50, 95, 99, p]) {
          const exact = percentile(sorted, q);
          const [approx] = h.percentiles([q]);
          expect(Math.abs(approx! - exact) / exact, `p${q}`).toBeLessThanOrEqual(RELATIVE_PRECISION + 1e-9);
        }
        const s = h.stats();
        expect(s.count).toBe(values.length);
        expect(s.min).toBe(sorted[0]);
        expect(s.max).toBe(sorted.at(-1));
        expect(s.avg).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 6);
      }),
      { numRuns: 300 },
    );
  });

  it('merges by adding buckets: any split of the samples merges to the histogram of the union', () => {
    fc.assert(
      fc.property(fc.array(latencyMs, { minLength: 2, maxLength: 300 }), fc.integer({ min: 1, max: 8 }), (raw, parts) => {
        const values = raw.map(k6Value);
        const whole = new Histogram();
        for (const v of values) whole.add(v);
        const pieces = Array.from({ length: parts }, () => new Histogram());
        values.forEach((v, i) => pieces[i % parts]!.add(v));
        // through the file form too: serialize, parse, merge in reverse order
        const merged = new Histogram();
        for (const piece of pieces.reverse()) merged.merge(JSON.parse(JSON.stringify(piece.toJSON())));
        expect(merged.toJSON().b).toEqual(whole.toJSON().b);
        expect(merged.count).toBe(whole.count);
        expect(merged.min).toBe(whole.min);
        expect(merged.max).toBe(whole.max);
        expect(merged.percentiles([50, 95, 99])).toEqual(whole.percentiles([50, 95, 99]));
      }),
      { numRuns: 200 },
    );
  });

  it('is exact below 256 ns and for a single sample', () => {
    const h = new Histogram();
    h.add(0.000123);
    expect(h.stats()).toMatchObject({ count: 1, med: 0.000123, p99: 0.000123, min: 0.000123, max: 0.000123 });
    expect(new Histogram().stats().p95).toBeNaN();
  });
});
