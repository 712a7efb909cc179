// summary.json: the machine-readable result of a run. Versioned; validated by zod on read, so a
// corrupt or foreign file is refused with a message instead of half-read.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ResourceUse, ThresholdResult } from './assessment';

export const SUMMARY_SCHEMA_VERSION = 1;

const Latency = z.object({
  count: z.number(),
  avg: z.number(),
  med: z.number(),
  p95: z.number(),
  p99: z.number(),
  min: z.number(),
  max: z.number(),
});

export const OperationSummary = z.object({
  op: z.string(),
  names: z.array(z.string()),
  count: z.number().int(),
  errors: z.number().int(),
  latency_ms: Latency,
});

const Count3 = z.object({ acknowledged: z.number().int(), verified: z.number().int(), lost: z.number().int() });

export const DataSafetySchema = Count3.extend({
  /** Set when the writes could not be checked (e.g. `loadlab merge` without --target): then lost is not known. */
  unverified_reason: z.string().optional(),
  /** Cut runs / dead servers: acknowledged values superseded by a write whose answer never came (counted as verified). */
  changed_unanswered: z.number().int().optional(),
  /** Writes whose row could not be read back (database or API unreachable at verify time): neither verified nor lost. */
  unverified: z.number().int().optional(),
  unverified_reasons: z.array(z.string()).optional(),
  by_op: z.record(z.string(), Count3.extend({ unverified: z.number().int().optional() })),
  lost_examples: z.array(z.object({ op: z.string(), ref: z.string(), expect: z.string(), found: z.string() })),
});

const CountPair = z.object({ key: z.string(), client: z.number(), server: z.number() });
export const ServerViewSchema = z.object({
  available: z.boolean(),
  reason: z.string().optional(),
  counts: z.array(CountPair),
  mismatches: z.array(CountPair),
  client_requests: z.number(),
  server_requests: z.number(),
  db_time_share_pct: z.number().optional(),
  server_cache_hit_pct: z.number().optional(),
  client_cache_hit_pct: z.number().optional(),
  cache_lookups_server: z.number().optional(),
  cache_lookups_client: z.number().optional(),
  pool_waiting_max: z.number().optional(),
  pool_total_max: z.number().optional(),
  reads_from: z.object({ replica: z.number(), primary: z.number() }).optional(),
});

export const GeneratorSchema = z.object({
  k6_cpu_avg_cores: z.number(),
  k6_cpu_peak_cores: z.number(),
  k6_rss_peak_mb: z.number(),
  k6_mb_per_vu: z.number(),
  vus: z.number().int(),
  dropped_iterations: z.number().int(),
  /** Errors k6 logged while running the script (exceptions abort an iteration before its request). */
  script_errors: z.number().int(),
  /** Set when nobody could sample k6's CPU and memory (k6-operator runners): the figures above are 0. */
  not_measured_reason: z.string().optional(),
});

export const TimelineSchema = z.array(
  z.object({ t: z.number(), requests: z.number(), errors: z.number(), p50: z.number(), p95: z.number(), p99: z.number() }),
);

/** The k6 instances of a run (`--instances N`, or result files merged by `loadlab merge`). */
export const InstancesSchema = z.object({
  count: z.number().int(),
  sequence: z.string(),
  /** false when a result file was missing, foreign or duplicated: then the figures are not the run's */
  complete: z.boolean(),
  problems: z.array(z.string()),
  /** spread of the instances' setup() start times (each instance's real start), ms */
  start_skew_ms: z.number().nullable(),
  /** spread of the moments the harness resumed the paused instances, ms */
  resume_skew_ms: z.number().nullable(),
  list: z.array(
    z.object({
      index: z.number().int(),
      segment: z.string(),
      requests: z.number().int(),
      failed: z.number().int(),
      dropped_iterations: z.number().int(),
      vus_max: z.number().int(),
      k6_cpu_avg_cores: z.number().nullable(),
      k6_cpu_peak_cores: z.number().nullable(),
      k6_rss_peak_mb: z.number().nullable(),
      start_offset_ms: z.number().nullable(),
      saturated: z.boolean(),
      saturation_reasons: z.array(z.string()),
    }),
  ),
});

export const InterruptionSchema = z.object({
  signal: z.string(),
  /** when the first signal came (ISO) and how far into the run (from k6's start) */
  at: z.string(),
  after_s: z.number(),
  /** gracefully = k6 ended its iterations on SIGINT; at once = a second signal killed it */
  k6_stopped: z.enum(['gracefully', 'at once']),
  requested: z.object({ requests: z.number().int().nullable(), seconds: z.number().nullable() }),
  completed: z.object({ requests: z.number().int(), seconds: z.number() }),
  /** capacity: the step that was cut, and the steps completed before it */
  cut_step: z.string().optional(),
  completed_steps: z.array(z.string()).optional(),
  /** cut before the measured part began: the figures are the warm-up's (no measured request ran) */
  during_warmup: z.boolean().optional(),
});
export type Interruption = z.infer<typeof InterruptionSchema>;

/** Faults during the run: the API server dying, the database going away (load/results/faults.ts). */
export const FaultsSchema = z.object({
  server_exit: z
    .object({
      at: z.string(),
      after_s: z.number(),
      code: z.number().int().nullable(),
      signal: z.string().nullable(),
      how: z.string(),
      log_tail: z.array(z.string()),
      /** failed requests from the moment it died, by status ("0" = no response) */
      failed_after: z.record(z.string(), z.number().int()),
      /** how Data Safety could still verify the writes: a new server process on the same database */
      verified_with: z.string().optional(),
    })
    .optional(),
  database_down: z.array(
    z.object({
      from: z.string(),
      to: z.string().nullable(),
      from_s: z.number(),
      to_s: z.number().nullable(),
      polls: z.number().int(),
      status_503_inside: z.number().int(),
      failed_inside: z.number().int(),
    }),
  ),
  health_polls: z.number().int(),
});
export type Faults = z.infer<typeof FaultsSchema>;

export const RunSummary = z.object({
  schema_version: z.literal(SUMMARY_SCHEMA_VERSION),
  kind: z.string(),
  run_id: z.string(),
  started_at: z.string(),
  finished_at: z.string(),
  k6: z.object({ version: z.string(), exit_code: z.number().int() }),
  config: z.object({
    users: z.number().int(),
    ops: z.number().int(),
    think_time_ms: z.number(),
    ramp_up_s: z.number(),
    scenario: z.string(),
    pattern: z.string(),
    user_split: z.record(z.string(), z.number().int()),
    rate_rps: z.number().optional(),
    duration: z.string().optional(),
    warmup_s: z.number().optional(),
    target: z.string(),
    target_is_own_server: z.boolean(),
    data: z.string(),
  }),
  totals: z.object({
    requests: z.number().int(),
    successful: z.number().int(),
    failed: z.number().int(),
    failed_pct: z.number(),
    duration_s: z.number(),
    throughput_rps: z.number(),
    /** users x ops for runs where every user does a fixed number of operations. */
    expected_requests: z.number().int().optional(),
    /** Requests of a warm-up phase, sent before the measured window and not in these figures. */
    warmup_requests: z.number().int().optional(),
  }),
  latency_ms: Latency,
  operations: z.array(OperationSummary),
  harness_errors: z.object({ total: z.number().int(), by_op: z.record(z.string(), z.number().int()) }),
  generator: GeneratorSchema,
  server_view: ServerViewSchema,
  data_safety: DataSafetySchema,
  thresholds: z.array(ThresholdResult),
  assessment: z.object({ passed: z.boolean(), warnings: z.array(z.string()), notes: z.array(z.string()).optional() }),
  scaling: z.object({
    method: z.string(),
    target_users: z.number(),
    lines: z.array(z.string()),
    required_rps: z.number().optional(),
    demonstrated_rps: z.number(),
  }),
  timeline: TimelineSchema,
  /** Resource use over the measured window (resources.json has the per-second series); absent in older summaries. */
  resources: ResourceUse.optional(),
  /** How the percentiles were computed: from merged histograms of this relative precision. */
  latency_precision: z.object({ scheme: z.string(), relative: z.number() }).optional(),
  instances: InstancesSchema.optional(),
  /** The run was stopped by a signal before it ended: the figures cover what ran (README "Exit codes"). */
  interrupted: z.boolean().optional(),
  interruption: InterruptionSchema.optional(),
  faults: FaultsSchema.optional(),
});
export type RunSummary = z.infer<typeof RunSummary>;

export function readSummary(file: string): RunSummary {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not a readable JSON summary (${(err as Error).message})`);
  }
  const parsed = RunSummary.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new Error(`${file}: not a loadlab summary v${SUMMARY_SCHEMA_VERSION} (${i.path.join('.') || 'root'}: ${i.message})`);
  }
  return parsed.data;
}
