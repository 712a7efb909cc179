// Per-second buckets of the run (throughput, errors, latency percentiles) for the HTML charts.
import { percentile } from './stats';
import type { RequestSample } from './k6-samples';

export interface TimelinePoint {
  t: number;
  requests: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
}

export function timeline(requests: RequestSample[]): TimelinePoint[] {
  const buckets = new Map<number, number[]>();
  const errors = new Map<number, number>();
  for (const r of requests) {
    const s = Math.floor(r.t / 1000);
    let b = buckets.get(s);
    if (!b) buckets.set(s, (b = []));
    b.push(r.ms);
    if (r.failed) errors.set(s, (errors.get(s) ?? 0) + 1);
  }
  if (buckets.size === 0) return [];
  const first = Math.min(...buckets.keys());
  const last = Math.max(...buckets.keys());
  const out: TimelinePoint[] = [];
  for (let s = first; s <= last; s++) {
    const v = Float64Array.from(buckets.get(s) ?? []).sort();
    out.push({ t: s, requests: v.length, errors: errors.get(s) ?? 0, p50: v.length ? percentile(v, 50) : 0, p95: v.length ? percentile(v, 95) : 0, p99: v.length ? percentile(v, 99) : 0 });
  }
  return out;
}
