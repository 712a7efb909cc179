// The demand model end to end on synthetic systems with known demands: steps generated from a
// known closed system (event loop, pool, CPU shared with k6, think time), with ±2% measurement
// noise, must give the demands back within stated tolerances and the known answer at 4,000 users;
// the report must say which model decides and why, name where it breaks, and state weak evidence;
// bad input gives one sentence, never NaN.
import { describe, expect, it } from 'vitest';
import { buildCapacityModel, withValidation } from '../../load/capacity/capacity-model';
import { chooseHeadline } from '../../load/capacity/headline';
import { renderCapacityReport } from '../../load/capacity/capacity-text-report';
import { demandSetFrom, measuredShare, referenceStep, solveAt, type DemandSet } from '../../load/capacity/demand-model';
import type { StepSummary } from '../../load/capacity/step-summary';
import { seededRandom } from '../../load/capacity/usl';
import { modelFrom } from '../support/capacity-model';

const THINK_MS = 5000;
/** The known system: 2 cores; API 1.1 core-ms, PostgreSQL 0.5, k6 0.6, harness 0.05 per request. */
const TRUTH = { api: 0.0011, pg: 0.0005, k6: 0.0006, harness: 0.00005, el: 0.0015, pool: 0.0016, rest: 0.002, other: 0.05, u0: { api: 0.01, pg: 0.005, k6: 0.01, harness: 0.005, el: 0.01 } };

function truthSet(): DemandSet {
  const cpu = TRUTH.api + TRUTH.pg + TRUTH.k6 + TRUTH.harness;
  const baseline = TRUTH.u0.api + TRUTH.u0.pg + TRUTH.u0.k6 + TRUTH.u0.harness + TRUTH.other;
  const refX = 25 / 5.004;
  return {
    cpu: { demand: cpu, baseline, cores: 2, what: "the machine's CPU" },
    eventLoop: { demand: TRUTH.el, baseline: TRUTH.u0.el, loops: 1 },
    pool: { demand: TRUTH.pool, baseline: 0, size: 20 },
    rest: TRUTH.rest,
    ref: { x: refX, r: TRUTH.el + TRUTH.pool + TRUTH.rest, rho: (baseline + cpu * refX) / 2, wait: 0 },
    variability: { scv: 1, factor: 1, source: 'the known system: exponential service' },
  };
}

/** A step as loadlab would record it, from the known system at N users (noise: uniform ±noise). */
function syntheticStep(users: number, noise: number, rnd: () => number): StepSummary {
  const p = solveAt(truthSet(), users, THINK_MS / 1000);
  const x = p.x * (1 + (2 * rnd() - 1) * noise);
  const jitter = (v: number) => v * (1 + (2 * rnd() - 1) * noise);
  const api = jitter(TRUTH.u0.api + TRUTH.api * x);
  const pg = jitter(TRUTH.u0.pg + TRUTH.pg * x);
  const k6 = jitter(TRUTH.u0.k6 + TRUTH.k6 * x);
  const harness = jitter(TRUTH.u0.harness + TRUTH.harness * x);
  const mean = p.r_ms;
  // A response-time distribution of the right mean: exponential quantiles around it.
  const q = Array.from({ length: 101 }, (_, i) => (i === 100 ? mean * 6 : -mean * Math.log(1 - i / 100)));
  return {
    users,
    think_time_ms: THINK_MS,
    ramp_up_s: 10,
    hold_s: 40,
    run_tag: `S${users}`,
    started_at: '2026-11-22T00:00:00.000Z',
    k6_exit_code: 0,
    window: { start: 0, end: 33000, seconds: 33, rule: 'synthetic' },
    requests: Math.round(x * 33),
    errors: 0,
    error_pct: 0,
    throughput_rps: x,
    latency_ms: { avg: mean, med: q[50]!, p95: q[95]!, p99: q[99]!, max: q[100]!, sd: mean }, // exponential: sd = mean, Cs² = 1
    pacing: 1,
    vu_lag_ms: { avg: 1, p95: 2 },
    k6: { cpu_cores: k6, cpu_cores_max: k6, rss_mb_peak: 100, mb_per_vu: 100 / users },
    server_cpu_cores: api,
    machine_busy_pct: (100 * (api + pg + k6 + harness + TRUTH.other)) / 2,
    saturated: false,
    saturation_reasons: [],
    notes: [],
    resources: {
      samples: 33,
      cores: 2,
      sources: { machine: 'synthetic', api: 'synthetic', postgres: 'synthetic', k6: 'synthetic', server_metrics: 'synthetic' },
      mean: {
        machine_busy_cores: api + pg + k6 + harness + jitter(TRUTH.other),
        api_cpu_cores: api,
        postgres_cpu_cores: pg,
        k6_cpu_cores: k6,
        harness_cpu_cores: harness,
        event_loop_utilization: jitter(TRUTH.u0.el + TRUTH.el * x),
        event_loops: 1,
        pool_busy: jitter(TRUTH.pool * x),
        pool_max: 20,
        pool_waiting: 0,
      },
      max: { pool_waiting: 0 },
    },
    data_at_start: { members: 500, member_employments: 20756 },
    latency_quantiles_ms: q,
  };
}

const STEPS = [25, 50, 100, 200, 400, 800];
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

// the shared run identity (test/support/capacity-model.ts), with fewer USL resamples: these tests ask the demand model
const model = (steps: StepSummary[], over: { targetUsers?: number; cores?: number } = {}) =>
  modelFrom(steps, { targetUsers: over.targetUsers ?? 4000, cores: over.cores, resamples: 20, dataProfile: 'dev' });

describe('the demand model on a synthetic system with known demands', () => {
  it('recovers the CPU, event-loop and pool demands within 10% from ±2% noise (10 noise seeds)', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const rnd = seededRandom(seed);
      const steps = STEPS.map((n) => syntheticStep(n, 0.02, rnd));
      const d = demandSetFrom(steps);
      expect(d.ok, `seed ${seed}`).toBe(true);
      if (!d.ok) continue;
      expect(rel(d.demands.cpu.demand, TRUTH.api + TRUTH.pg + TRUTH.k6 + TRUTH.harness), `cpu seed ${seed}`).toBeLessThan(0.1);
      expect(rel(d.demands.eventLoop!.demand, TRUTH.el), `event loop seed ${seed}`).toBeLessThan(0.1);
      expect(rel(d.demands.pool!.demand, TRUTH.pool), `pool seed ${seed}`).toBeLessThan(0.1);
      expect(d.demands.pool!.size).toBe(20);
    }
  });

  it('predicts the known answer at 4,000 users from steps up to 800: throughput within 3%, mean within 25%', () => {
    const truth = solveAt(truthSet(), 4000, THINK_MS / 1000);
    for (let seed = 1; seed <= 3; seed++) {
      const rnd = seededRandom(seed);
      const m = model(STEPS.map((n) => syntheticStep(n, 0.02, rnd)));
      expect(m.demand.ok).toBe(true);
      if (!m.demand.ok) continue;
      const p = m.demand.prediction;
      expect(rel(p.throughput_rps, truth.x), `X seed ${seed}`).toBeLessThan(0.03);
      expect(rel(p.mean_ms, truth.r_ms), `R seed ${seed}`).toBeLessThan(0.25);
      expect(p.throughput_band![0]).toBeLessThanOrEqual(p.throughput_rps);
      expect(p.throughput_band![1]).toBeGreaterThanOrEqual(p.throughput_rps);
      expect(p.p95_ms).toBeGreaterThan(p.mean_ms);
    }
  });

  it('names the first resource to saturate and the next, with the user counts at 80% and 100%', () => {
    const m = model(STEPS.map((n) => syntheticStep(n, 0, seededRandom(1))));
    if (!m.demand.ok) throw new Error(m.demand.reason);
    const [first, next] = m.demand.saturations;
    // The event loop (1.5 ms per request, baseline 0.01) runs out at (1 − 0.01) / 1.5 ms = 660
    // req/s; the cores alone at (2 − 0.08) / 2.25 core-ms = 853 req/s, next. The pool (1.6
    // connection-ms on 20 connections: 12,500 req/s) would come long after the cores.
    expect(first!.resource).toBe("the API's event loop");
    expect(first!.x100).toBeCloseTo((1 - 0.01) / 0.0015, -1);
    expect(first!.users80).toBeGreaterThan(1500);
    expect(first!.users80!).toBeLessThan(first!.users100);
    expect(next!.resource).toBe("the machine's CPU");
    expect(next!.x100).toBeCloseTo((2 - 0.08) / 0.00225, 0);
    // The model's throughput levels off at the first resource's limit.
    expect(m.demand.prediction.throughput_rps).toBeLessThanOrEqual(first!.x100 * 1.01);
    const text = renderCapacityReport(m);
    expect(text).toMatch(/4,000 users: (held|not held) — predicted mean [\d.,]+ ms \(band [\d.,]+–[\d.,]+ ms\) against the 500 ms target, p95 [\d.,]+ ms \(band [\d.,]+–[\d.,]+ ms\), [\d.,]+ req\/s \(band [\d.,]+–[\d.,]+ req\/s\); breaks at/);
    expect(text).toMatch(/breaks at ~[\d,]+ users on the API's event loop \(80% at ~[\d,]+ users, below the 4,000 asked about\), then the machine's CPU/);
    expect(text).toMatch(/Headline model: demand model \(Utilization Law \+ MVA\) — the demand model decides/);
    expect(text).toMatch(/4,000 users is 5\.0× that, beyond 2×: its extrapolation is unreliable/);
    expect(text).not.toMatch(/NaN|every N|0\.0 ms|Infinity|undefined/);
  });

  it('the reference step is the largest one not past the knee (mean at most 2× the fastest)', () => {
    const steps = STEPS.map((n) => syntheticStep(n, 0, seededRandom(1)));
    expect(referenceStep(steps).users).toBe(800);
    // a knee run: the 400- and 800-user steps are mostly queue
    steps[4]!.latency_ms.avg = 19.5;
    steps[5]!.latency_ms.avg = 602;
    expect(referenceStep(steps).users).toBe(200);
  });

  it('says when the evidence is weak: every step below 30% of the bottleneck, with the bound and the step that would settle it', () => {
    const m = model([25, 50, 100, 200].map((n) => syntheticStep(n, 0, seededRandom(1))));
    if (!m.demand.ok) throw new Error(m.demand.reason);
    expect(m.demand.evidence.weak).toBe(true);
    expect(m.demand.evidence.settle_users).toBeGreaterThan(200);
    expect(m.headline.answer).toMatch(/Weak evidence: the steps reached at most \d+% of the API's event loop's capacity \(largest step 200 users\).*bound X ≤ [\d.,]+ req\/s.*a step at ~[\d,]+ users/);
    // another tenant's busy second in a small step is no evidence about the run: the CPU share is
    // the run's own processes plus the median of the rest
    const noisy = [25, 50, 100, 200].map((n) => syntheticStep(n, 0, seededRandom(1)));
    noisy[0]!.resources!.mean.machine_busy_cores = 1.8;
    const d = demandSetFrom(noisy);
    if (!d.ok) throw new Error(d.reason);
    expect(measuredShare(noisy[0]!, "the machine's CPU", d.demands)).toBeLessThan(0.1);
    const nm = model(noisy).demand;
    expect(nm.ok && nm.evidence.weak).toBe(true);
    const strong = model([250, 500, 1000, 1500, 2000, 2500].map((n) => syntheticStep(n, 0, seededRandom(1))));
    expect(strong.demand.ok && strong.demand.evidence.weak).toBe(false);
  });

  it('what-if --cores: the API and PostgreSQL on 8 cores with k6 elsewhere hold more, stated as an estimate', () => {
    const steps = STEPS.map((n) => syntheticStep(n, 0, seededRandom(1)));
    const m = model(steps, { cores: 8 });
    if (!m.demand.ok) throw new Error(m.demand.reason);
    const w = m.demand.what_if!;
    expect(w.cores).toBe(8);
    expect(w.assumptions.join(' ')).toMatch(/load generator elsewhere/);
    expect(w.prediction.machine_utilization).toBeLessThan(m.demand.prediction.machine_utilization);
    expect(w.prediction.throughput_rps).toBeGreaterThanOrEqual(m.demand.prediction.throughput_rps - 1e-6);
    expect(w.saturations.map((x) => x.resource)).toContain("the server's CPU (8 cores)");
    expect(renderCapacityReport(m)).toMatch(/What-if: API and PostgreSQL on 8 cores, the load generator elsewhere \(a model estimate, not a measurement\)/);
  });

  it('validation compares the headline model with the real run: errors in % and the verdict', () => {
    const steps = STEPS.map((n) => syntheticStep(n, 0, seededRandom(1)));
    const real = syntheticStep(4000, 0, seededRandom(2));
    const v = withValidation(model(steps), real).validation!.headline!;
    expect(v.model).toBe('demand');
    expect(Math.abs(v.error_pct.throughput)).toBeLessThan(3);
    expect(v.verdict.match).toBe(true);
  });

  it("the USL's Little's-law mean that leaves no time for responses is 'not computable', never 0.0 ms or −100 %", () => {
    // every step at exactly N/Z: the USL is the straight line λ = 1/Z, σ = κ = 0, and N/X − Z = 0
    const steps = STEPS.map((n) => ({ ...syntheticStep(n, 0, seededRandom(1)), throughput_rps: n / (THINK_MS / 1000) }));
    const m = model(steps);
    expect(m.prediction!.response_ms).toBeLessThanOrEqual(0.05);
    const v = withValidation(m, syntheticStep(4000, 0, seededRandom(2))).validation!;
    expect(v.predicted!.response_ms).toBeNull();
    expect(v.error_pct!.response).toBeNull();
    const text = renderCapacityReport(withValidation(m, syntheticStep(4000, 0, seededRandom(2))));
    const row = text.split('\n').find((l) => l.startsWith('  mean response time (ms)'))!;
    expect(row).toMatch(/^ {2}mean response time \(ms\)\s+not computable \(N\/X − Z ≤ 0\)\s+[\d.]+\s+n\/a$/);
  });
});

describe('the answer in words never contradicts itself', () => {
  const steps = STEPS.map((n) => syntheticStep(n, 0, seededRandom(1)));

  it('held exactly when the predicted mean meets the RT target, not held otherwise', () => {
    for (const rt of [1, 5, 50, 500, 5000]) {
      const m = buildCapacityModel({ runId: 'r', createdAt: 'c', k6Version: 'v', target: 't', targetIsOwnServer: true, steps, thinkMs: THINK_MS, rampUpS: 10, holdS: 40, targetUsers: 4000, rtTargetMs: rt, resamples: 10 });
      if (!m.demand.ok) throw new Error(m.demand.reason);
      const held = m.demand.prediction.mean_ms <= rt;
      expect(m.headline.answer.startsWith(`4,000 users: ${held ? 'held' : 'not held'} — `), `rt ${rt}: ${m.headline.answer}`).toBe(true);
      expect(m.headline.answer).toContain(`against the ${rt.toLocaleString('en-US')} ms target`);
      expect(m.headline.answer).not.toMatch(/NaN|every N|\b0\.0+ ms|Infinity/);
    }
  });

  it('says the USL agrees only when its throughput is inside the demand band; more is named as more, less makes the USL decide', () => {
    // 1,200 users: within 2× the largest step (800), so the USL counts.
    const m = model(steps, { targetUsers: 1200 });
    if (!m.demand.ok || !m.prediction) throw new Error('no models');
    const [lo, hi] = m.demand.prediction.throughput_band!;
    const at = (x: number) => chooseHeadline({ ...m, prediction: { ...m.prediction!, throughput_rps: x } });
    const inside = at((lo + hi) / 2);
    expect(inside.model).toBe('demand');
    expect(inside.reason).toMatch(/the USL agrees: [\d.,]+ req\/s, within the demand model's band/);
    const above = at(hi * 1.2);
    expect(above.model).toBe('demand');
    expect(above.reason).not.toMatch(/agree/);
    expect(above.reason).toMatch(/the USL predicts more, [\d.,]+ req\/s, above the demand model's band/);
    const below = at(lo * 0.8);
    expect(below.model).toBe('usl');
    expect(below.reason).not.toMatch(/agree/);
    expect(below.notes.join(' ')).toMatch(/predicts less throughput/);
  });

  it('beyond 2× the steps the USL is labelled unreliable and never said to agree', () => {
    const m = model(steps);
    expect(m.headline.model).toBe('demand');
    expect(`${m.headline.reason} ${m.headline.answer}`).not.toMatch(/agree/);
    expect(m.headline.notes.join(' ')).toMatch(/its extrapolation is unreliable/);
  });
});

describe('bad input: one sentence, never NaN', () => {
  const rnd = seededRandom(3);
  const good = STEPS.map((n) => syntheticStep(n, 0, rnd));

  it('a single step: no demand model (the baseline cannot be separated), no USL (6 steps needed), nothing decides', () => {
    const m = model([good[2]!]);
    expect(m.demand).toEqual({ ok: false, reason: expect.stringMatching(/at least 2 steps .* one step cannot separate the idle baseline/) });
    expect(m.headline.model).toBe('none');
    expect(m.headline.answer).toMatch(/^4,000 users: cannot be predicted from these steps — /);
    expect(JSON.stringify(m)).not.toMatch(/NaN|null,null/);
  });

  it('steps recorded before resources were sampled: says so', () => {
    const old = good.map((s) => ({ ...s, resources: undefined }));
    const m = model(old);
    expect(m.demand.ok).toBe(false);
    if (!m.demand.ok) expect(m.demand.reason).toMatch(/carry no resource measurements/);
  });

  it('a remote target with no process statistics (no CPU figures): no demand model, in one sentence', () => {
    const remote = good.map((s) => ({ ...s, resources: { ...s.resources!, mean: { pool_busy: s.resources!.mean.pool_busy!, pool_max: 20 } } }));
    const m = model(remote);
    expect(m.demand).toEqual({ ok: false, reason: expect.stringMatching(/no CPU figure in any step/) });
  });

  it('steps whose requests all failed count as no steps', () => {
    const failed = good.map((s) => ({ ...s, requests: 0, throughput_rps: 0 }));
    const m = model(failed);
    expect(m.demand.ok).toBe(false);
    expect(m.headline.model).toBe('none');
    expect(renderCapacityReport(m)).not.toMatch(/NaN/);
  });

  it('zero think time: the model still computes, and says what "users" then means', () => {
    const m = buildCapacityModel({ runId: 'r', createdAt: 'c', k6Version: 'v', target: 't', targetIsOwnServer: true, steps: good.map((s) => ({ ...s, think_time_ms: 0 })), thinkMs: 0, rampUpS: 1, holdS: 10, targetUsers: 100, rtTargetMs: 500, resamples: 10 });
    expect(m.headline.notes.join(' ')).toMatch(/think time 0: every user always has a request in flight/);
    expect(JSON.stringify(m)).not.toMatch(/NaN/);
  });
});

describe('the cache split on a synthetic system with a known TTL cache', () => {
  // Known: misses = 0.05·L/(1+0.002·L) + 0.85·L/(1+0.03·L) of L = 0.9·X lookups; per hit 0.4 core-ms
  // of CPU and 0.1 ms of event loop, per other request 3.5 core-ms and 1.8 ms.
  const CURVE = { p: 0.05, a: 0.002, q: 0.85, b: 0.03 };
  const misses = (l: number) => (CURVE.p * l) / (1 + CURVE.a * l) + (CURVE.q * l) / (1 + CURVE.b * l);
  function cached(users: number, noise: number, rnd: () => number): StepSummary {
    const s = syntheticStep(users, 0, rnd);
    const x = users / 5.002;
    const l = 0.9 * x;
    const m = misses(l) * (1 + (2 * rnd() - 1) * noise);
    const hits = l - m;
    const j = (v: number) => v * (1 + (2 * rnd() - 1) * noise);
    const box = j(0.03 + 0.0004 * hits + 0.0035 * (x - hits));
    const mean = { ...s.resources!.mean, api_cpu_cores: box * 0.4, postgres_cpu_cores: box * 0.2, k6_cpu_cores: box * 0.35, harness_cpu_cores: box * 0.05, machine_busy_cores: box + 0.1, event_loop_utilization: j(0.01 + 0.0001 * hits + 0.0018 * (x - hits)), cache_hits_rps: hits, cache_misses_rps: m, db_time_per_s: j(0.0005 * (x - hits)) };
    return { ...s, throughput_rps: x, resources: { ...s.resources!, mean } };
  }

  it('recovers the demands per hit and per other request within 15%, and the misses at 5× the largest step within 25% (an extrapolation; ±1% noise, 5 seeds)', async () => {
    const { fitCacheCurve, fitSplit, hitsAt } = await import('../../load/capacity/demand-fit');
    for (let seed = 1; seed <= 5; seed++) {
      const rnd = seededRandom(seed);
      const steps = STEPS.map((n) => cached(n, 0.01, rnd));
      const cpu = fitSplit(steps, 'box_cpu')!;
      expect(rel(cpu.hit_s, 0.0004), `cpu hit seed ${seed}`).toBeLessThan(0.15);
      expect(rel(cpu.other_s, 0.0035), `cpu other seed ${seed}`).toBeLessThan(0.15);
      const el = fitSplit(steps, 'event_loop')!;
      expect(rel(el.other_s, 0.0018), `el other seed ${seed}`).toBeLessThan(0.15);
      const c = fitCacheCurve(steps)!;
      const x = 4000 / 5.002;
      expect(rel(0.9 * x - hitsAt(c, x), misses(0.9 * x)), `misses at 4,000 seed ${seed}`).toBeLessThan(0.25);
    }
  });

  it('the model uses it: the demand per request falls with the hit share, so 4,000 users are not predicted to saturate', () => {
    const steps = STEPS.map((n) => cached(n, 0, seededRandom(1)));
    const withCache = demandSetFrom(steps);
    const without = demandSetFrom(steps, { noCache: true });
    if (!withCache.ok || !without.ok) throw new Error('no demand set');
    expect(withCache.demands.cache).toBeDefined();
    expect(withCache.assumptions.join(' ')).toMatch(/the cache: demands split into cache hits and other requests/);
    const p = solveAt(withCache.demands, 4000, THINK_MS / 1000);
    const q = solveAt(without.demands, 4000, THINK_MS / 1000);
    // truth: box CPU at 4,000 users from the known demands
    const x = 4000 / 5.002;
    const hits = 0.9 * x - misses(0.9 * x);
    const truthRho = (0.03 + 0.0004 * hits + 0.0035 * (x - hits) + 0.1) / 2;
    expect(Math.abs(p.rho - truthRho)).toBeLessThan(0.08);
    expect(q.rho).toBeGreaterThan(p.rho);
    expect(p.x).toBeGreaterThan(0.97 * x);
  });
});
