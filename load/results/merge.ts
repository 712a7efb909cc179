// Merging the result files of one run's k6 instances: histograms add bucket by bucket and counters
// add, so the merged percentiles are those of the union of all requests (within the histogram's
// stated precision), never an average of per-instance percentiles. Files are read one at a time
// and dropped after they are added: memory holds the merged histograms (bounded by time slices x
// series x buckets), not the requests. A set that is not exactly one run — a file of another run,
// schema or k6 version, two files for one segment, a segment nobody reported — is named problem
// by problem, and the merge is marked incomplete.
import path from 'node:path';
import { K6_SATURATED_CORES } from '../report/assessment';
import { segmentsOfSequence } from '../lib/execution-segments';
import { Histogram } from './histogram';
import { readResultFile, ResultFileError, type InstanceBlock, type ResultFile, type RunBlock, type SeriesKey } from './result-file';

export interface InstanceResult extends InstanceBlock {
  file: string;
  /** requests of this instance, setup/teardown excluded (warm-up included) */
  requests: number;
  failed: number;
  dropped_iterations: number;
  saturated: boolean;
  saturation_reasons: string[];
}

export interface MergedSeries {
  key: SeriesKey;
  hist: Histogram;
  first_ms: number;
  last_ms: number;
}

export interface MergedRun {
  run: RunBlock;
  instances: InstanceResult[];
  /** Whole-run histogram per (scenario, op, route, status, failed). */
  series: MergedSeries[];
  /** Per scenario, per time slice (epoch s): all operations' requests (setup/teardown excluded). */
  slices: Map<string, Map<number, { hist: Histogram; errors: number }>>;
  cache: Record<string, { lookups: number; hits: number }>;
  harness_errors: Record<string, Record<string, number>>;
  dropped_iterations: Record<string, number>;
  acked_writes: number;
  /** Files whose acknowledged writes belong to the merged run (read again one by one to verify). */
  files: string[];
  problems: string[];
  complete: boolean;
}

const LOAD = (op: string) => op !== 'setup' && op !== 'teardown';
const stable = (v: unknown): string => JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));

function runDifference(a: RunBlock, b: RunBlock): string | undefined {
  if (a.run_id !== b.run_id) return `belongs to run ${a.run_id}, not ${b.run_id}`;
  if (a.k6_version !== b.k6_version) return `written by k6 ${a.k6_version}, the rest of run ${b.run_id} by k6 ${b.k6_version}`;
  if (a.sequence !== b.sequence || a.instances !== b.instances) return `was one of ${a.instances} instances (segments ${a.sequence}), the rest of the run one of ${b.instances} (${b.sequence})`;
  if (stable(a) !== stable(b)) return `describes run ${a.run_id} differently from the other files (kind, scenario, settings or thresholds)`;
  return undefined;
}

function saturation(i: InstanceBlock, dropped: number): string[] {
  const r: string[] = [];
  if (i.generator && i.generator.cpu_avg_cores >= K6_SATURATED_CORES) r.push(`k6 used ${i.generator.cpu_avg_cores.toFixed(2)} cores on average`);
  if (dropped > 0) r.push(`dropped ${dropped} iterations`);
  return r;
}

/** Files are named relative to the working directory in problems. */
const shown = (f: string) => path.relative(process.cwd(), f) || f;

/** k6's exit code when a signal (or the harness) aborted the run: its samples up to then are the result. */
export const K6_ABORTED = 105;

/** `stoppedOnPurpose`: the harness itself stopped k6 (an interrupt, a dead server), so exit code 105 is expected. */
export function mergeResultFiles(files: string[], o: { stoppedOnPurpose?: boolean } = {}): MergedRun {
  const problems: string[] = [];
  // Pass 1: who is who. Only the run and instance blocks are kept.
  const heads: { file: string; run: RunBlock; instance: InstanceBlock }[] = [];
  for (const file of files) {
    try {
      const r = readResultFile(file);
      heads.push({ file, run: r.run, instance: r.instance });
    } catch (err) {
      if (!(err instanceof ResultFileError)) throw err;
      problems.push(`${shown(file)}: ${err.message}`);
    }
  }
  if (heads.length === 0) throw new ResultFileError(problems.length ? problems.join('; ') : 'no result files given');
  // The run is the one most files belong to (ties: the first file's).
  const byRun = new Map<string, number>();
  for (const h of heads) byRun.set(h.run.run_id, (byRun.get(h.run.run_id) ?? 0) + 1);
  const best = Math.max(...byRun.values());
  const ref = heads.find((h) => byRun.get(h.run.run_id) === best)!.run;
  const segments = segmentsOfSequence(ref.sequence);
  const taken = new Map<string, string>();
  const accepted: { file: string; instance: InstanceBlock }[] = [];
  for (const h of heads) {
    const diff = runDifference(h.run, ref);
    if (diff) {
      problems.push(`${shown(h.file)}: ${diff}`);
      continue;
    }
    const seg = h.instance.segment;
    if (!segments.includes(seg)) {
      problems.push(`${shown(h.file)}: segment ${seg} is not one of the run's segments (${segments.join(' ')})`);
      continue;
    }
    const other = taken.get(seg);
    if (other) {
      problems.push(`${shown(h.file)}: duplicate of segment ${seg}, already read from ${shown(other)} (left out)`);
      continue;
    }
    taken.set(seg, h.file);
    accepted.push(h);
    const code = h.instance.k6_exit_code;
    if (code !== null && code !== 0 && code !== 99 && !(o.stoppedOnPurpose && code === K6_ABORTED)) problems.push(`${shown(h.file)}: k6 instance ${h.instance.index} (segment ${seg}) exited with code ${code}`);
  }
  segments.forEach((seg, i) => {
    if (!taken.has(seg)) problems.push(`segment ${seg} (instance ${i + 1} of ${segments.length}): no result file — that instance never reported`);
  });

  // Pass 2: add the accepted files up, one at a time.
  const series = new Map<string, MergedSeries>();
  const slices = new Map<string, Map<number, { hist: Histogram; errors: number }>>();
  const cache: MergedRun['cache'] = {};
  const harness: MergedRun['harness_errors'] = {};
  const dropped: MergedRun['dropped_iterations'] = {};
  let ackedWrites = 0;
  const instances: InstanceResult[] = [];
  for (const { file } of accepted) {
    const r: ResultFile = readResultFile(file);
    let requests = 0;
    let failed = 0;
    for (const s of r.series) {
      const key: SeriesKey = { scenario: s.scenario, op: s.op, name: s.name, status: s.status, failed: s.failed };
      const k = `${key.scenario}\t${key.op}\t${key.name}\t${key.status}\t${key.failed ? 1 : 0}`;
      let m = series.get(k);
      if (!m) series.set(k, (m = { key, hist: new Histogram(), first_ms: s.first_ms, last_ms: s.last_ms }));
      m.first_ms = Math.min(m.first_ms, s.first_ms);
      m.last_ms = Math.max(m.last_ms, s.last_ms);
      const load = LOAD(s.op);
      let perScenario = slices.get(s.scenario);
      if (load && !perScenario) slices.set(s.scenario, (perScenario = new Map()));
      for (const [slice, h] of Object.entries(s.slices)) {
        m.hist.merge(h);
        if (!load) continue;
        requests += h.n;
        if (s.failed) failed += h.n;
        const t = Number(slice);
        let cell = perScenario!.get(t);
        if (!cell) perScenario!.set(t, (cell = { hist: new Histogram(), errors: 0 }));
        cell.hist.merge(h);
        if (s.failed) cell.errors += h.n;
      }
    }
    for (const [sc, c] of Object.entries(r.counters.cache)) {
      const a = (cache[sc] ??= { lookups: 0, hits: 0 });
      a.lookups += c.lookups;
      a.hits += c.hits;
    }
    for (const [sc, byOp] of Object.entries(r.counters.harness_errors)) {
      const a = (harness[sc] ??= {});
      for (const [op, n] of Object.entries(byOp)) a[op] = (a[op] ?? 0) + n;
    }
    let instDropped = 0;
    for (const [sc, n] of Object.entries(r.counters.dropped_iterations)) {
      dropped[sc] = (dropped[sc] ?? 0) + n;
      instDropped += n;
    }
    ackedWrites += r.acked_writes.length;
    const reasons = saturation(r.instance, instDropped);
    instances.push({ ...r.instance, file, requests, failed, dropped_iterations: instDropped, saturated: reasons.length > 0, saturation_reasons: reasons });
  }
  instances.sort((a, b) => a.index - b.index);
  return {
    run: ref,
    instances,
    series: [...series.values()],
    slices,
    cache,
    harness_errors: harness,
    dropped_iterations: dropped,
    acked_writes: ackedWrites,
    files: accepted.map((a) => a.file),
    problems,
    complete: problems.length === 0,
  };
}

/** Acknowledged writes of the merged run, one instance file at a time (rows are per-VU, VUs per segment). */
export function* ackedWritesByFile(m: MergedRun): Generator<ResultFile['acked_writes']> {
  for (const f of m.files) yield readResultFile(f).acked_writes;
}
