// capacity.json: the measured steps, the USL fit with its bootstrap band, the Little's-law
// predictions at the target users, the old formula's answer for contrast, and (with --validate)
// the real run at the target. Built from step summaries only, so recorded steps re-render the
// same report. The latest one is what load reports quote in "Scaling to 4,000 Users".
import { InterruptionSchema } from '../report/summary';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { bandOf, bootstrapUsl, fitUsl, littleResponseMs, maxLambdaForThink, maxUsersWithin, MIN_FIT_POINTS, uslThroughput, type UslParams } from './usl';
import { buildDemandSection, DemandSection } from './demand-prediction';
import { chooseHeadline } from './headline';
import { StepSummary } from './step-summary';

export const CAPACITY_SCHEMA_VERSION = 2;

const Range = z.tuple([z.number(), z.number()]);
/** JSON has no Infinity: "every N meets the target" is stored as null with unbounded = true. */
const MaxUsers = z.object({ users: z.number().nullable(), unbounded: z.boolean() });

export const CapacityModel = z.object({
  schema_version: z.literal(CAPACITY_SCHEMA_VERSION),
  kind: z.literal('capacity'),
  run_id: z.string(),
  created_at: z.string(),
  k6_version: z.string(),
  config: z.object({
    target: z.string(),
    target_is_own_server: z.boolean(),
    steps: z.array(z.number().int()),
    think_time_ms: z.number(),
    ramp_up_s: z.number(),
    hold_s: z.number(),
    target_users: z.number().int(),
    rt_target_ms: z.number(),
    /** what the steps ran: the operation mix and the data they started from */
    mix: z.string(),
    data_profile: z.string(),
    /** --cores what-if (API + PostgreSQL on N cores, generator elsewhere) */
    what_if_cores: z.number().int().nullable(),
  }),
  steps: z.array(StepSummary),
  excluded: z.array(z.object({ users: z.number().int(), reason: z.string() })),
  fit: z.discriminatedUnion('ok', [
    z.object({
      ok: z.literal(true),
      model: z.literal('USL: X(N) = λN / (1 + σ(N−1) + κN(N−1))'),
      lambda: z.number(),
      sigma: z.number(),
      kappa: z.number(),
      r2: z.number(),
      sse: z.number(),
      points: z.number().int(),
      peak_n: z.number().nullable(),
      peak_x: z.number().nullable(),
    }),
    z.object({ ok: z.literal(false), reason: z.string(), points: z.number().int() }),
  ]),
  band: z
    .object({
      method: z.string(),
      resamples: z.number().int(),
      fitted: z.number().int(),
      lower_pct: z.number(),
      upper_pct: z.number(),
      lambda: Range,
      sigma: Range,
      kappa: Range,
      curve: z.array(z.object({ n: z.number(), lo: z.number(), hi: z.number() })),
      params: z.array(z.tuple([z.number(), z.number(), z.number()])),
    })
    .nullable(),
  prediction: z
    .object({
      target_users: z.number().int(),
      think_time_ms: z.number(),
      throughput_rps: z.number(),
      throughput_band: Range.nullable(),
      response_ms: z.number(),
      response_band: Range.nullable(),
      rt_target_ms: z.number(),
      max_users_within_rt: MaxUsers,
      max_users_band: Range.nullable(),
      largest_measured_users: z.number().int(),
    })
    .nullable(),
  /**
   * The same USL fitted to successful requests only. When the server sheds load (503 after the
   * pool's connect timeout) failed requests keep "throughput" rising; the successful part shows
   * where useful work peaks and falls. Optional: older capacity.json files have none.
   */
  goodput: z
    .object({
      fit: z.discriminatedUnion('ok', [
        z.object({ ok: z.literal(true), lambda: z.number(), sigma: z.number(), kappa: z.number(), r2: z.number(), peak_n: z.number().nullable(), peak_x: z.number().nullable() }),
        z.object({ ok: z.literal(false), reason: z.string() }),
      ]),
      /** predicted successful requests/s at the target users */
      at_target_rps: z.number().nullable(),
    })
    .nullable()
    .optional(),
  /** Service demands (Utilization Law) → bounds and MVA: the model that sees resource limits. */
  demand: DemandSection,
  /** Which model gives the headline numbers, why, and the answer in words. */
  headline: z.object({ model: z.enum(['demand', 'usl', 'none']), reason: z.string(), answer: z.string(), notes: z.array(z.string()) }),
  naive: z
    .object({
      formula: z.string(),
      from_users: z.number().int(),
      from_avg_ms: z.number(),
      capacity_users: z.number(),
      response_at_target_ms: z.number(),
    })
    .nullable(),
  validation: z
    .object({
      users: z.number().int(),
      step: StepSummary,
      /** response_ms null: Little's law leaves no time for responses (N/X − Z ≤ LITTLE_MIN_MS) */
      predicted: z.object({ throughput_rps: z.number(), response_ms: z.number().nullable() }).nullable(),
      error_pct: z.object({ throughput: z.number(), response: z.number().nullable() }).nullable(),
      /** successful requests/s: predicted by the goodput fit, measured, error % */
      goodput: z.object({ predicted_rps: z.number(), measured_rps: z.number(), error_pct: z.number() }).nullable().optional(),
      /** the headline model's prediction against the real run */
      headline: z
        .object({
          model: z.enum(['demand', 'usl']),
          predicted: z.object({ throughput_rps: z.number(), mean_ms: z.number(), p95_ms: z.number().nullable() }),
          error_pct: z.object({ throughput: z.number(), mean: z.number(), p95: z.number().nullable() }),
          verdict: z.object({ rt_target_ms: z.number(), predicted_meets: z.boolean(), measured_meets: z.boolean(), match: z.boolean() }),
        })
        .nullable(),
    })
    .nullable(),
  /** The run was interrupted: the model is of the steps completed before the cut step. */
  interruption: InterruptionSchema.optional(),
});
export type CapacityModel = z.infer<typeof CapacityModel>;
export type CapacityPrediction = NonNullable<CapacityModel['prediction']>;

export interface BuildModelInput {
  runId: string;
  createdAt: string;
  k6Version: string;
  target: string;
  targetIsOwnServer: boolean;
  steps: StepSummary[];
  thinkMs: number;
  rampUpS: number;
  holdS: number;
  targetUsers: number;
  rtTargetMs: number;
  resamples?: number;
  seed?: number;
  /** the steps' operation mix (scenarios/capacity-step.ts) */
  mix?: string;
  dataProfile?: string;
  cores?: number;
}

/** The capacity step scenario's operation mix, as reports and the load report's match check name it. */
export const CAPACITY_MIX = 'capacity-step: 35% member list, 35% member detail, 20% search, 10% create_member';

const paramsOf = (f: { lambda: number; sigma: number; kappa: number }): UslParams => ({ lambda: f.lambda, sigma: f.sigma, kappa: f.kappa });

/** Predictions at `users` from a fitted model (and its band, when there is one). */
export function predictAt(model: Pick<CapacityModel, 'fit' | 'band' | 'config' | 'steps' | 'excluded'>, users: number): CapacityPrediction | null {
  if (!model.fit.ok) return null;
  const p = paramsOf(model.fit);
  const z = model.config.think_time_ms;
  const rt = model.config.rt_target_ms;
  const bandParams = model.band?.params.map(([lambda, sigma, kappa]) => ({ lambda, sigma, kappa })) ?? [];
  const band = model.band && bandParams.length ? { ...model.band, params: bandParams } : null;
  const maxN = maxUsersWithin(p, z, rt);
  const excluded = new Set(model.excluded.map((e) => e.users));
  const fitted = model.steps.filter((s) => !excluded.has(s.users)).map((s) => s.users);
  const finiteOr = (v: number | null, cap: number) => (v === null ? 0 : Number.isFinite(v) ? v : cap);
  return {
    target_users: users,
    think_time_ms: z,
    throughput_rps: uslThroughput(p, users),
    throughput_band: band ? bandOf(band, (q) => uslThroughput(q, users)) : null,
    response_ms: Math.max(0, littleResponseMs(p, users, z)),
    response_band: band ? (bandOf(band, (q) => Math.max(0, littleResponseMs(q, users, z))) ) : null,
    rt_target_ms: rt,
    max_users_within_rt: { users: maxN === null || !Number.isFinite(maxN) ? null : maxN, unbounded: maxN === Infinity },
    max_users_band: band ? bandOf(band, (q) => finiteOr(maxUsersWithin(q, z, rt), 1e9)) : null,
    largest_measured_users: fitted.length ? Math.max(...fitted) : 0,
  };
}

/** Successful requests/s of a step (throughput × share that succeeded). */
export const goodputOf = (s: StepSummary) => s.throughput_rps * (1 - s.error_pct / 100);

function goodputModel(used: StepSummary[], targetUsers: number, maxLambda: number | undefined): CapacityModel['goodput'] {
  if (!used.some((s) => s.errors > 0)) return null;
  const r = fitUsl(
    used.map((s) => ({ n: s.users, x: goodputOf(s) })),
    { maxLambda },
  );
  if (!r.ok) return { fit: { ok: false, reason: r.reason }, at_target_rps: null };
  const f = r.fit;
  return { fit: { ok: true, lambda: f.lambda, sigma: f.sigma, kappa: f.kappa, r2: f.r2, peak_n: f.peakN, peak_x: f.peakX }, at_target_rps: uslThroughput(f, targetUsers) };
}

export function buildCapacityModel(i: BuildModelInput): CapacityModel {
  const maxLambda = maxLambdaForThink(i.thinkMs);
  const excluded = i.steps.filter((s) => s.saturated).map((s) => ({ users: s.users, reason: s.saturation_reasons.join('; ') }));
  const used = i.steps.filter((s) => !s.saturated);
  const points = used.map((s) => ({ n: s.users, x: s.throughput_rps }));
  const outcome = fitUsl(points, { maxLambda });
  const base = {
    schema_version: CAPACITY_SCHEMA_VERSION,
    kind: 'capacity' as const,
    run_id: i.runId,
    created_at: i.createdAt,
    k6_version: i.k6Version,
    config: {
      target: i.target,
      target_is_own_server: i.targetIsOwnServer,
      steps: i.steps.map((s) => s.users),
      think_time_ms: i.thinkMs,
      ramp_up_s: i.rampUpS,
      hold_s: i.holdS,
      target_users: i.targetUsers,
      rt_target_ms: i.rtTargetMs,
      mix: i.mix ?? CAPACITY_MIX,
      data_profile: i.dataProfile ?? 'unknown',
      what_if_cores: i.cores ?? null,
    },
    steps: i.steps,
    excluded,
    demand: buildDemandSection({ steps: i.steps, thinkMs: i.thinkMs, targetUsers: i.targetUsers, rtTargetMs: i.rtTargetMs, cores: i.cores }),
    goodput: goodputModel(used, i.targetUsers, maxLambda),
    naive: naiveFormula(used.length ? used : i.steps, i.targetUsers),
    validation: null,
  };
  if (!outcome.ok) {
    const partial = { ...base, fit: { ok: false as const, reason: outcome.reason, points: points.length }, band: null, prediction: null };
    return CapacityModel.parse({ ...partial, headline: chooseHeadline(partial) });
  }
  const f = outcome.fit;
  const upTo = Math.max(i.targetUsers, ...points.map((p) => p.n));
  const b = bootstrapUsl(points, f, { upTo, resamples: i.resamples ?? 200, seed: i.seed ?? 1, maxLambda });
  const fit = { ok: true as const, model: 'USL: X(N) = λN / (1 + σ(N−1) + κN(N−1))' as const, lambda: f.lambda, sigma: f.sigma, kappa: f.kappa, r2: f.r2, sse: f.sse, points: f.points, peak_n: f.peakN, peak_x: f.peakX };
  const band =
    b.fitted > 0
      ? {
          method: b.method,
          resamples: b.resamples,
          fitted: b.fitted,
          lower_pct: b.lower_pct,
          upper_pct: b.upper_pct,
          lambda: b.lambda,
          sigma: b.sigma,
          kappa: b.kappa,
          curve: b.curve,
          params: b.params.map((p) => [p.lambda, p.sigma, p.kappa] as [number, number, number]),
        }
      : null;
  const partial = { ...base, fit, band };
  const withPrediction = { ...partial, prediction: predictAt(partial, i.targetUsers) };
  return CapacityModel.parse({ ...withPrediction, headline: chooseHeadline(withPrediction) });
}

/**
 * What the system this replaces printed: capacity = users × 100 / avg_ms, then "response time
 * at the target" scaled linearly from it. Taken from the largest step used in the fit. Kept only
 * for contrast; it is not a prediction.
 */
export function naiveFormula(steps: StepSummary[], targetUsers: number): CapacityModel['naive'] {
  const withLatency = steps.filter((s) => s.requests > 0 && s.latency_ms.avg > 0);
  if (!withLatency.length) return null;
  const s = withLatency.reduce((a, b) => (b.users > a.users ? b : a));
  const capacity = (s.users * 100) / s.latency_ms.avg;
  return {
    formula: 'users × 100 / avg_ms',
    from_users: s.users,
    from_avg_ms: s.latency_ms.avg,
    capacity_users: capacity,
    response_at_target_ms: (s.latency_ms.avg * targetUsers) / capacity,
  };
}

/**
 * Little's law R = N/X − Z from a fitted throughput says nothing when it is this close to 0 (ms):
 * the throughput is at N/Z, and the response time is below what the fit resolves.
 */
export const LITTLE_MIN_MS = 0.05;
export const littleComputable = (ms: number) => ms > LITTLE_MIN_MS;

/** Predicted vs measured at the validation step, errors in % of the measured value. */
export function withValidation(model: CapacityModel, step: StepSummary): CapacityModel {
  const pred = predictAt(model, step.users);
  const littleMs = pred && littleComputable(pred.response_ms) ? pred.response_ms : null;
  const predicted = pred ? { throughput_rps: pred.throughput_rps, response_ms: littleMs } : null;
  const err = (p: number, m: number) => (m !== 0 ? (100 * (p - m)) / m : Number.NaN);
  const errorPct = predicted
    ? { throughput: err(predicted.throughput_rps, step.throughput_rps), response: littleMs === null ? null : err(littleMs, step.latency_ms.avg) }
    : null;
  const g = model.goodput?.fit.ok ? model.goodput.fit : null;
  const measuredGood = goodputOf(step);
  const predictedGood = g ? uslThroughput(g, step.users) : null;
  const goodput = predictedGood !== null && measuredGood > 0 ? { predicted_rps: predictedGood, measured_rps: measuredGood, error_pct: err(predictedGood, measuredGood) } : null;
  let headline: NonNullable<CapacityModel['validation']>['headline'] = null;
  if (model.headline.model !== 'none') {
    let hp: { throughput_rps: number; mean_ms: number; p95_ms: number | null } | null = null;
    if (model.headline.model === 'demand' && model.demand.ok) {
      const again = buildDemandSection({ steps: model.steps, thinkMs: model.config.think_time_ms, targetUsers: step.users, rtTargetMs: model.config.rt_target_ms });
      if (again.ok) hp = { throughput_rps: again.prediction.throughput_rps, mean_ms: again.prediction.mean_ms, p95_ms: again.prediction.p95_ms };
    } else if (pred && littleMs !== null) hp = { throughput_rps: pred.throughput_rps, mean_ms: littleMs, p95_ms: null };
    if (hp && step.throughput_rps > 0 && step.latency_ms.avg > 0) {
      const rt = model.config.rt_target_ms;
      headline = {
        model: model.headline.model,
        predicted: hp,
        error_pct: { throughput: err(hp.throughput_rps, step.throughput_rps), mean: err(hp.mean_ms, step.latency_ms.avg), p95: hp.p95_ms === null ? null : err(hp.p95_ms, step.latency_ms.p95) },
        verdict: { rt_target_ms: rt, predicted_meets: hp.mean_ms <= rt, measured_meets: step.latency_ms.avg <= rt, match: hp.mean_ms <= rt === step.latency_ms.avg <= rt },
      };
    }
  }
  return CapacityModel.parse({
    ...model,
    validation: { users: step.users, step, predicted, error_pct: errorPct && Number.isFinite(errorPct.throughput) && (errorPct.response === null || Number.isFinite(errorPct.response)) ? errorPct : null, goodput, headline },
  });
}

export function readCapacityModel(file: string): CapacityModel {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not a readable capacity model (${(err as Error).message})`);
  }
  const parsed = CapacityModel.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new Error(`${file}: not a loadlab capacity model v${CAPACITY_SCHEMA_VERSION} (${i.path.join('.') || 'root'}: ${i.message})`);
  }
  return parsed.data;
}

export interface LatestCapacityModel {
  dir: string;
  model: CapacityModel;
  /** The model's prediction at targetUsers (null when the fit failed). */
  prediction: CapacityPrediction | null;
}

/**
 * The newest reports/<UTC>-capacity/capacity.json made for `targetUsers` (folders sort by their
 * UTC stamp). Unreadable or foreign files are skipped; undefined when there is none.
 */
export function readLatestCapacityModel(reportsDir: string, targetUsers: number): LatestCapacityModel | undefined {
  let dirs: string[];
  try {
    dirs = readdirSync(reportsDir).filter((d) => /^\d{8}T\d{6}Z-capacity(-\d+)?$/.test(d));
  } catch {
    return undefined;
  }
  dirs.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  for (const d of dirs) {
    const dir = path.join(reportsDir, d);
    let model: CapacityModel;
    try {
      model = readCapacityModel(path.join(dir, 'capacity.json'));
    } catch {
      continue;
    }
    if (model.config.target_users !== targetUsers) continue;
    return { dir, model, prediction: model.prediction };
  }
  return undefined;
}

export { MIN_FIT_POINTS };
