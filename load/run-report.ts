// One measured run, start to finish: snapshot the server's /metrics, run the k6 scenario while
// sampling k6's CPU/memory and the server's pool, snapshot again, verify every acknowledged write,
// evaluate thresholds, and write the report folder (summary.json, report.txt, report.html,
// junit.xml, meta.json). `load`, `level` and `gate` differ only in scenario, settings, thresholds.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findChromium, renderReportPage } from './lib/browser';
import { buildDataPool } from './lib/data-pool';
import type { K6Binary } from './lib/k6';
import type { K6Dashboard } from './lib/k6-dashboard';
import type { LoadTarget } from './lib/load-target';
import { samplerPostgres } from './lib/load-target';
import { ProcessSampler } from './lib/process-sampler';
import { evaluateThresholds, generatorWarnings, resourceFindings, summarizeResources, type Threshold } from './report/assessment';
import { startResourceSampler } from './results/resource-sampler';
import { renderHtmlReport, type ExtraSection } from './report/html-report';
import { renderJunit } from './report/junit';
import { buildMeta } from './report/meta';
import { profileOf, scalingSection } from './report/scaling';
import { RunSummary, SUMMARY_SCHEMA_VERSION, summarizeRequests } from './report/summary';
import { renderTextReport } from './report/text-report';
import { ackedWritesFrom, verifyAckedWrites } from './results/data-safety';
import { buildServerView, snapshotMetrics } from './results/server-view';
import { timeline } from './results/timeline';
import { runScenario } from './run-scenario';

/** The question loadlab answers: 4,000 concurrent users. */
export const TARGET_USERS = 4000;

export const KEEP_METRICS = ['writes_acked', 'cache_hit', 'harness_errors', 'dropped_iterations'];

export interface RunPlan {
  kind: string;
  scenario: string;
  script: string;
  dir: string;
  env: Record<string, string>;
  thresholds: Threshold[];
  /** Echoed into summary.config. */
  config: {
    users: number;
    ops: number;
    think_time_ms: number;
    ramp_up_s: number;
    pattern: string;
    user_split: Record<string, number>;
    rate_rps?: number;
    duration?: string;
    warmup_s?: number;
  };
  /** VUs k6 will run at most (memory per VU). */
  vus: number;
  /** Requests the run must send (users x ops), when that is fixed. */
  expectedRequests?: number;
  /** Seconds the executors will run (warm-up included), when that is fixed: the progress lines' "planned". */
  plannedSeconds?: number;
  /** --dashboard: k6's web dashboard for the run. */
  dashboard?: K6Dashboard;
  /** k6 scenarios whose requests are warm-up: left out of the figures and thresholds, but counted
   *  in the server cross-check and verified for data safety like every other request. */
  warmupScenarios?: string[];
  seed?: number;
  options: Record<string, unknown>;
  /** Scaling section override (e.g. from a capacity model); default: Little's law on this run. */
  scaling?: (s: Omit<RunSummary, 'scaling'>) => RunSummary['scaling'];
  extraHtml?: ExtraSection[];
}

/** Lines k6 logged at level=error (script exceptions, failed setup). */
function countScriptErrors(logFile: string): number {
  try {
    return readFileSync(logFile, 'utf8').split('\n').filter((l) => l.includes('level=error')).length;
  } catch {
    return 0;
  }
}

/** Polls /health once a second for the pool's size and waiting requests. */
function pollPool(target: LoadTarget) {
  let totalMax = 0;
  let waitingMax = 0;
  let seen = false;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const r = await target.api.get<{ pool?: { total: number; waiting: number } }>('/health');
        if (r.body?.pool) {
          seen = true;
          totalMax = Math.max(totalMax, r.body.pool.total);
          waitingMax = Math.max(waitingMax, r.body.pool.waiting);
        }
      } catch {
        /* the server may be overloaded; the run itself records that */
      }
      await new Promise((res) => setTimeout(res, 1000));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return seen ? { totalMax, waitingMax } : undefined;
  };
}

export async function executeRun(k6: K6Binary, target: LoadTarget, plan: RunPlan): Promise<RunSummary> {
  // Sample ids first: the harness's own requests must not fall between the two snapshots.
  const pool = await buildDataPool(target.api, { seed: plan.seed ?? 46 });
  const before = await snapshotMetrics(target.api);
  const stopPool = pollPool(target);
  const resources = startResourceSampler({ apiPid: target.serverPid, api: target.api, postgres: samplerPostgres(target) });
  let sampler: ProcessSampler | undefined;
  const run = await runScenario(k6, target, {
    script: plan.script,
    dir: plan.dir,
    env: plan.env,
    pool,
    keepMetrics: KEEP_METRICS,
    progress: { label: plan.kind, seconds: plan.plannedSeconds, requests: plan.expectedRequests },
    dashboard: plan.dashboard,
    onK6Start: (pid) => {
      sampler = new ProcessSampler(pid).start();
      resources.setK6Pid(pid);
    },
  }).finally(() => resources.stop());
  const series = await resources.stop();
  writeFileSync(path.join(plan.dir, 'resources.json'), `${JSON.stringify(series)}\n`);
  const k6Stats = sampler?.stop() ?? { cpu_avg_cores: 0, cpu_peak_cores: 0, rss_peak_mb: 0, samples: 0, series: [] };
  const poolStats = await stopPool();
  const after = await snapshotMetrics(target.api);

  const warmup = new Set(plan.warmupScenarios ?? []);
  const allRequests = run.samples.requests;
  const requests = allRequests.filter((r) => !warmup.has(r.scenario));
  const warmupRequests = allRequests.length - requests.length;
  const metric = (name: string) => (run.samples.metrics.get(name) ?? []).filter((s) => !warmup.has(s.tags.scenario ?? ''));
  const allOf = (name: string) => run.samples.metrics.get(name) ?? [];
  const cache = metric('cache_hit');
  const cacheAll = allOf('cache_hit');
  const harness = metric('harness_errors');
  const harnessByOp: Record<string, number> = {};
  for (const h of harness) harnessByOp[h.tags.op ?? '?'] = (harnessByOp[h.tags.op ?? '?'] ?? 0) + h.value;
  const dropped = metric('dropped_iterations').reduce((a, s) => a + s.value, 0);
  const dataSafety = await verifyAckedWrites(target.api, ackedWritesFrom(allOf('writes_acked')));
  // The server saw every request between the snapshots, warm-up included: compare all of them.
  const serverView = buildServerView(before, after, allRequests, {
    cacheHits: cacheAll.filter((c) => c.value === 1).length,
    cacheLookups: cacheAll.length,
    poolWaitingMax: poolStats?.waitingMax,
    poolTotalMax: poolStats?.totalMax,
  });
  const agg = summarizeRequests(requests);
  const generator = {
    k6_cpu_avg_cores: k6Stats.cpu_avg_cores,
    k6_cpu_peak_cores: k6Stats.cpu_peak_cores,
    k6_rss_peak_mb: k6Stats.rss_peak_mb,
    k6_mb_per_vu: plan.vus > 0 ? k6Stats.rss_peak_mb / plan.vus : 0,
    vus: plan.vus,
    dropped_iterations: Math.round(dropped),
    script_errors: countScriptErrors(run.files.log),
  };
  const cacheHitPct = serverView.client_cache_hit_pct;
  const thresholds = evaluateThresholds(plan.thresholds, {
    avg_ms: agg.latency_ms.avg,
    p95_ms: agg.latency_ms.p95,
    p99_ms: agg.latency_ms.p99,
    error_pct: agg.totals.failed_pct,
    lost_writes: dataSafety.lost,
    cache_hit_pct: cache.length ? (100 * cache.filter((c) => c.value === 1).length) / cache.length : cacheHitPct,
    dropped_iterations: generator.dropped_iterations,
    harness_errors: harness.reduce((a, h) => a + h.value, 0),
  });
  const measured = requests.filter((r) => r.op !== 'setup' && r.op !== 'teardown');
  const resourceUse = summarizeResources(series, measured.length ? Math.min(...measured.map((r) => r.t)) : 0, measured.length ? Math.max(...measured.map((r) => r.t)) : 0);
  const findings = resourceFindings(resourceUse);
  const warnings = [...generatorWarnings(generator), ...findings.warnings];
  if (plan.expectedRequests !== undefined && agg.totals.requests !== plan.expectedRequests) {
    warnings.push(
      `expected ${plan.expectedRequests} requests (users x ops), k6 sent ${agg.totals.requests}: ${plan.expectedRequests - agg.totals.requests} missing; k6 logged ${generator.script_errors} script errors (see k6.log)`,
    );
  } else if (generator.script_errors > 0) warnings.push(`k6 logged ${generator.script_errors} script errors (see k6.log)`);
  if (serverView.available && serverView.mismatches.length) warnings.push(`server and k6 disagree on ${serverView.mismatches.length} route/status counts (see Server View)`);
  if (!serverView.available) warnings.push(serverView.reason ?? 'server metrics unavailable');
  const base = {
    schema_version: SUMMARY_SCHEMA_VERSION as typeof SUMMARY_SCHEMA_VERSION,
    kind: plan.kind,
    run_id: path.basename(plan.dir),
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    k6: { version: k6.version, exit_code: run.k6ExitCode },
    config: { ...plan.config, scenario: plan.scenario, target: target.baseUrl, target_is_own_server: target.ownServer, data: target.data },
    ...agg,
    totals: { ...agg.totals, expected_requests: plan.expectedRequests, warmup_requests: warmupRequests || undefined },
    harness_errors: { total: Math.round(harness.reduce((a, h) => a + h.value, 0)), by_op: harnessByOp },
    generator,
    server_view: serverView,
    data_safety: dataSafety,
    thresholds,
    assessment: {
      passed:
        thresholds.every((t) => t.pass) &&
        generator.dropped_iterations === 0 &&
        (plan.expectedRequests === undefined || agg.totals.requests === plan.expectedRequests),
      warnings,
      notes: findings.notes,
    },
    timeline: timeline(requests.filter((r) => r.op !== 'setup')),
    resources: resourceUse,
  };
  const scaling =
    plan.scaling?.(base) ??
    scalingSection(path.dirname(plan.dir), {
      users: plan.config.users,
      throughputRps: agg.totals.throughput_rps,
      meanResponseMs: agg.latency_ms.avg,
      thinkTimeMs: plan.config.think_time_ms,
      targetUsers: TARGET_USERS,
      mix: `${plan.scenario}: ${plan.config.pattern}`,
      dataProfile: profileOf(target.data),
      resources: resourceUse,
    });
  const summary = RunSummary.parse({ ...base, scaling });
  writeReportFolder(plan, summary, k6.version, target.data);
  await screenshotReport(plan.dir);
  return summary;
}

/** report.png beside report.html, rendered offline in headless Chromium (skipped, with a line, when absent). */
export async function screenshotReport(dir: string): Promise<void> {
  if (!findChromium()) {
    console.log('report.png skipped: Chromium not found (make setup installs it)');
    return;
  }
  try {
    const page = await renderReportPage(path.join(dir, 'report.html'), path.join(dir, 'report.png'));
    if (page.errors.length || page.rendered === 0) console.log(`report.html rendered with problems: ${page.errors.join('; ') || 'no charts'}`);
  } catch (err) {
    console.log(`report.png not written: ${(err as Error).message.split('\n')[0]}`);
  }
}

export function writeReportFolder(plan: Pick<RunPlan, 'dir' | 'kind' | 'options' | 'extraHtml'>, summary: RunSummary, k6Version: string, data: string): string {
  const text = renderTextReport(summary);
  writeFileSync(path.join(plan.dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(path.join(plan.dir, 'report.txt'), text);
  writeFileSync(path.join(plan.dir, 'report.html'), renderHtmlReport(summary, text, plan.extraHtml));
  writeFileSync(path.join(plan.dir, 'junit.xml'), renderJunit(summary));
  writeFileSync(path.join(plan.dir, 'meta.json'), `${JSON.stringify(buildMeta({ kind: plan.kind, k6Version, options: plan.options, data }), null, 2)}\n`);
  return text;
}
