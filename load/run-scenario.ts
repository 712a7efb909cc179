// Runs one bundled k6 scenario against a LoadTarget and returns its raw request samples: the
// building block of `load`, `level`, `gate` and each `capacity` step.
import path from 'node:path';
import { CliError } from './lib/cli-error';
import { writeDataPool, type DataPoolFile } from './lib/data-pool';
import { K6_THRESHOLDS_FAILED, runK6, type K6Binary } from './lib/k6';
import { dashboardPeriodS, k6DashboardEnv, type K6Dashboard } from './lib/k6-dashboard';
import type { LoadTarget } from './lib/load-target';
import { startProgress, type ProgressPlan } from './lib/run-progress';
import { readK6Csv, type K6Samples } from './results/k6-samples';

export interface ScenarioRun {
  /** Bundle file (dist/scenarios/<name>.js). */
  script: string;
  /** Report folder: data pool, raw samples, k6 log and summary go here. */
  dir: string;
  /** Scenario-specific settings passed as k6 env (USERS, OPS, …). */
  env: Record<string, string>;
  /** Metrics (besides http_req_duration) to keep from the raw samples. */
  keepMetrics?: string[];
  /** Ids and payloads, sampled by the caller before any measurement starts (see executeRun). */
  pool: DataPoolFile;
  /** Prefix for this run's files inside dir (capacity steps use step-N-). */
  filePrefix?: string;
  onK6Start?: (pid: number) => void;
  /** Show progress lines while k6 runs (tailing the samples CSV). */
  progress?: ProgressPlan;
  /** Turn on k6's web dashboard; its HTML export goes to <prefix>k6-dashboard.html. */
  dashboard?: K6Dashboard;
}

export interface ScenarioResult {
  samples: K6Samples;
  k6ExitCode: number;
  runTag: string;
  startedAt: string;
  finishedAt: string;
  pool: DataPoolFile;
  files: { csv: string; log: string; k6Summary: string; pool: string; dashboard?: string };
}

export async function runScenario(k6: K6Binary, target: LoadTarget, r: ScenarioRun): Promise<ScenarioResult> {
  const prefix = r.filePrefix ?? '';
  const files = {
    csv: path.join(r.dir, `${prefix}k6-samples.csv`),
    log: path.join(r.dir, `${prefix}k6.log`),
    k6Summary: path.join(r.dir, `${prefix}k6-summary.json`),
    pool: path.join(r.dir, 'data-pool.json'),
    dashboard: r.dashboard ? path.join(r.dir, `${prefix}k6-dashboard.html`) : undefined,
  };
  const pool = r.pool;
  if (pool.memberIds.length === 0) throw new CliError('the target has no members to read; seed it first (loadlab seed)');
  writeDataPool(files.pool, pool);
  const runTag = `L${Date.now().toString(36)}${prefix ? prefix.replace(/[^a-z0-9]/gi, '') : ''}`;
  const startedAt = new Date().toISOString();
  const progress = r.progress && startProgress(r.progress, [files.csv]);
  const { exitCode } = await runK6({
    k6,
    script: r.script,
    csvOut: files.csv,
    logFile: files.log,
    onStart: r.onK6Start,
    env: {
      BASE_URL: target.baseUrl,
      API_TOKEN: target.token,
      DATA_FILE: files.pool,
      RUN_TAG: runTag,
      SUMMARY_FILE: files.k6Summary,
      ...(r.dashboard && files.dashboard ? k6DashboardEnv(r.dashboard, files.dashboard, dashboardPeriodS(r.progress?.seconds)) : {}),
      ...r.env,
    },
  }).finally(() => progress?.stop());
  if (exitCode !== 0 && exitCode !== K6_THRESHOLDS_FAILED) {
    throw new CliError(`k6 exited with code ${exitCode}; see ${files.log}`);
  }
  const samples = await readK6Csv(files.csv, r.keepMetrics ?? []);
  return { samples, k6ExitCode: exitCode, runTag, startedAt, finishedAt: new Date().toISOString(), pool, files };
}
