// The mergeable result file of one k6 instance (`*.result.json.gz`): everything a report needs from
// that instance, in a size that does not grow with the number of requests — per time slice and per
// (scenario, operation, route, status, failed) a latency histogram (histogram.ts: the one bucket
// definition), plus counters (cache lookups and hits, harness errors, dropped iterations), the
// acknowledged writes Data Safety verifies, and who wrote it (run id, schema version, execution
// segment, k6 version). loadlab writes it from the instance's k6 CSV (stock k6 everywhere: local
// runs, CI, k6-operator runners); merge.ts adds any number of them up.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { Threshold } from '../report/assessment';
import { HISTOGRAM_SCHEME, Histogram, type HistogramJson } from './histogram';
import { forEachK6Row } from './k6-samples';

export const RESULT_FORMAT = 'loadlab-result';
export const RESULT_SCHEMA_VERSION = 1;
export const SLICE_MS = 1000;
export const RESULT_FILE_SUFFIX = '.result.json.gz';

/** Custom metrics of the scenarios (scenarios/lib/metrics.ts) and k6's own that the file counts. */
export const COUNTED_METRICS = ['writes_acked', 'cache_hit', 'harness_errors', 'dropped_iterations', 'vus'] as const;

const HistogramSchema = z.object({ n: z.number().int().min(0), sum_ns: z.number(), min_ns: z.number(), max_ns: z.number(), b: z.array(z.number().int()) });

/** What every instance of one run shares; merge refuses files whose run blocks differ. */
export const RunBlock = z.object({
  run_id: z.string().min(1),
  kind: z.string(),
  scenario: z.string(),
  instances: z.number().int().min(1),
  /** k6 --execution-segment-sequence, e.g. "0,1/2,1" */
  sequence: z.string(),
  k6_version: z.string(),
  thresholds: z.array(Threshold),
  /** users x ops when the run sends a fixed number of requests */
  expected_requests: z.number().int().optional(),
  warmup_scenarios: z.array(z.string()),
  /** VUs of the whole run (all instances) */
  vus: z.number().int(),
  /** The run's settings, echoed into summary.config. */
  config: z.record(z.string(), z.unknown()),
});
export type RunBlock = z.infer<typeof RunBlock>;

export const InstanceBlock = z.object({
  /** 1-based, as k6-operator numbers its runners */
  index: z.number().int().min(1),
  /** k6 --execution-segment, e.g. "0:1/2" */
  segment: z.string(),
  started_at: z.string(),
  finished_at: z.string(),
  k6_exit_code: z.number().int().nullable(),
  /** When the harness released the paused instance (epoch ms), when it did. */
  resumed_at_ms: z.number().nullable(),
  /** k6's own CPU and memory, sampled from /proc by the harness; null where it could not (a pod). */
  generator: z.object({ cpu_avg_cores: z.number(), cpu_peak_cores: z.number(), rss_peak_mb: z.number(), samples: z.number().int() }).nullable(),
  /** level=error lines in the instance's k6 log; null when the log was not available */
  script_errors: z.number().int().nullable(),
  vus_max: z.number().int(),
  /** Start (t − duration) of the instance's setup() request: the moment it really began its test. */
  setup_start_ms: z.number().nullable(),
  /** First and last request sample (epoch ms), and the first request's start (t − duration). */
  first_request_ms: z.number().nullable(),
  first_request_start_ms: z.number().nullable(),
  last_request_ms: z.number().nullable(),
});
export type InstanceBlock = z.infer<typeof InstanceBlock>;

export const SeriesKey = z.object({ scenario: z.string(), op: z.string(), name: z.string(), status: z.number().int(), failed: z.boolean() });
export type SeriesKey = z.infer<typeof SeriesKey>;

export const AckedWriteSchema = z.object({ t: z.number(), op: z.string(), ref: z.string(), expect: z.string() });

export const ResultFile = z.object({
  format: z.literal(RESULT_FORMAT),
  schema_version: z.number().int(),
  run: RunBlock,
  instance: InstanceBlock,
  histogram: z.object({
    scheme: z.literal(HISTOGRAM_SCHEME.scheme),
    unit: z.literal(HISTOGRAM_SCHEME.unit),
    sub_buckets: z.literal(HISTOGRAM_SCHEME.sub_buckets),
    exact_below_ns: z.literal(HISTOGRAM_SCHEME.exact_below_ns),
    relative_precision: z.number(),
  }),
  slice_ms: z.literal(SLICE_MS),
  /** Per series: slice start (epoch s, as a string key) -> histogram of the requests that ended in it. */
  series: z.array(SeriesKey.extend({ first_ms: z.number(), last_ms: z.number(), slices: z.record(z.string(), HistogramSchema) })),
  counters: z.object({
    /** per scenario: responses with X-Cache, and HITs among them */
    cache: z.record(z.string(), z.object({ lookups: z.number().int(), hits: z.number().int() })),
    /** per scenario, per op: 404s on ids the harness sampled */
    harness_errors: z.record(z.string(), z.record(z.string(), z.number().int())),
    /** per scenario */
    dropped_iterations: z.record(z.string(), z.number().int()),
    /** slice start (epoch s) -> the most VUs k6 reported active in it (active users over time); absent in older files */
    vus: z.record(z.string(), z.number().int()).optional(),
  }),
  acked_writes: z.array(AckedWriteSchema),
});
export type ResultFile = z.infer<typeof ResultFile>;

const keyOf = (k: SeriesKey) => `${k.scenario}\t${k.op}\t${k.name}\t${k.status}\t${k.failed ? 1 : 0}`;

/** Accumulates one instance's samples, one at a time. */
export class ResultBuilder {
  private series = new Map<string, { key: SeriesKey; first: number; last: number; slices: Map<number, Histogram> }>();
  private cache: ResultFile['counters']['cache'] = {};
  private harness: ResultFile['counters']['harness_errors'] = {};
  private dropped: ResultFile['counters']['dropped_iterations'] = {};
  private writes: ResultFile['acked_writes'] = [];
  private vusMax = 0;
  private vusBySlice = new Map<number, number>();
  private firstT = Infinity;
  private firstStart = Infinity;
  private lastT = -Infinity;
  private setupStart = Infinity;

  addRequest(r: { t: number; ms: number; status: number; op: string; name: string; scenario: string; failed: boolean }): void {
    const key = { scenario: r.scenario, op: r.op, name: r.name, status: r.status, failed: r.failed };
    const k = keyOf(key);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { key, first: r.t, last: r.t, slices: new Map() }));
    if (r.t < s.first) s.first = r.t;
    if (r.t > s.last) s.last = r.t;
    const slice = Math.floor(r.t / SLICE_MS);
    let h = s.slices.get(slice);
    if (!h) s.slices.set(slice, (h = new Histogram()));
    h.add(r.ms);
    if (r.op === 'setup') this.setupStart = Math.min(this.setupStart, r.t - r.ms);
    if (r.op === 'setup' || r.op === 'teardown') return;
    this.firstT = Math.min(this.firstT, r.t);
    this.firstStart = Math.min(this.firstStart, r.t - r.ms);
    this.lastT = Math.max(this.lastT, r.t);
  }

  addMetric(metric: string, t: number, value: number, tags: Record<string, string>): void {
    const scenario = tags.scenario ?? '';
    switch (metric) {
      case 'cache_hit': {
        const c = (this.cache[scenario] ??= { lookups: 0, hits: 0 });
        c.lookups++;
        if (value === 1) c.hits++;
        break;
      }
      case 'harness_errors': {
        const byOp = (this.harness[scenario] ??= {});
        const op = tags.op ?? '?';
        byOp[op] = (byOp[op] ?? 0) + Math.round(value);
        break;
      }
      case 'dropped_iterations':
        this.dropped[scenario] = (this.dropped[scenario] ?? 0) + Math.round(value);
        break;
      case 'writes_acked':
        this.writes.push({ t, op: tags.op ?? '?', ref: tags.ref ?? '?', expect: tags.expect ?? '' });
        break;
      case 'vus': {
        if (value > this.vusMax) this.vusMax = Math.round(value);
        const slice = Math.floor(t / SLICE_MS);
        this.vusBySlice.set(slice, Math.max(this.vusBySlice.get(slice) ?? 0, Math.round(value)));
        break;
      }
    }
  }

  build(run: RunBlock, instance: Omit<InstanceBlock, 'vus_max' | 'setup_start_ms' | 'first_request_ms' | 'first_request_start_ms' | 'last_request_ms'>): ResultFile {
    const series = [...this.series.values()]
      .sort((a, b) => keyOf(a.key).localeCompare(keyOf(b.key)))
      .map(({ key, first, last, slices }) => ({
        ...key,
        first_ms: first,
        last_ms: last,
        slices: Object.fromEntries([...slices.entries()].sort((a, b) => a[0] - b[0]).map(([s, h]) => [String(s), h.toJSON()])) as Record<string, HistogramJson>,
      }));
    return {
      format: RESULT_FORMAT,
      schema_version: RESULT_SCHEMA_VERSION,
      run,
      instance: {
        ...instance,
        vus_max: this.vusMax,
        setup_start_ms: Number.isFinite(this.setupStart) ? this.setupStart : null,
        first_request_ms: Number.isFinite(this.firstT) ? this.firstT : null,
        first_request_start_ms: Number.isFinite(this.firstStart) ? this.firstStart : null,
        last_request_ms: Number.isFinite(this.lastT) ? this.lastT : null,
      },
      histogram: { ...HISTOGRAM_SCHEME },
      slice_ms: SLICE_MS,
      series,
      counters: {
        cache: this.cache,
        harness_errors: this.harness,
        dropped_iterations: this.dropped,
        vus: Object.fromEntries([...this.vusBySlice.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v])),
      },
      acked_writes: this.writes,
    };
  }
}

/** Streams one instance's k6 CSV (plain or .gz) into a builder: memory bounded by the histograms. */
export async function resultBuilderFromCsv(csv: string): Promise<ResultBuilder> {
  const b = new ResultBuilder();
  await forEachK6Row(csv, COUNTED_METRICS, (row) => {
    if (row.kind === 'request') b.addRequest(row.request);
    else b.addMetric(row.metric, row.t, row.value, row.tags);
  });
  return b;
}

/** Written through a temporary name, so a crash never leaves a half-written result file behind. */
export function writeResultFile(file: string, r: ResultFile): void {
  const tmp = `${file}.partial`;
  writeFileSync(tmp, gzipSync(JSON.stringify(r)));
  renameSync(tmp, file);
}

export class ResultFileError extends Error {}

/** Reads and validates one result file; the error names what is wrong with it. */
export function readResultFile(file: string): ResultFile {
  let raw: unknown;
  try {
    const bytes = readFileSync(file);
    raw = JSON.parse((bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8'));
  } catch (err) {
    throw new ResultFileError(`not a readable result file (${(err as Error).message.split('\n')[0]})`);
  }
  const head = raw as { format?: unknown; schema_version?: unknown };
  if (head?.format !== RESULT_FORMAT) throw new ResultFileError(`not a loadlab result file (format ${JSON.stringify(head?.format ?? null)})`);
  if (head.schema_version !== RESULT_SCHEMA_VERSION) {
    throw new ResultFileError(`result schema version ${String(head.schema_version)}, this loadlab reads version ${RESULT_SCHEMA_VERSION}`);
  }
  const parsed = ResultFile.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new ResultFileError(`malformed result file (${i.path.join('.') || 'root'}: ${i.message})`);
  }
  return parsed.data;
}
