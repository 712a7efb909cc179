// From merged result files (one instance or many) to a RunSummary: the figures of the report
// (totals, response times, operations, timeline) come from the merged histograms, thresholds are
// judged once on them, and the per-instance table says which k6 instance did what. Used by every
// run the harness drives and by `loadlab merge`, so both print the same numbers the same way.
import { HISTOGRAM_SCHEME, Histogram } from '../results/histogram';
import type { MergedRun } from '../results/merge';
import type { DataSafety } from '../results/data-safety';
import type { ServerView } from '../results/server-view';
import { evaluateThresholds, generatorWarnings, type ResourceUse, type Threshold } from './assessment';
import { RunSummary, SUMMARY_SCHEMA_VERSION } from './summary';

const LOAD = (op: string) => op !== 'setup' && op !== 'teardown';

export interface MergedFigures {
  totals: RunSummary['totals'];
  latency_ms: RunSummary['latency_ms'];
  operations: RunSummary['operations'];
  timeline: RunSummary['timeline'];
  /** "METHOD /template status" -> requests, every scenario (warm-up too): what the server saw. */
  clientCounts: Map<string, number>;
  cache: { measured: { hits: number; lookups: number }; all: { hits: number; lookups: number } };
  harness: { total: number; by_op: Record<string, number> };
  dropped: number;
  /** First and last measured request (epoch ms), null when there was none. */
  window: { first_ms: number; last_ms: number } | null;
}

const nan0 = (v: number) => (Number.isFinite(v) ? v : 0);

/** Figures over the measured scenarios (warm-up excluded) of a merged run. */
export function mergedFigures(m: MergedRun, warmupScenarios: string[] = m.run.warmup_scenarios): MergedFigures {
  const warm = new Set(warmupScenarios);
  const measured = m.series.filter((s) => LOAD(s.key.op) && !warm.has(s.key.scenario));
  const all = new Histogram();
  const byOp = new Map<string, { names: Set<string>; hist: Histogram; errors: number }>();
  let failed = 0;
  let first = Infinity;
  let last = -Infinity;
  for (const s of measured) {
    all.merge(s.hist);
    if (s.key.failed) failed += s.hist.count;
    first = Math.min(first, s.first_ms);
    last = Math.max(last, s.last_ms);
    let o = byOp.get(s.key.op);
    if (!o) byOp.set(s.key.op, (o = { names: new Set(), hist: new Histogram(), errors: 0 }));
    o.names.add(s.key.name);
    o.hist.merge(s.hist);
    if (s.key.failed) o.errors += s.hist.count;
  }
  const n = all.count;
  const durationS = n > 1 ? Math.max((last - first) / 1000, 0.001) : 0;
  const operations = [...byOp.entries()]
    .map(([op, o]) => ({ op, names: [...o.names].sort(), count: o.hist.count, errors: o.errors, latency_ms: o.hist.stats() }))
    .sort((a, b) => b.count - a.count || a.op.localeCompare(b.op));

  // Timeline: every second from the first to the last measured one (empty seconds as zeros).
  const perSecond = new Map<number, { hist: Histogram; errors: number }>();
  for (const [scenario, slices] of m.slices) {
    if (warm.has(scenario)) continue;
    for (const [t, c] of slices) {
      let p = perSecond.get(t);
      if (!p) perSecond.set(t, (p = { hist: new Histogram(), errors: 0 }));
      p.hist.merge(c.hist);
      p.errors += c.errors;
    }
  }
  const timeline: RunSummary['timeline'] = [];
  if (perSecond.size) {
    const secs = [...perSecond.keys()];
    const lo = Math.min(...secs);
    const hi = Math.max(...secs);
    for (let t = lo; t <= hi; t++) {
      const p = perSecond.get(t);
      const [p50, p95, p99] = p ? p.hist.percentiles([50, 95, 99]) : [0, 0, 0];
      timeline.push({ t, requests: p?.hist.count ?? 0, errors: p?.errors ?? 0, p50: nan0(p50!), p95: nan0(p95!), p99: nan0(p99!) });
    }
  }

  const clientCounts = new Map<string, number>();
  for (const s of m.series) {
    if (!LOAD(s.key.op)) continue;
    const k = `${s.key.name} ${s.key.status}`;
    clientCounts.set(k, (clientCounts.get(k) ?? 0) + s.hist.count);
  }
  const cache = { measured: { hits: 0, lookups: 0 }, all: { hits: 0, lookups: 0 } };
  for (const [scenario, c] of Object.entries(m.cache)) {
    cache.all.hits += c.hits;
    cache.all.lookups += c.lookups;
    if (warm.has(scenario)) continue;
    cache.measured.hits += c.hits;
    cache.measured.lookups += c.lookups;
  }
  const harnessByOp: Record<string, number> = {};
  for (const [scenario, byOpCount] of Object.entries(m.harness_errors)) {
    if (warm.has(scenario)) continue;
    for (const [op, c] of Object.entries(byOpCount)) harnessByOp[op] = (harnessByOp[op] ?? 0) + c;
  }
  const dropped = Object.entries(m.dropped_iterations).reduce((a, [sc, d]) => a + (warm.has(sc) ? 0 : d), 0);
  return {
    totals: {
      requests: n,
      successful: n - failed,
      failed,
      failed_pct: n ? (100 * failed) / n : 0,
      duration_s: durationS,
      throughput_rps: durationS > 0 ? n / durationS : 0,
    },
    latency_ms: all.stats(),
    operations,
    timeline,
    clientCounts,
    cache,
    harness: { total: Object.values(harnessByOp).reduce((a, b) => a + b, 0), by_op: harnessByOp },
    dropped,
    window: n ? { first_ms: first, last_ms: last } : null,
  };
}

/** Requests of the warm-up scenarios (reported, cross-checked and verified, not in the figures). */
export function warmupRequests(m: MergedRun): number {
  const warm = new Set(m.run.warmup_scenarios);
  return m.series.filter((s) => LOAD(s.key.op) && warm.has(s.key.scenario)).reduce((a, s) => a + s.hist.count, 0);
}

function spread(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null);
  return v.length === values.length && v.length > 0 ? Math.max(...v) - Math.min(...v) : null;
}

export function instancesSection(m: MergedRun): NonNullable<RunSummary['instances']> {
  const starts = m.instances.map((i) => i.setup_start_ms);
  const earliest = Math.min(...starts.filter((s): s is number => s !== null));
  return {
    count: m.run.instances,
    sequence: m.run.sequence,
    complete: m.complete,
    problems: m.problems,
    start_skew_ms: spread(starts),
    resume_skew_ms: spread(m.instances.map((i) => i.resumed_at_ms)),
    list: m.instances.map((i) => ({
      index: i.index,
      segment: i.segment,
      requests: i.requests,
      failed: i.failed,
      dropped_iterations: i.dropped_iterations,
      vus_max: i.vus_max,
      k6_cpu_avg_cores: i.generator?.cpu_avg_cores ?? null,
      k6_cpu_peak_cores: i.generator?.cpu_peak_cores ?? null,
      k6_rss_peak_mb: i.generator?.rss_peak_mb ?? null,
      start_offset_ms: i.setup_start_ms === null ? null : i.setup_start_ms - earliest,
      saturated: i.saturated,
      saturation_reasons: i.saturation_reasons,
    })),
  };
}

/** k6's CPU and memory over all instances: CPU and RSS add up (each instance is its own process). */
export function generatorOf(m: MergedRun, dropped: number): RunSummary['generator'] {
  const g = m.instances.map((i) => i.generator);
  const sum = (f: (x: NonNullable<(typeof g)[number]>) => number) => g.reduce((a, x) => a + (x ? f(x) : 0), 0);
  const rss = sum((x) => x.rss_peak_mb);
  return {
    k6_cpu_avg_cores: sum((x) => x.cpu_avg_cores),
    k6_cpu_peak_cores: sum((x) => x.cpu_peak_cores),
    k6_rss_peak_mb: rss,
    k6_mb_per_vu: m.run.vus > 0 ? rss / m.run.vus : 0,
    vus: m.run.vus,
    dropped_iterations: dropped,
    script_errors: m.instances.reduce((a, i) => a + (i.script_errors ?? 0), 0),
    not_measured_reason: g.every((x) => x === null) ? 'the k6 processes ran where loadlab could not sample them (k6-operator runner pods: see kubectl top pods)' : undefined,
  };
}

export interface SummaryInput {
  merged: MergedRun;
  startedAt: string;
  finishedAt: string;
  k6ExitCode: number;
  /** summary.config: the run's settings plus target, target_is_own_server, data. */
  config: RunSummary['config'];
  serverView: ServerView;
  dataSafety: DataSafety;
  scaling: (s: Omit<RunSummary, 'scaling'>) => RunSummary['scaling'];
  /** mergedFigures(merged), when the caller already computed them. */
  figures?: MergedFigures;
  /** Resource use over the measured window, and what it says (report/assessment.ts resourceFindings). */
  resources?: ResourceUse;
  resourceWarnings?: string[];
  notes?: string[];
}

/** The whole RunSummary, thresholds and verdict decided once, on the merged figures. */
export function summarizeMergedRun(i: SummaryInput): RunSummary {
  const m = i.merged;
  const f = i.figures ?? mergedFigures(m);
  const generator = generatorOf(m, f.dropped);
  const expected = m.run.expected_requests;
  const multi = m.run.instances > 1;
  const thresholds = evaluateThresholds(m.run.thresholds as Threshold[], {
    avg_ms: f.latency_ms.avg,
    p95_ms: f.latency_ms.p95,
    p99_ms: f.latency_ms.p99,
    error_pct: f.totals.failed_pct,
    // Writes that could not be read back leave the number lost unknown: the threshold is not measured.
    lost_writes: i.dataSafety.unverified_reason || i.dataSafety.unverified ? undefined : i.dataSafety.lost,
    cache_hit_pct: f.cache.measured.lookups ? (100 * f.cache.measured.hits) / f.cache.measured.lookups : i.serverView.client_cache_hit_pct,
    dropped_iterations: generator.dropped_iterations,
    harness_errors: f.harness.total,
  });
  const warnings: string[] = [];
  if (!m.complete) warnings.push(`INCOMPLETE: ${m.problems.length} problem(s) with the result files — these figures are not the run's result (see k6 Instances)`);
  if (multi) {
    for (const inst of m.instances) if (inst.saturated) warnings.push(`k6 instance ${inst.index} (segment ${inst.segment}) was saturated: ${inst.saturation_reasons.join('; ')} — the generator may have been the bottleneck, not the server`);
    if (generator.dropped_iterations > 0) warnings.push(`k6 dropped ${generator.dropped_iterations} iterations: it could not keep the requested rate, so the rate was not actually driven`);
  } else warnings.push(...generatorWarnings(generator));
  warnings.push(...(i.resourceWarnings ?? []));
  if (expected !== undefined && f.totals.requests !== expected) {
    warnings.push(
      `expected ${expected} requests (users x ops), k6 sent ${f.totals.requests}: ${expected - f.totals.requests} missing; k6 logged ${generator.script_errors} script errors (see k6.log)`,
    );
  } else if (generator.script_errors > 0) warnings.push(`k6 logged ${generator.script_errors} script errors (see k6.log)`);
  const sv = i.serverView;
  if (sv.available && sv.mismatches.length) warnings.push(`server and k6 disagree on ${sv.mismatches.length} route/status counts (see Server View)`);
  if (!sv.available) warnings.push(sv.reason ?? 'server metrics unavailable');
  if (i.dataSafety.unverified_reason) warnings.push(`acknowledged writes not verified: ${i.dataSafety.unverified_reason}`);
  if (i.dataSafety.unverified) warnings.push(`${i.dataSafety.unverified} acknowledged writes could not be read back, so neither verified nor lost: ${(i.dataSafety.unverified_reasons ?? []).join('; ')}`);
  const warm = warmupRequests(m);
  const base = {
    schema_version: SUMMARY_SCHEMA_VERSION as typeof SUMMARY_SCHEMA_VERSION,
    kind: m.run.kind,
    run_id: m.run.run_id,
    started_at: i.startedAt,
    finished_at: i.finishedAt,
    k6: { version: m.run.k6_version, exit_code: i.k6ExitCode },
    config: i.config,
    totals: { ...f.totals, expected_requests: expected, warmup_requests: warm || undefined },
    latency_ms: f.latency_ms,
    operations: f.operations,
    harness_errors: f.harness,
    generator,
    server_view: sv,
    data_safety: i.dataSafety,
    thresholds,
    assessment: {
      passed: m.complete && thresholds.every((t) => t.pass) && generator.dropped_iterations === 0 && (expected === undefined || f.totals.requests === expected),
      warnings,
      notes: i.notes,
    },
    timeline: f.timeline,
    resources: i.resources,
    latency_precision: { scheme: `${HISTOGRAM_SCHEME.scheme}, ${HISTOGRAM_SCHEME.sub_buckets} buckets per power of two of ns`, relative: HISTOGRAM_SCHEME.relative_precision },
    instances: multi || !m.complete ? instancesSection(m) : undefined,
  };
  return RunSummary.parse({ ...base, scaling: i.scaling(base) });
}
