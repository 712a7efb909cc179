// What the capacity model says another server shape would change (issue 15, `loadlab bench-scale`):
// N API processes (cluster workers) or a streaming read replica, on the same box. Built on the
// demand model exactly as the steps measured it (demandSetFrom, the MVA solution, the saturation
// points), with only the stations the shape changes: N workers are N event loops (one server per
// API process) and N pools of DB_POOL_MAX; a replica adds a second pool for the cached reads. The
// CPU stays the box's cores: on one 2-core machine more processes share the same cores. Kept apart
// from the --cores what-if of demand-prediction.ts, which moves the server to another box.
import type { CapacityModel } from './capacity-model';
import { demandSetFrom, modelCurve, p95At, referenceStep, saturations, solveAt, type DemandSet, type Saturation } from './demand-model';

export interface ServerShape {
  /** API processes (cluster workers) */
  workers: number;
  /** a streaming replica answering the cached reads */
  replica: boolean;
}

export interface ServerWhatIf {
  shape: ServerShape;
  users: number;
  throughput_rps: number;
  mean_ms: number;
  p95_ms: number;
  /** the same at every demand ± 2 standard errors, when the fits have them */
  throughput_band: [number, number] | null;
  p95_band: [number, number] | null;
  saturations: Saturation[];
  assumptions: string[];
}

export type ServerWhatIfOutcome = ({ ok: true } & ServerWhatIf) | { ok: false; reason: string };

/** The demand set with the stations of `shape` (from the measured one, whose loops are the steps' own). */
function reshaped(d: DemandSet, shape: ServerShape): DemandSet {
  const measuredLoops = d.eventLoop?.loops ?? 1;
  const scale = shape.workers / measuredLoops;
  const poolPerWorker = d.pool ? d.pool.size / measuredLoops : 0;
  return {
    ...d,
    eventLoop: d.eventLoop ? { ...d.eventLoop, loops: shape.workers, baseline: d.eventLoop.baseline * scale } : null,
    pool: d.pool ? { ...d.pool, size: Math.round(poolPerWorker * shape.workers * (shape.replica ? 2 : 1)) } : null,
  };
}

export function serverWhatIf(m: CapacityModel, shape: ServerShape): ServerWhatIfOutcome {
  const used = m.steps.filter((s) => !s.saturated && s.requests > 0);
  const base = demandSetFrom(used);
  if (!base.ok) return { ok: false, reason: base.reason };
  const lo = demandSetFrom(used, {}, -2);
  const hi = demandSetFrom(used, {}, 2);
  const thinkS = m.config.think_time_ms / 1000;
  const users = m.config.target_users;
  const ref = referenceStep(used.filter((s) => s.resources && s.throughput_rps > 0));
  const quantiles = ref.latency_quantiles_ms ?? [ref.latency_ms.med, ref.latency_ms.p95];
  const at = (d: DemandSet) => {
    const p = solveAt(d, users, thinkS);
    return { x: p.x, r: p.r_ms, p95: p95At(quantiles, p) };
  };
  const d = reshaped(base.demands, shape);
  const p = at(d);
  const pl = lo.ok ? at(reshaped(lo.demands, shape)) : null;
  const ph = hi.ok ? at(reshaped(hi.demands, shape)) : null;
  const band = (f: (q: { x: number; p95: number }) => number): [number, number] | null => (pl && ph ? [Math.min(f(pl), f(p), f(ph)), Math.max(f(pl), f(p), f(ph))] : null);
  const measuredLoops = base.demands.eventLoop?.loops ?? 1;
  const assumptions = [
    `${shape.workers} API process${shape.workers > 1 ? 'es' : ''}: ${shape.workers} event loop${shape.workers > 1 ? 's' : ''} (one server each; the steps ran ${measuredLoops}) with the event-loop time per request measured by the steps, and ${shape.workers} pool${shape.workers > 1 ? 's' : ''} of DB_POOL_MAX`,
    `the same ${d.cpu.cores} cores and CPU per request as measured: more processes on one box share its cores (the cluster's own IPC — /metrics, cache invalidation — is not in the steps' demands)`,
  ];
  if (shape.replica) {
    assumptions.push(
      'a streaming replica: a second pool of DB_POOL_MAX per process for the cached reads; the steps cannot tell which share of the pool time those reads are, so the pool is taken as doubled (an upper bound of the gain); the replica runs on the same cores and its WAL replay is not in the demands',
    );
  }
  return {
    ok: true,
    shape,
    users,
    throughput_rps: p.x,
    mean_ms: p.r,
    p95_ms: p.p95,
    throughput_band: band((q) => q.x),
    p95_band: band((q) => q.p95),
    saturations: saturations(d, thinkS, modelCurve(d, Math.max(3 * users, 1000), thinkS)),
    assumptions,
  };
}
