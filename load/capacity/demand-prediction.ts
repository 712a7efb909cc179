// The demand model's section of capacity.json: the fitted demands, the bounds, the prediction at
// the target users with its band and p95, where it breaks (each resource at 80% and 100%), an
// in-sample check on the measured steps, the weak-evidence verdict and the what-if cores. Pure
// computation on step summaries, so recorded steps give the same section again.
import { z } from 'zod';
import { asymptoticBounds } from './mva';
import { demandAt, demandSetFrom, measuredShare, modelCurve, p95At, pointOnCurve, referenceStep, saturations, solveAt, usersOnCurve, type DemandSet, type ModelCurve, type ModelPoint } from './demand-model';
import type { StepSummary } from './step-summary';

const Range = z.tuple([z.number(), z.number()]);

export const DemandFitJson = z.object({
  resource: z.string(),
  label: z.string(),
  unit: z.string(),
  points: z.number().int(),
  demand_ms: z.number(),
  demand_se_ms: z.number().nullable(),
  baseline: z.number(),
  r2: z.number().nullable(),
  through_origin: z.boolean(),
});

export const DemandPrediction = z.object({
  users: z.number().int(),
  throughput_rps: z.number(),
  throughput_band: Range.nullable(),
  mean_ms: z.number(),
  mean_band: Range.nullable(),
  p95_ms: z.number(),
  p95_band: Range.nullable(),
  machine_utilization: z.number(),
  cpu_stretch: z.number(),
  wait_ms: z.number(),
  stations: z.array(z.object({ name: z.string(), residence_ms: z.number(), utilization: z.number() })),
  /** mean response time within the RT target */
  meets_rt_target: z.boolean(),
});
export type DemandPrediction = z.infer<typeof DemandPrediction>;

export const SaturationJson = z.object({
  resource: z.string(),
  capacity: z.string(),
  x80: z.number(),
  x100: z.number(),
  users80: z.number().nullable(),
  users100: z.number(),
});

export const DemandSection = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    method: z.string(),
    p95_method: z.string(),
    band_method: z.string(),
    fits: z.array(DemandFitJson),
    demands: z.object({
      cpu: z.object({ demand_ms: z.number(), baseline: z.number(), cores: z.number(), what: z.string() }),
      event_loop: z.object({ demand_ms: z.number(), baseline: z.number(), loops: z.number() }).nullable(),
      pool: z.object({ demand_ms: z.number(), baseline: z.number(), size: z.number() }).nullable(),
      rest_ms: z.number(),
      reference: z.object({ users: z.number().int(), throughput_rps: z.number(), mean_ms: z.number(), machine_utilization: z.number() }),
    }),
    assumptions: z.array(z.string()),
    bounds: z.object({ x_max: z.number(), bottleneck: z.string().nullable(), n_star: z.number(), r_min_ms: z.number(), demand_total_ms: z.number() }),
    prediction: DemandPrediction,
    saturations: z.array(SaturationJson),
    /** largest N on the model curve (up to 3× the target) with the mean within the RT target */
    max_users_within_rt: z.number().nullable(),
    /** the model curve runs from 1 to this many users */
    curve_users: z.number().int(),
    evidence: z.object({
      weak: z.boolean(),
      bottleneck: z.string(),
      /** the largest share of the bottleneck's capacity any step reached */
      max_share: z.number().nullable(),
      largest_step: z.number().int(),
      /** a step here would reach ~60% of the bottleneck */
      settle_users: z.number().nullable(),
    }),
    in_sample: z.array(
      z.object({ users: z.number().int(), measured_rps: z.number(), predicted_rps: z.number(), measured_mean_ms: z.number(), predicted_mean_ms: z.number(), measured_p95_ms: z.number(), predicted_p95_ms: z.number() }),
    ),
    what_if: z
      .object({ cores: z.number().int(), assumptions: z.array(z.string()), prediction: DemandPrediction, saturations: z.array(SaturationJson), max_users_within_rt: z.number().nullable() })
      .nullable(),
  }),
  z.object({ ok: z.literal(false), reason: z.string() }),
]);
export type DemandSection = z.infer<typeof DemandSection>;

export const DEMAND_METHOD =
  "closed network with think time Z, solved by mean value analysis: the service without queueing B (the reference step's mean — the largest step — minus the waits the model puts there) plus the wait for a core (the machine's cores as a G/G/c queue at the utilisation ρ(X) = (U₀ + D·X)/cores, Allen–Cunneen: Erlang C × D_cpu / (c(1 − ρ)) × (1 + Cs²)/2) and the waits at the API event loop (1 server per API process) and the database pool (DB_POOL_MAX servers, Seidmann approximation), MVA with residual service (the one in service costs D·(1 + Cs²)/2), their busy time per request as fitted; Cs² is the squared coefficient of variation of the reference step's response times; throughput and waits solved together (fixed point at every population); when the steps saw the cache at different hit shares, every demand is split into per cache hit and per other request, the hits at any throughput come from a TTL-cache curve fitted to the steps, and B moves with the server's own time per request (event loop + database time) as the hit share changes, up to the reference step's throughput (beyond it B stays the reference's)";
export const P95_METHOD =
  "the reference step's measured response-time distribution scaled to the service B, plus the three waits (a core, the event loop, the pool), each 0 with probability P(wait) (Erlang C; the queue's utilisation) and exponential with its predicted mean otherwise";
export const BAND_METHOD = 'the model solved again with every demand at its fit ± 2 standard errors (Utilization-Law regressions over the steps)';

const ms = (s: number) => s * 1000;

function predictionAt(d: DemandSet, lo: DemandSet | null, hi: DemandSet | null, users: number, thinkS: number, quantiles: number[], rtTargetMs: number): DemandPrediction {
  const p = solveAt(d, users, thinkS);
  const p95 = (q: ModelPoint) => p95At(quantiles, q);
  const pl = lo ? solveAt(lo, users, thinkS) : null;
  const ph = hi ? solveAt(hi, users, thinkS) : null;
  const band = (f: (q: ModelPoint) => number): [number, number] | null => {
    if (!pl || !ph) return null;
    const v = [f(pl), f(p), f(ph)];
    return [Math.min(...v), Math.max(...v)];
  };
  return {
    users,
    throughput_rps: p.x,
    throughput_band: band((q) => q.x),
    mean_ms: p.r_ms,
    mean_band: band((q) => q.r_ms),
    p95_ms: p95(p),
    p95_band: band(p95),
    machine_utilization: p.rho,
    cpu_stretch: p.stretch,
    wait_ms: p.wait_ms,
    stations: p.stations,
    meets_rt_target: p.r_ms <= rtTargetMs,
  };
}

/** Largest N on the curve whose predicted mean response time meets the target; null when even 1 does not. */
function maxUsersWithin(c: ModelCurve, rtTargetMs: number): number | null {
  let best: number | null = null;
  for (let n = 1; n < c.r.length; n++) {
    if (c.r[n]! * 1000 <= rtTargetMs) best = n;
    else break;
  }
  return best;
}

const demandsJson = (d: DemandSet, ref: StepSummary) => ({
  cpu: { demand_ms: ms(d.cpu.demand), baseline: d.cpu.baseline, cores: d.cpu.cores, what: d.cpu.what },
  event_loop: d.eventLoop ? { demand_ms: ms(d.eventLoop.demand), baseline: d.eventLoop.baseline, loops: d.eventLoop.loops } : null,
  pool: d.pool ? { demand_ms: ms(d.pool.demand), baseline: d.pool.baseline, size: d.pool.size } : null,
  rest_ms: ms(d.rest),
  reference: { users: ref.users, throughput_rps: d.ref.x, mean_ms: ms(d.ref.r), machine_utilization: d.ref.rho },
});

export interface DemandSectionInput {
  steps: StepSummary[];
  thinkMs: number;
  targetUsers: number;
  rtTargetMs: number;
  cores?: number;
}

export function buildDemandSection(i: DemandSectionInput): DemandSection {
  const used = i.steps.filter((s) => !s.saturated && s.requests > 0);
  const base = demandSetFrom(used);
  if (!base.ok) return { ok: false, reason: base.reason };
  const lo = demandSetFrom(used, {}, -2);
  const hi = demandSetFrom(used, {}, 2);
  const d = base.demands;
  const thinkS = i.thinkMs / 1000;
  const ref = referenceStep(used.filter((s) => s.resources && s.throughput_rps > 0));
  const quantiles = ref.latency_quantiles_ms ?? [ref.latency_ms.med, ref.latency_ms.p95];
  const limit = Math.max(3 * i.targetUsers, 1000);
  const curve = modelCurve(d, limit, thinkS);
  const prediction = predictionAt(d, lo.ok ? lo.demands : null, hi.ok ? hi.demands : null, i.targetUsers, thinkS, quantiles, i.rtTargetMs);
  const sats = saturations(d, thinkS, curve);
  // Bounds with the demands per request at the predicted throughput (with the cache they depend on it).
  const xb = prediction.throughput_rps;
  const stationsForBounds = [
    { name: d.cpu.what, kind: 'queue' as const, servers: d.cpu.cores, demand: demandAt(d, 'cpu', xb) * (d.cpu.cores / Math.max(d.cpu.cores - d.cpu.baseline, 1e-9)) },
    ...(d.eventLoop ? [{ name: "the API's event loop", kind: 'queue' as const, servers: d.eventLoop.loops, demand: demandAt(d, 'eventLoop', xb) }] : []),
    ...(d.pool ? [{ name: 'the database pool', kind: 'queue' as const, servers: d.pool.size, demand: demandAt(d, 'pool', xb) }] : []),
  ];
  const b = asymptoticBounds(stationsForBounds, i.targetUsers, thinkS);
  const demandTotal = d.ref.r;
  const first = sats[0];
  const largest = Math.max(...used.map((s) => s.users));
  const shares = first ? used.map((s) => measuredShare(s, first.resource, d)).filter((v): v is number => v !== undefined) : [];
  const maxShare = shares.length ? Math.max(...shares) : null;
  const settle = first ? usersOnCurve(curve, xAtShareFromSat(first, 0.6)) : null;
  const inSample = used
    .filter((s) => s.resources)
    .map((s) => {
      const p = pointOn(d, curve, s.users, thinkS);
      return {
        users: s.users,
        measured_rps: s.throughput_rps,
        predicted_rps: p.x,
        measured_mean_ms: s.latency_ms.avg,
        predicted_mean_ms: p.r_ms,
        measured_p95_ms: s.latency_ms.p95,
        predicted_p95_ms: p95At(quantiles, p),
      };
    });
  let whatIf: Extract<DemandSection, { ok: true }>['what_if'] = null;
  if (i.cores !== undefined) {
    const w = demandSetFrom(used, { cores: i.cores });
    if (w.ok) {
      const wl = demandSetFrom(used, { cores: i.cores }, -2);
      const wh = demandSetFrom(used, { cores: i.cores }, 2);
      const wCurve = modelCurve(w.demands, limit, thinkS);
      whatIf = {
        cores: i.cores,
        assumptions: w.assumptions,
        prediction: predictionAt(w.demands, wl.ok ? wl.demands : null, wh.ok ? wh.demands : null, i.targetUsers, thinkS, quantiles, i.rtTargetMs),
        saturations: saturations(w.demands, thinkS, wCurve),
        max_users_within_rt: maxUsersWithin(wCurve, i.rtTargetMs),
      };
    } else {
      base.assumptions.push(`no what-if for ${i.cores} cores: ${w.reason}`);
    }
  }
  return {
    ok: true,
    method: DEMAND_METHOD,
    p95_method: P95_METHOD,
    band_method: BAND_METHOD,
    fits: base.fits.map((f) => ({
      resource: f.resource,
      label: f.label,
      unit: f.unit,
      points: f.points,
      demand_ms: ms(f.demand_s),
      demand_se_ms: f.demand_se_s === null ? null : ms(f.demand_se_s),
      baseline: f.baseline,
      r2: f.r2,
      through_origin: f.through_origin,
    })),
    demands: demandsJson(d, ref),
    assumptions: base.assumptions,
    bounds: { x_max: b.xMax, bottleneck: b.bottleneck, n_star: b.nStar, r_min_ms: ms(b.rMin), demand_total_ms: ms(demandTotal) },
    prediction,
    saturations: sats,
    max_users_within_rt: maxUsersWithin(curve, i.rtTargetMs),
    curve_users: limit,
    evidence: { weak: maxShare === null || maxShare < 0.3, bottleneck: first?.resource ?? d.cpu.what, max_share: maxShare, largest_step: largest, settle_users: settle },
    in_sample: inSample,
    what_if: whatIf,
  };
}

/** The model point at `users`, read from a curve that reaches it (or solved afresh). */
function pointOn(d: DemandSet, c: ModelCurve, users: number, thinkS: number): ModelPoint {
  return users >= c.x.length ? solveAt(d, users, thinkS) : pointOnCurve(d, c, users);
}

/** Throughput at a share of the saturating throughput, on the resource's own linear scale. */
function xAtShareFromSat(s: { x80: number; x100: number }, share: number): number {
  // x(share) is linear in share between the 80% and 100% points (U = U₀ + D·X).
  return s.x100 - ((1 - share) / 0.2) * (s.x100 - s.x80);
}
