// Per operation and per second, from a run's result files: the latency histogram and failures of
// every operation in every 1-s slice, failures by status per slice, and the active VUs per slice.
// What the HTML report charts over time and what `loadlab compare` resamples (block bootstrap over
// time slices). The run-level figures stay in merge.ts; this keeps the time axis per operation.
import { Histogram } from './histogram';
import { readResultFile } from './result-file';

export interface OpSlice {
  hist: Histogram;
  failed: number;
}

export interface OpSlices {
  /** first and last slice (epoch s) with a measured request; NaN when there was none */
  first: number;
  last: number;
  /** op -> slice (epoch s) -> its requests */
  ops: Map<string, Map<number, OpSlice>>;
  /** status -> slice -> failed requests with that status (0 = no response) */
  failedByStatus: Map<number, Map<number, number>>;
  /** slice -> active VUs summed over the instances (the most each reported in the slice) */
  vus: Map<number, number>;
}

const LOAD = (op: string) => op !== 'setup' && op !== 'teardown';

/** Reads the files one at a time; warm-up scenarios (default: the files' own) and setup/teardown are left out. */
export function readOpSlices(files: string[], warmupScenarios?: string[]): OpSlices {
  const ops = new Map<string, Map<number, OpSlice>>();
  const failedByStatus = new Map<number, Map<number, number>>();
  const vus = new Map<number, number>();
  let first = Infinity;
  let last = -Infinity;
  for (const file of files) {
    const r = readResultFile(file);
    const warm = new Set(warmupScenarios ?? r.run.warmup_scenarios);
    for (const s of r.series) {
      if (!LOAD(s.op) || warm.has(s.scenario)) continue;
      let byT = ops.get(s.op);
      if (!byT) ops.set(s.op, (byT = new Map()));
      for (const [key, h] of Object.entries(s.slices)) {
        const t = Number(key);
        first = Math.min(first, t);
        last = Math.max(last, t);
        let cell = byT.get(t);
        if (!cell) byT.set(t, (cell = { hist: new Histogram(), failed: 0 }));
        cell.hist.merge(h);
        if (!s.failed) continue;
        cell.failed += h.n;
        let st = failedByStatus.get(s.status);
        if (!st) failedByStatus.set(s.status, (st = new Map()));
        st.set(t, (st.get(t) ?? 0) + h.n);
      }
    }
    for (const [key, v] of Object.entries(r.counters.vus ?? {})) vus.set(Number(key), (vus.get(Number(key)) ?? 0) + v);
  }
  return { first: Number.isFinite(first) ? first : Number.NaN, last: Number.isFinite(last) ? last : Number.NaN, ops, failedByStatus, vus };
}
