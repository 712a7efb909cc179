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
import { segmentSequence } from './lib/execution-segments';
import { resourceFindings, summarizeResources, type Threshold } from './report/assessment';
import { startResourceSampler } from './results/resource-sampler';
import { buildReportCharts, type ReportCharts } from './report/chart-data';
import { renderHtmlReport, type ExtraSection } from './report/html-report';
import { renderJunit } from './report/junit';
import { buildMeta } from './report/meta';
import { profileOf, scalingSection } from './report/scaling';
import { mergedFigures, summarizeMergedRun } from './report/run-summary';
import type { RunSummary } from './report/summary';
import { renderTextReport } from './report/text-report';
import { verifyAckedWritesByInstance } from './results/data-safety';
import { ackedWritesByFile, mergeResultFiles } from './results/merge';
import { readOpSlices } from './results/op-slices';
import { RESULT_FILE_SUFFIX, resultBuilderFromCsv, writeResultFile, type RunBlock } from './results/result-file';
import { buildServerView, snapshotMetrics } from './results/server-view';
import { runScenario } from './run-scenario';

/** The question loadlab answers: 4,000 concurrent users. */
export const TARGET_USERS = 4000;

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
  /** k6 processes sharing the run, each its execution segment (default 1). */
  instances?: number;
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
  /** --k6-out: k6 outputs passed through to every k6 process */
  k6Outputs?: string[];
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
  const instances = plan.instances ?? 1;
  const before = await snapshotMetrics(target.api);
  const stopPool = pollPool(target);
  const resources = startResourceSampler({ apiPid: target.serverPid, api: target.api, postgres: samplerPostgres(target) });
  const run = await runScenario(k6, target, {
    script: plan.script,
    dir: plan.dir,
    env: plan.env,
    pool,
    progress: { label: plan.kind, seconds: plan.plannedSeconds, requests: plan.expectedRequests },
    dashboard: plan.dashboard,
    instances,
    outputs: plan.k6Outputs,
    readSamples: false,
    log: console.log,
    onK6Start: (pid) => resources.addK6Pid(pid),
  }).finally(() => resources.stop());
  const series = await resources.stop();
  writeFileSync(path.join(plan.dir, 'resources.json'), `${JSON.stringify(series)}\n`);
  const poolStats = await stopPool();
  const after = await snapshotMetrics(target.api);

  // Every instance's samples become its result file; the report is built from their merge, so one
  // instance and many go through the same figures.
  const config = { ...plan.config, scenario: plan.scenario, target: target.baseUrl, target_is_own_server: target.ownServer, data: target.data };
  const runBlock: RunBlock = {
    run_id: path.basename(plan.dir),
    kind: plan.kind,
    scenario: plan.scenario,
    instances,
    sequence: segmentSequence(instances),
    k6_version: k6.version,
    thresholds: plan.thresholds,
    expected_requests: plan.expectedRequests,
    warmup_scenarios: plan.warmupScenarios ?? [],
    vus: plan.vus,
    config,
  };
  const files: string[] = [];
  for (const inst of run.instances) {
    const builder = await resultBuilderFromCsv(inst.files.csv);
    const file = path.join(plan.dir, `instance-${inst.index}${RESULT_FILE_SUFFIX}`);
    const st = inst.stats;
    writeResultFile(
      file,
      builder.build(runBlock, {
        index: inst.index,
        segment: inst.segment,
        started_at: inst.startedAt,
        finished_at: inst.finishedAt,
        k6_exit_code: inst.exitCode,
        resumed_at_ms: inst.resumedAtMs,
        generator: st ? { cpu_avg_cores: st.cpu_avg_cores, cpu_peak_cores: st.cpu_peak_cores, rss_peak_mb: st.rss_peak_mb, samples: st.samples } : null,
        script_errors: countScriptErrors(inst.files.log),
      }),
    );
    files.push(file);
  }
  const merged = mergeResultFiles(files);
  const figures = mergedFigures(merged);
  const dataSafety = await verifyAckedWritesByInstance(target.api, ackedWritesByFile(merged));
  // The server saw every request between the snapshots, warm-up included: compare all of them.
  const serverView = buildServerView(before, after, figures.clientCounts, {
    cacheHits: figures.cache.all.hits,
    cacheLookups: figures.cache.all.lookups,
    poolWaitingMax: poolStats?.waitingMax,
    poolTotalMax: poolStats?.totalMax,
  });
  const resourceUse = summarizeResources(series, figures.window?.first_ms ?? 0, figures.window?.last_ms ?? 0);
  const findings = resourceFindings(
    resourceUse,
    plan.config.rate_rps !== undefined ? { amount: plan.config.rate_rps, unit: 'req/s' } : { amount: plan.config.users, unit: 'users' },
  );
  const summary = summarizeMergedRun({
    merged,
    figures,
    resources: resourceUse,
    resourceWarnings: findings.warnings,
    notes: findings.notes,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    k6ExitCode: run.k6ExitCode,
    config,
    serverView,
    dataSafety,
    scaling: (base) =>
      plan.scaling?.(base) ??
      scalingSection(path.dirname(plan.dir), {
        users: plan.config.users,
        throughputRps: base.totals.throughput_rps,
        meanResponseMs: base.latency_ms.avg,
        thinkTimeMs: plan.config.think_time_ms,
        targetUsers: TARGET_USERS,
        mix: `${plan.scenario}: ${plan.config.pattern}`,
        dataProfile: profileOf(target.data),
        resources: resourceUse,
      }),
  });
  if (summary.instances) console.log(`k6 instances: ${instances}, start skew ${summary.instances.start_skew_ms === null ? 'n/a' : `${summary.instances.start_skew_ms.toFixed(0)} ms`} (spread of the instances' setup() starts)`);
  const charts = buildReportCharts(readOpSlices(merged.files, merged.run.warmup_scenarios), series);
  writeReportFolder(plan, summary, k6.version, target.data, charts);
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
    else if (page.withoutData.length) console.log(`report.html: charts without data: ${page.withoutData.join('; ')}`);
  } catch (err) {
    console.log(`report.png not written: ${(err as Error).message.split('\n')[0]}`);
  }
}

export function writeReportFolder(plan: Pick<RunPlan, 'dir' | 'kind' | 'options' | 'extraHtml'>, summary: RunSummary, k6Version: string, data: string, charts?: ReportCharts): string {
  const text = renderTextReport(summary);
  writeFileSync(path.join(plan.dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(path.join(plan.dir, 'report.txt'), text);
  writeFileSync(path.join(plan.dir, 'report.html'), renderHtmlReport(summary, text, plan.extraHtml, charts));
  writeFileSync(path.join(plan.dir, 'junit.xml'), renderJunit(summary));
  writeFileSync(path.join(plan.dir, 'meta.json'), `${JSON.stringify(buildMeta({ kind: plan.kind, k6Version, options: plan.options, data }), null, 2)}\n`);
  return text;
}
