// One measured run, start to finish: snapshot the server's /metrics, run the k6 scenario while
// sampling k6's CPU/memory and the server's pool, snapshot again, verify every acknowledged write,
// evaluate thresholds, and write the report folder (summary.json, report.txt, report.html,
// junit.xml, meta.json). `load`, `level` and `gate` differ only in scenario, settings, thresholds.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { CliError } from './lib/cli-error';
import path from 'node:path';
import { findChromium, renderReportPage } from './lib/browser';
import { buildDataPool } from './lib/data-pool';
import { EXIT_INTERRUPTED, interruption, stopK6 } from './lib/interrupt';
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
import { mergedFigures, summarizeMergedRun, warmupRequests } from './report/run-summary';
import type { Faults, Interruption, RunSummary } from './report/summary';
import { countFaultErrors, databaseDownIntervals, howItEnded, logTail, type HealthPoll } from './results/faults';
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

/**
 * Polls /health once a second during the run: the pool's size and waiting requests, and whether
 * the database was reachable (every poll is kept: the report's database-down intervals).
 */
function pollHealth(target: LoadTarget) {
  let totalMax = 0;
  let waitingMax = 0;
  let seen = false;
  let stopped = false;
  const polls: HealthPoll[] = [];
  let dbDown = false;
  const loop = (async () => {
    while (!stopped) {
      const sentMs = Date.now();
      try {
        const r = await target.api.get<{ pool?: { total: number; waiting: number }; db?: { ok?: boolean } }>('/health');
        const dbOk = typeof r.body?.db?.ok === 'boolean' ? r.body.db.ok : null;
        polls.push({ sentMs, doneMs: Date.now(), status: r.status, dbOk });
        // Said as it happens (the report has the intervals): the database went away, or came back.
        const down = r.status === 503 || dbOk === false;
        if (down !== dbDown) console.log(down ? `PostgreSQL unavailable (GET /health answered ${r.status}) at ${new Date(sentMs).toISOString()}` : `PostgreSQL back (GET /health answered ${r.status}) at ${new Date().toISOString()}`);
        dbDown = down;
        if (r.body?.pool) {
          seen = true;
          totalMax = Math.max(totalMax, r.body.pool.total);
          waitingMax = Math.max(waitingMax, r.body.pool.waiting);
        }
      } catch {
        // No answer: the server may be overloaded or gone; the run itself records that.
        polls.push({ sentMs, doneMs: Date.now(), status: 0, dbOk: null });
      }
      await new Promise((res) => setTimeout(res, Math.max(0, 1000 - (Date.now() - sentMs))));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return { pool: seen ? { totalMax, waitingMax } : undefined, polls };
  };
}

/** Once our API server has died, k6 is given this long to record what followed, then stopped. */
const AFTER_SERVER_DEATH_MS = 2000;

/** Watches our own server during the run: when it dies, says so and stops k6 shortly after. */
function watchServer(target: LoadTarget) {
  let stopped = false;
  let stoppedK6 = false;
  const loop = (async () => {
    while (!stopped && target.server) {
      const died = target.server.exited();
      if (died) {
        console.log(`the API server died (${howItEnded(died)}); stopping k6 in ${AFTER_SERVER_DEATH_MS / 1000} s`);
        await new Promise((r) => setTimeout(r, AFTER_SERVER_DEATH_MS));
        stoppedK6 = true;
        if (!stopped) stopK6();
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    stoppedK6: () => stoppedK6,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

/** The faults of a run (server died, database down and back), or undefined when there were none. */
async function runFaults(target: LoadTarget, polls: HealthPoll[], csvs: string[], startedAt: string): Promise<Faults | undefined> {
  const t0 = Date.parse(startedAt);
  const died = target.server?.exited();
  const down = databaseDownIntervals(polls);
  if (!died && !down.length) return undefined;
  // The log's last lines (and the harness's exit line) are on disk once the process closed its output;
  // a cluster worker still holding it open is not waited for long.
  if (died) await Promise.race([target.server!.logClosed, new Promise((r) => setTimeout(r, 3000))]);
  const lastPoll = polls.at(-1)?.doneMs ?? Date.now();
  const counts = await countFaultErrors(csvs, died?.atMs ?? null, down.map((d) => ({ fromMs: d.fromMs, toMs: d.toMs ?? lastPoll })));
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    server_exit: died && {
      at: iso(died.atMs),
      after_s: (died.atMs - t0) / 1000,
      code: died.code,
      signal: died.signal,
      how: howItEnded(died),
      log_tail: logTail(target.server!.logFile),
      failed_after: counts.failedAfter,
    },
    database_down: down.map((d, k) => ({
      from: iso(d.fromMs),
      to: d.toMs === null ? null : iso(d.toMs),
      from_s: (d.fromMs - t0) / 1000,
      to_s: d.toMs === null ? null : (d.toMs - t0) / 1000,
      polls: d.polls,
      status_503_inside: counts.inside[k]!.status503,
      failed_inside: counts.inside[k]!.failed,
    })),
    health_polls: polls.length,
  };
}

export async function executeRun(k6: K6Binary, target: LoadTarget, plan: RunPlan): Promise<RunSummary> {
  // Sample ids first: the harness's own requests must not fall between the two snapshots.
  const pool = await buildDataPool(target.api, { seed: plan.seed ?? 46 });
  const instances = plan.instances ?? 1;
  const before = await snapshotMetrics(target.api);
  const stopHealth = pollHealth(target);
  const serverWatch = watchServer(target);
  const resources = startResourceSampler({ apiPid: target.serverPid, api: target.api, postgres: samplerPostgres(target) });
  const run = await runScenario(k6, target, {
    script: plan.script,
    dir: plan.dir,
    env: plan.env,
    pool,
    progress: { label: plan.kind, seconds: plan.plannedSeconds, requests: plan.expectedRequests, arrivalRateRps: plan.config.rate_rps },
    dashboard: plan.dashboard,
    instances,
    outputs: plan.k6Outputs,
    readSamples: false,
    log: console.log,
    onK6Start: (pid) => resources.addK6Pid(pid),
    stoppedByHarness: serverWatch.stoppedK6,
  }).finally(() => {
    void resources.stop(); // its last sample as k6 ends; awaited below (the same stop)
    return serverWatch.stop();
  });
  const series = await resources.stop();
  writeFileSync(path.join(plan.dir, 'resources.json'), `${JSON.stringify(series)}\n`);
  const { pool: poolStats, polls } = await stopHealth();
  const after = await snapshotMetrics(target.api);
  const faults = await runFaults(target, polls, run.instances.map((i) => i.files.csv), run.startedAt);
  // A server that died cannot answer Data Safety's reads: a new one on the same database does.
  let verifyApi = target.api;
  if (faults?.server_exit && target.reviveServer) {
    console.log(`the API server died ${faults.server_exit.after_s.toFixed(1)} s into the run (${faults.server_exit.how}); starting a new one on the same database to verify the acknowledged writes`);
    verifyApi = await target.reviveServer();
    faults.server_exit.verified_with = 'a new API process on the same database (server-after-fault.log)';
  }

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
  let merged = mergeResultFiles(files, { stoppedOnPurpose: !!interruption() || serverWatch.stoppedK6() });
  let figures = mergedFigures(merged);
  // Cut during the warm-up: no measured request ran. The report is of the warm-up's requests (and
  // says so); with no request answered at all there is nothing to report (k6's files stay).
  const cutInWarmup = !!interruption() && figures.totals.requests === 0 && warmupRequests(merged) > 0;
  if (cutInWarmup) {
    merged = { ...merged, run: { ...merged.run, warmup_scenarios: [] } };
    figures = mergedFigures(merged);
  }
  if (interruption() && figures.totals.requests === 0) {
    throw new CliError(`interrupted (${interruption()!.signal}) before k6 sent a request: nothing was measured, so there is no report (k6's files stay in ${plan.dir})`, EXIT_INTERRUPTED);
  }
  const dataSafety = await verifyAckedWritesByInstance(verifyApi, ackedWritesByFile(merged), { unansweredWrites: !!interruption() || !!faults?.server_exit });
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
        arrivalRateRps: plan.config.rate_rps,
        targetUsers: TARGET_USERS,
        mix: `${plan.scenario}: ${plan.config.pattern}`,
        dataProfile: profileOf(target.data),
        resources: resourceUse,
      }),
  });
  if (faults) markFaults(summary, faults);
  const cut = interruption();
  if (cut) markInterrupted(summary, { ...interruptionOf(cut, run.startedAt, run.finishedAt, plan), ...(cutInWarmup ? { during_warmup: true } : {}) });
  if (summary.instances) console.log(`k6 instances: ${instances}, start skew ${summary.instances.start_skew_ms === null ? 'n/a' : `${summary.instances.start_skew_ms.toFixed(0)} ms`} (spread of the instances' setup() starts)`);
  const charts = buildReportCharts(readOpSlices(merged.files, merged.run.warmup_scenarios), series);
  writeReportFolder(plan, summary, k6.version, target.data, charts);
  await screenshotReport(plan.dir);
  return summary;
}

/** What an interrupted run asked for and what it got. */
export function interruptionOf(
  cut: { signal: string; at: string; atMs: number; count: number },
  startedAt: string,
  finishedAt: string,
  plan: Pick<RunPlan, 'expectedRequests' | 'plannedSeconds'>,
): Omit<Interruption, 'completed'> & { completed: { seconds: number } } {
  const t0 = Date.parse(startedAt);
  return {
    signal: cut.signal,
    at: cut.at,
    after_s: Math.max(0, (cut.atMs - t0) / 1000),
    k6_stopped: cut.count >= 2 ? 'at once' : 'gracefully',
    requested: { requests: plan.expectedRequests ?? null, seconds: plan.plannedSeconds ?? null },
    completed: { seconds: Math.max(0, (Date.parse(finishedAt) - t0) / 1000) },
  };
}

/** Marks a summary INTERRUPTED: never a pass, and the first warning says why the figures are partial. */
export function markInterrupted(summary: RunSummary, i: Omit<Interruption, 'completed'> & { completed: { seconds: number } }): void {
  summary.interrupted = true;
  summary.interruption = { ...i, completed: { requests: summary.totals.requests, seconds: i.completed.seconds } };
  summary.assessment.passed = false;
  summary.assessment.warnings.unshift(`INTERRUPTED by ${i.signal} ${i.after_s.toFixed(1)} s into the run: these figures cover only what ran`);
}

/** Faults go into the summary; a server that died fails the run (exit as for failed thresholds). */
export function markFaults(summary: RunSummary, f: Faults): void {
  summary.faults = f;
  if (f.server_exit) {
    summary.assessment.passed = false;
    summary.assessment.warnings.unshift(`the API server died ${f.server_exit.after_s.toFixed(1)} s into the run (${f.server_exit.how}): see Faults`);
  }
  for (const d of f.database_down) {
    summary.assessment.warnings.push(`PostgreSQL was unavailable from ${d.from_s.toFixed(1)} s to ${d.to_s === null ? 'the end of the run' : `${d.to_s.toFixed(1)} s`} (by /health): ${d.status_503_inside} requests answered 503 inside it`);
  }
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
  writeFilesAtomically(plan.dir, {
    'summary.json': `${JSON.stringify(summary, null, 2)}\n`,
    'report.txt': text,
    'report.html': renderHtmlReport(summary, text, plan.extraHtml, charts),
    'junit.xml': renderJunit(summary),
    'meta.json': `${JSON.stringify(buildMeta({ kind: plan.kind, k6Version, options: plan.options, data }), null, 2)}\n`,
  });
  return text;
}

/**
 * The report files, all or none: each is written to a hidden partial file first, and only when
 * every one is on disk are they renamed into place. A full disk or an unwritable folder is one
 * line naming the path (exit 2); the partial files are removed, so no half-written report is left.
 */
export function writeFilesAtomically(dir: string, files: Record<string, string>): void {
  const written: string[] = [];
  let current = dir;
  try {
    for (const [name, body] of Object.entries(files)) {
      current = path.join(dir, name);
      const tmp = path.join(dir, `.${name}.partial`);
      written.push(tmp);
      writeFileSync(tmp, body);
    }
    for (const name of Object.keys(files)) renameSync(path.join(dir, `.${name}.partial`), path.join(dir, name));
  } catch (err) {
    for (const tmp of written) rmSync(tmp, { force: true });
    const e = err as NodeJS.ErrnoException;
    throw new CliError(`cannot write the report to ${current}: ${e.code === 'ENOSPC' ? 'no space left on the device' : e.code ?? ''} (${e.message})`.replace(/\s+/g, ' '), 2);
  }
}
