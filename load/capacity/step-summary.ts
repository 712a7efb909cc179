// Turns one capacity step's raw request samples (and the CPU samples taken during it) into the
// numbers the model uses: throughput and response time over the steady-state window only, and
// whether the load generator saturated (then the step is left out of the fit, with the reason).
//
// Steady-state window rule: t0 = the end of setup()'s health check, i.e. the moment the
// scenario starts (the first request of the step when there is none); users start at random
// moments in [t0, t0 + ramp). The window starts after the ramp plus one settle period
// (min(mean think time, hold/4)) and ends `tail` (min(2 s, hold/10)) before the scheduled end,
// so neither the ramp nor the cut-off of the last iterations is measured.
import { z } from 'zod';
import { latencyStats, percentile } from '../results/stats';
import type { RequestSample } from '../results/k6-samples';
import { resourceMeansInWindow, type ResourceSeries } from '../results/resource-sampler';
import { machineBusyInWindow, usageInWindow, type MachineSample, type ProcessSeries } from './window-usage';

/** Thresholds for "the generator, not the server, was the limit". */
export const SATURATION = {
  /** k6 CPU averaged over the window, in cores: near one full core means it was starved. */
  k6CpuCores: 0.9,
  /**
   * Users behind their own schedule: mean vu_lag (wake-up after think time later than intended)
   * of at least this many ms, or this share of the mean think time, whichever is larger.
   */
  vuLagMs: 20,
  vuLagShareOfThink: 0.05,
  /**
   * Little's-law check: in a steady closed loop X·(R + Z)/N ≈ 1. Well below that the window
   * was not at steady state (typically a queue still growing at the server); noted, not excluded.
   */
  minPacing: 0.9,
} as const;

export const StepSummary = z.object({
  users: z.number().int(),
  think_time_ms: z.number(),
  ramp_up_s: z.number(),
  hold_s: z.number(),
  run_tag: z.string(),
  started_at: z.string(),
  k6_exit_code: z.number().int(),
  window: z.object({ start: z.number(), end: z.number(), seconds: z.number(), rule: z.string() }),
  requests: z.number().int(),
  errors: z.number().int(),
  error_pct: z.number(),
  throughput_rps: z.number(),
  /** `sd`: standard deviation of the window's response times (absent in steps recorded before 2026-12-01 22:00 UTC) */
  latency_ms: z.object({ avg: z.number(), med: z.number(), p95: z.number(), p99: z.number(), max: z.number(), sd: z.number().optional() }),
  /** X·(R+Z)/N over the window: 1.0 = a steady closed loop (Little's law) */
  pacing: z.number(),
  /** how late users woke up from think time (generator lag), ms; null when not recorded */
  vu_lag_ms: z.object({ avg: z.number(), p95: z.number() }).nullable(),
  k6: z.object({ cpu_cores: z.number().nullable(), cpu_cores_max: z.number().nullable(), rss_mb_peak: z.number().nullable(), mb_per_vu: z.number().nullable() }),
  server_cpu_cores: z.number().nullable(),
  machine_busy_pct: z.number().nullable(),
  saturated: z.boolean(),
  saturation_reasons: z.array(z.string()),
  /** observations that do not exclude the step (errors, no steady state, busy machine) */
  notes: z.array(z.string()),
  /**
   * Resource use over the steady-state window (means and maxima of the per-second series in
   * <step>-resources.json) and where each figure came from. Absent in steps recorded before the
   * resource sampler existed: those steps carry no demands.
   */
  resources: z
    .object({
      samples: z.number().int(),
      cores: z.number().int(),
      sources: z.record(z.string(), z.string()),
      mean: z.record(z.string(), z.number()),
      max: z.record(z.string(), z.number()),
    })
    .optional(),
  /** The data the step started from (GET /api/v1/stats): rows of the tables the mix reads and writes. */
  data_at_start: z.object({ members: z.number().int(), member_employments: z.number().int() }).nullable().optional(),
  /** Response-time quantiles of the window, p0…p100 in steps of 1 (ms, failures included). */
  latency_quantiles_ms: z.array(z.number()).optional(),
  /** --instances N: the k6 processes of the step; `k6` above is the busiest one (RSS: all). */
  k6_instances: z.object({ count: z.number().int(), start_skew_ms: z.number().nullable(), cpu_cores: z.array(z.number().nullable()) }).optional(),
});
export type StepSummary = z.infer<typeof StepSummary>;

export interface StepWindow {
  start: number;
  end: number;
  rule: string;
}

export function steadyStateWindow(firstRequestT: number, rampUpS: number, holdS: number, thinkMs: number): StepWindow {
  const settleS = Math.min(thinkMs / 1000, holdS / 4);
  const tailS = Math.min(2, holdS / 10);
  return {
    start: firstRequestT + (rampUpS + settleS) * 1000,
    end: firstRequestT + (rampUpS + holdS - tailS) * 1000,
    rule: `scenario start + ramp ${rampUpS} s + settle ${settleS.toFixed(1)} s  ..  scheduled end − ${tailS.toFixed(1)} s`,
  };
}

export interface StepInput {
  users: number;
  thinkMs: number;
  rampUpS: number;
  holdS: number;
  runTag: string;
  startedAt: string;
  k6ExitCode: number;
  requests: RequestSample[];
  /** vu_lag metric samples (t, value ms) from the scenario */
  vuLag?: { t: number; value: number }[];
  /** ProcessSampler series of k6 and its peak RSS (MB) */
  k6Samples?: ProcessSeries;
  k6PeakMb?: number;
  serverSamples?: ProcessSeries;
  machineSamples?: MachineSample[];
  resources?: ResourceSeries;
  dataAtStart?: { members: number; member_employments: number } | null;
}

export function summarizeStep(s: StepInput): StepSummary {
  const load = s.requests.filter((r) => r.op !== 'setup' && r.op !== 'teardown');
  const setupEnd = s.requests.filter((r) => r.op === 'setup').reduce((m, r) => Math.max(m, r.t), -Infinity);
  const first = Number.isFinite(setupEnd) ? setupEnd : load.reduce((m, r) => Math.min(m, r.t), Infinity);
  const win = steadyStateWindow(Number.isFinite(first) ? first : 0, s.rampUpS, s.holdS, s.thinkMs);
  const inWin = load.filter((r) => r.t >= win.start && r.t < win.end);
  const seconds = Math.max((win.end - win.start) / 1000, 0);
  const errors = inWin.filter((r) => r.failed).length;
  const lat = latencyStats(inWin.map((r) => r.ms));
  const throughput = seconds > 0 ? inWin.length / seconds : 0;
  const pacing = inWin.length ? (throughput * (lat.avg + s.thinkMs)) / 1000 / s.users : 0;
  const k6 = usageInWindow(s.k6Samples ?? [], win.start, win.end);
  const res = s.resources ? resourceMeansInWindow(s.resources, win.start, win.end) : undefined;
  const server = s.serverSamples ? usageInWindow(s.serverSamples, win.start, win.end) : { cpuCores: res?.mean.api_cpu_cores ?? null };
  const machineBusy = s.machineSamples ? machineBusyInWindow(s.machineSamples, win.start, win.end) : null;
  const busy = machineBusy ?? (res?.mean.machine_busy_cores !== undefined && s.resources ? res.mean.machine_busy_cores / s.resources.cores : null);

  const lagInWin = (s.vuLag ?? []).filter((l) => l.t >= win.start && l.t < win.end).map((l) => l.value);
  const lag = lagInWin.length ? latencyStats(lagInWin) : null;
  const lagLimit = Math.max(SATURATION.vuLagMs, SATURATION.vuLagShareOfThink * s.thinkMs);

  const reasons: string[] = [];
  if (inWin.length === 0) reasons.push('no requests completed in the steady-state window');
  if (k6.cpuCores !== null && k6.cpuCores >= SATURATION.k6CpuCores) {
    reasons.push(`k6 used ${k6.cpuCores.toFixed(2)} CPU cores (limit ${SATURATION.k6CpuCores})`);
  }
  if (lag && lag.avg >= lagLimit) {
    reasons.push(`users woke from think time ${lag.avg.toFixed(0)} ms late on average (limit ${lagLimit.toFixed(0)} ms): k6 could not keep its VUs on schedule`);
  }
  const notes: string[] = [];
  if (inWin.length > 0 && pacing < SATURATION.minPacing) {
    notes.push(`X·(R+Z)/N = ${pacing.toFixed(2)}: fewer requests than think time and response time allow (overhead outside the request, or a queue still building in the window)`);
  }
  if (errors > 0 && errors / inWin.length >= 0.01) notes.push(`${((100 * errors) / inWin.length).toFixed(1)}% of requests failed (counted in throughput and response time)`);

  const nan0 = (v: number) => (Number.isFinite(v) ? v : 0);
  return {
    users: s.users,
    think_time_ms: s.thinkMs,
    ramp_up_s: s.rampUpS,
    hold_s: s.holdS,
    run_tag: s.runTag,
    started_at: s.startedAt,
    k6_exit_code: s.k6ExitCode,
    window: { start: win.start, end: win.end, seconds, rule: win.rule },
    requests: inWin.length,
    errors,
    error_pct: inWin.length ? (100 * errors) / inWin.length : 0,
    throughput_rps: throughput,
    latency_ms: { avg: nan0(lat.avg), med: nan0(lat.med), p95: nan0(lat.p95), p99: nan0(lat.p99), max: nan0(lat.max), sd: nan0(lat.sd) },
    pacing,
    vu_lag_ms: lag ? { avg: lag.avg, p95: lag.p95 } : null,
    k6: {
      cpu_cores: k6.cpuCores,
      cpu_cores_max: k6.cpuCoresMax,
      rss_mb_peak: s.k6PeakMb ?? null,
      mb_per_vu: s.k6PeakMb !== undefined ? s.k6PeakMb / s.users : null,
    },
    server_cpu_cores: server.cpuCores,
    machine_busy_pct: busy === null ? null : 100 * busy,
    saturated: reasons.length > 0,
    saturation_reasons: reasons,
    notes,
    ...(res && s.resources ? { resources: { samples: res.samples, cores: s.resources.cores, sources: s.resources.sources, mean: res.mean, max: res.max } } : {}),
    ...(s.dataAtStart !== undefined ? { data_at_start: s.dataAtStart } : {}),
    ...(inWin.length ? { latency_quantiles_ms: quantiles(inWin.map((r) => r.ms)) } : {}),
  };
}

/** p0…p100 in steps of 1, by the same interpolation as every other percentile here. */
export function quantiles(values: number[]): number[] {
  const sorted = Float64Array.from(values).sort();
  return Array.from({ length: 101 }, (_, p) => Math.round(percentile(sorted, p) * 1000) / 1000);
}

