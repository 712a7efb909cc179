// The work of `loadlab merge DIR…`: find the result files in the given folders (or files), turn
// k6-operator runners' CSVs into result files first (with the folder's run.json), merge them, verify
// the acknowledged writes when a target is given, and write one report folder — the same
// summary.json / report.txt / report.html / junit.xml as a run the harness drove itself.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { CliError } from './lib/cli-error';
import type { ApiClient } from './lib/data-pool';
import { readRunManifest, RUN_MANIFEST_FILE } from './k6-operator/run-manifest';
import { resultFromRunnerCsv } from './k6-operator/runner-results';
import { buildReportCharts } from './report/chart-data';
import { RunSummary } from './report/summary';
import { scalingSection } from './report/scaling';
import { summarizeMergedRun } from './report/run-summary';
import { unverifiedDataSafety, verifyAckedWritesByInstance, type DataSafety } from './results/data-safety';
import { ackedWritesByFile, mergeResultFiles, type MergedRun } from './results/merge';
import { readOpSlices } from './results/op-slices';
import { RESULT_FILE_SUFFIX, ResultFileError, writeResultFile } from './results/result-file';
import { serverViewUnavailable } from './results/server-view';
import { TARGET_USERS, writeReportFolder } from './run-report';

const isResult = (f: string) => f.endsWith(RESULT_FILE_SUFFIX) || f.endsWith('.result.json');
const isCsv = (f: string) => f.endsWith('.csv') || f.endsWith('.csv.gz');

export interface CollectedInputs {
  files: string[];
  /** Inputs that could not become result files, named. */
  problems: string[];
}

/**
 * Result files of the given folders and files. In a folder with result files only those count (a
 * report folder of `--instances` also keeps the raw CSVs); in a folder without any, the CSVs of
 * k6-operator runners are converted into `outDir` using the folder's run.json.
 */
export async function collectResultFiles(inputs: string[], outDir: string): Promise<CollectedInputs> {
  const files: string[] = [];
  const problems: string[] = [];
  for (const input of inputs) {
    if (!existsSync(input)) throw new CliError(`${input} does not exist`);
    if (!statSync(input).isDirectory()) {
      if (!isResult(input)) throw new CliError(`${input} is not a result file (*${RESULT_FILE_SUFFIX}) or a folder`);
      files.push(input);
      continue;
    }
    const names = readdirSync(input).sort();
    const results = names.filter(isResult);
    if (results.length) {
      files.push(...results.map((f) => path.join(input, f)));
      continue;
    }
    const csvs = names.filter(isCsv);
    // run.json sits beside the manifests; `kubectl cp … DIR/results` puts the CSVs one level below it.
    const manifestFile = [path.join(input, RUN_MANIFEST_FILE), path.join(path.dirname(path.resolve(input)), RUN_MANIFEST_FILE)].find(existsSync) ?? path.join(input, RUN_MANIFEST_FILE);
    if (!csvs.length) {
      problems.push(`${input}: no result files and no k6 CSVs`);
      continue;
    }
    if (!existsSync(manifestFile)) {
      problems.push(`${input}: k6 CSVs without the ${RUN_MANIFEST_FILE} that \`loadlab k6-operator\` wrote beside its manifests (looked in the folder and its parent)`);
      continue;
    }
    const manifest = readRunManifest(manifestFile);
    for (const csv of csvs) {
      const from = path.join(input, csv);
      try {
        const r = await resultFromRunnerCsv(from, manifest);
        const out = path.join(outDir, `${path.basename(input)}-${csv.replace(/\.csv(\.gz)?$/, '')}${RESULT_FILE_SUFFIX}`);
        writeResultFile(out, r);
        files.push(out);
      } catch (err) {
        if (!(err instanceof ResultFileError)) throw err;
        problems.push(`${from}: ${err.message}`);
      }
    }
  }
  return { files, problems };
}

export interface MergeOutcome {
  summary: RunSummary;
  merged: MergedRun;
  text: string;
}

/** k6's exit code of the run: a real failure of any instance first, then 99 (thresholds), then 0; -1 when unknown. */
export function runExitCode(m: MergedRun): number {
  const codes = m.instances.map((i) => i.k6_exit_code).filter((c): c is number => c !== null);
  if (!codes.length) return -1;
  return codes.find((c) => c !== 0 && c !== 99) ?? (codes.includes(99) ? 99 : 0);
}

export async function mergeIntoReport(o: { inputs: string[]; dir: string; api?: ApiClient }): Promise<MergeOutcome> {
  const collected = await collectResultFiles(o.inputs, o.dir);
  if (!collected.files.length) throw new CliError(`no result files to merge: ${collected.problems.join('; ') || 'none found'}`);
  let merged: MergedRun;
  try {
    merged = mergeResultFiles(collected.files);
  } catch (err) {
    if (err instanceof ResultFileError) throw new CliError(`no result file could be read: ${err.message}`);
    throw err;
  }
  if (collected.problems.length) {
    merged.problems.unshift(...collected.problems);
    merged.complete = false;
  }
  const dataSafety: DataSafety = o.api
    ? await verifyAckedWritesByInstance(o.api, ackedWritesByFile(merged))
    : unverifiedDataSafety(ackedWritesByFile(merged), 'merged from result files without --target: pass --target URL to check every acknowledged write against the API');
  const parsedConfig = RunSummary.shape.config.safeParse(merged.run.config);
  if (!parsedConfig.success) throw new CliError(`the result files' run settings are not a loadlab run's (${parsedConfig.error.issues[0]!.path.join('.')}: ${parsedConfig.error.issues[0]!.message})`);
  const config = parsedConfig.data;
  const startedAt = merged.instances.map((i) => i.started_at).sort()[0] ?? new Date().toISOString();
  const finishedAt = merged.instances.map((i) => i.finished_at).sort().at(-1) ?? startedAt;
  const clientRequests = merged.series.filter((s) => s.key.op !== 'setup' && s.key.op !== 'teardown').reduce((a, s) => a + s.hist.count, 0);
  const summary = summarizeMergedRun({
    merged,
    startedAt,
    finishedAt,
    k6ExitCode: runExitCode(merged),
    config,
    serverView: serverViewUnavailable(
      'merged from result files: loadlab did not take the server\'s /metrics before and after this run (a run driven with --instances cross-checks them)',
      clientRequests,
    ),
    dataSafety,
    scaling: (s) =>
      scalingSection(path.dirname(o.dir), {
        users: config.users,
        throughputRps: s.totals.throughput_rps,
        meanResponseMs: s.latency_ms.avg,
        thinkTimeMs: config.think_time_ms,
        arrivalRateRps: config.rate_rps,
        targetUsers: TARGET_USERS,
      }),
  });
  const charts = buildReportCharts(readOpSlices(merged.files, merged.run.warmup_scenarios), undefined, 'merged from result files: the server was not sampled by this command');
  const text = writeReportFolder({ dir: o.dir, kind: summary.kind, options: { merged_from: o.inputs } }, summary, summary.k6.version, config.data, charts);
  return { summary, merged, text };
}
