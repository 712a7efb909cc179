// Runs one bundled k6 scenario against a LoadTarget — as one k6 process, or as N instances each
// running its execution segment, started together (lib/k6-instances.ts) — and returns what each
// instance wrote (and, when asked, the union of their raw request samples): the building block of
// `load`, `level`, `gate` and each `capacity` step.
import path from 'node:path';
import { CliError } from './lib/cli-error';
import { writeDataPool, type DataPoolFile } from './lib/data-pool';
import { EXIT_INTERRUPTED, interruption } from './lib/interrupt';
import { K6_THRESHOLDS_FAILED, type K6Binary } from './lib/k6';
import { dashboardPeriodS, k6DashboardEnv, type K6Dashboard } from './lib/k6-dashboard';
import { DASHBOARD_AND_INSTANCES, instanceFiles, runK6Instances, type InstanceRun } from './lib/k6-instances';
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
  /** k6 processes, each its execution segment (default 1). */
  instances?: number;
  /** Read the raw samples of every instance into memory (default true; result files need not). */
  readSamples?: boolean;
  onK6Start?: (pid: number) => void;
  /** Show progress lines while k6 runs (tailing the samples CSVs of every instance). */
  progress?: ProgressPlan;
  /** Turn on k6's web dashboard; its HTML export goes to <prefix>k6-dashboard.html. */
  dashboard?: K6Dashboard;
  log?: (line: string) => void;
  /** --k6-out: k6 outputs for every instance, besides the CSV loadlab reads */
  outputs?: string[];
  /** True when the harness itself stopped k6 (e.g. the server died): its exit code 105 is then expected. */
  stoppedByHarness?: () => boolean;
}

export interface ScenarioResult {
  /** Union of all instances' samples (empty when readSamples is false). */
  samples: K6Samples;
  /** The run's k6 exit code: an instance's real failure first, else 99 (thresholds) if any, else 0. */
  k6ExitCode: number;
  runTag: string;
  startedAt: string;
  finishedAt: string;
  pool: DataPoolFile;
  instances: InstanceRun[];
  /** Spread of the instances' setup() starts (ms), from their samples; null for one instance or unread samples. */
  startSkewMs: number | null;
  files: { csvs: string[]; pool: string; dashboard?: string };
}

export async function runScenario(k6: K6Binary, target: LoadTarget, r: ScenarioRun): Promise<ScenarioResult> {
  const prefix = r.filePrefix ?? '';
  const n = r.instances ?? 1;
  // k6's dashboard shows the process it runs in: with several instances it would show a part of the run.
  if (r.dashboard && n > 1) throw new CliError(DASHBOARD_AND_INSTANCES);
  const poolFile = path.join(r.dir, 'data-pool.json');
  const dashboardFile = r.dashboard ? path.join(r.dir, `${prefix}k6-dashboard.html`) : undefined;
  const pool = r.pool;
  if (pool.memberIds.length === 0) throw new CliError('the target has no members to read; seed it first (loadlab seed)');
  writeDataPool(poolFile, pool);
  const cut = interruption();
  if (cut) throw new CliError(`interrupted (${cut.signal}) before k6 started: nothing was measured, so there is no report`, EXIT_INTERRUPTED);
  const runTag = `L${Date.now().toString(36)}${prefix ? prefix.replace(/[^a-z0-9]/gi, '') : ''}`;
  const startedAt = new Date().toISOString();
  const csvs = Array.from({ length: n }, (_, k) => instanceFiles(r.dir, prefix, k + 1, n).csv);
  const progress = r.progress && startProgress(r.progress, csvs);
  const instances = await runK6Instances({
    k6,
    script: r.script,
    dir: r.dir,
    filePrefix: prefix,
    instances: n,
    onStart: r.onK6Start,
    log: r.log,
    outputs: r.outputs,
    env: {
      BASE_URL: target.baseUrl,
      API_TOKEN: target.token,
      DATA_FILE: poolFile,
      RUN_TAG: runTag,
      ...(r.dashboard && dashboardFile ? k6DashboardEnv(r.dashboard, dashboardFile, dashboardPeriodS(r.progress?.seconds)) : {}),
      ...r.env,
    },
  }).finally(() => progress?.stop());
  // An interrupted k6 exits 105 (or was killed): what it wrote is the run's partial result. A k6 process
  // that failed on its own (not one the harness stopped) is named; what the others measured is a part
  // of the run, so no report is built from it.
  const failed = interruption() || r.stoppedByHarness?.() ? undefined : instances.find((i) => !i.stoppedByHarness && i.exitCode !== 0 && i.exitCode !== K6_THRESHOLDS_FAILED);
  if (failed) {
    const how = failed.signal ? `was killed by ${failed.signal}` : `exited with code ${failed.exitCode}`;
    const others = instances.filter((i) => i.stoppedByHarness).map((i) => i.index);
    const rest = others.length ? `, stopped instance${others.length > 1 ? 's' : ''} ${others.join(', ')}` : '';
    throw new CliError(`k6${n > 1 ? ` instance ${failed.index} of ${n} (segment ${failed.segment})` : ''} ${how}: INCOMPLETE, no report${rest}; see ${failed.files.log}`);
  }
  const k6ExitCode = instances.some((i) => i.exitCode === K6_THRESHOLDS_FAILED) ? K6_THRESHOLDS_FAILED : 0;
  let samples: K6Samples = { requests: [], metrics: new Map() };
  let startSkewMs: number | null = null;
  if (r.readSamples ?? true) {
    const each = await Promise.all(instances.map((i) => readK6Csv(i.files.csv, r.keepMetrics ?? [])));
    const starts = each.map((s) => Math.min(...s.requests.filter((q) => q.op === 'setup').map((q) => q.t - q.ms)));
    if (each.length > 1 && starts.every(Number.isFinite)) startSkewMs = Math.max(...starts) - Math.min(...starts);
    samples = each.length === 1 ? each[0]! : { requests: each.flatMap((s) => s.requests), metrics: new Map() };
    if (each.length > 1) for (const s of each) for (const [name, list] of s.metrics) samples.metrics.set(name, (samples.metrics.get(name) ?? []).concat(list));
  }
  return { samples, k6ExitCode, runTag, startedAt, finishedAt: new Date().toISOString(), pool, instances, startSkewMs, files: { csvs, pool: poolFile, dashboard: dashboardFile } };
}
