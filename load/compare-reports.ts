// The work of `loadlab compare A B` and of `loadlab gate --baseline`: read both reports with their
// result files, check they measure the same thing, and compare them operation by operation
// (report/compare.ts). Runs that are not comparable are refused (one line, exit 2) unless forced.
import { CliError } from './lib/cli-error';
import { loadRunFrom } from './lib/report-files';
import { compareRuns, DEFAULT_COMPARE, type CompareInput, type CompareSettings, type Comparison } from './report/compare';
import { readOpSlices } from './results/op-slices';
import { ResultFileError } from './results/result-file';

export function loadCompareInput(pathOrDir: string, what: string): CompareInput {
  const run = loadRunFrom(pathOrDir, what);
  try {
    return { summary: run.summary, dir: run.dir, slices: readOpSlices(run.files) };
  } catch (err) {
    if (err instanceof ResultFileError) throw new CliError(`${what} ${pathOrDir}: ${err.message}`);
    throw err;
  }
}

export function compareInputs(a: CompareInput, b: CompareInput, o: { settings?: Partial<CompareSettings>; force?: boolean } = {}): Comparison {
  const c = compareRuns(a, b, { ...DEFAULT_COMPARE, ...o.settings });
  if (c.refusals.length && !o.force) throw new CliError(`not comparable: ${c.refusals.join('; ')} (--force compares anyway)`);
  return c;
}
