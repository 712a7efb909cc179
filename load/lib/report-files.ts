// Locating a run's summary.json (and its result files) from what a user types: a report folder or
// the summary file itself. Everything wrong with it is one CliError naming the problem (exit 2).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { readSummary, SUMMARY_SCHEMA_VERSION, type RunSummary } from '../report/summary';
import { RESULT_FILE_SUFFIX } from '../results/result-file';
import { CliError } from './cli-error';

export function loadSummaryFrom(pathOrDir: string, what = 'report'): RunSummary {
  if (!existsSync(pathOrDir)) throw new CliError(`${what} ${pathOrDir} does not exist`);
  const isDir = statSync(pathOrDir).isDirectory();
  const file = isDir ? path.join(pathOrDir, 'summary.json') : pathOrDir;
  if (!existsSync(file)) {
    if (isDir && existsSync(path.join(pathOrDir, 'capacity.json'))) throw new CliError(`${what} ${pathOrDir} is a capacity report (capacity.json), not a load, level or gate report (summary.json)`);
    throw new CliError(`${what} ${pathOrDir} has no summary.json`);
  }
  let version: unknown;
  try {
    version = (JSON.parse(readFileSync(file, 'utf8')) as { schema_version?: unknown })?.schema_version;
  } catch {
    /* readSummary names it below */
  }
  if (version !== undefined && version !== SUMMARY_SCHEMA_VERSION) {
    throw new CliError(`${what} ${pathOrDir}: summary schema version ${JSON.stringify(version)}, this loadlab reads version ${SUMMARY_SCHEMA_VERSION}`);
  }
  try {
    return readSummary(file);
  } catch (err) {
    throw new CliError(`${what} is corrupt: ${(err as Error).message}`);
  }
}

/** A report with its result files (the per-second histograms compare resamples). */
export function loadRunFrom(pathOrDir: string, what = 'report'): { summary: RunSummary; dir: string; files: string[] } {
  const summary = loadSummaryFrom(pathOrDir, what);
  const dir = statSync(pathOrDir).isDirectory() ? pathOrDir : path.dirname(pathOrDir);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(RESULT_FILE_SUFFIX))
    .sort()
    .map((f) => path.join(dir, f));
  if (!files.length) throw new CliError(`${what} ${pathOrDir} has no result files (*${RESULT_FILE_SUFFIX}): compare needs the per-second histograms beside summary.json`);
  return { summary, dir, files };
}
