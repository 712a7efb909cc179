// Locating a run's summary.json from what a user types: a report folder or the file itself.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { readSummary, type RunSummary } from '../report/summary';
import { CliError } from './cli-error';

export function loadSummaryFrom(pathOrDir: string, what = 'report'): RunSummary {
  if (!existsSync(pathOrDir)) throw new CliError(`${what} ${pathOrDir} does not exist`);
  const file = statSync(pathOrDir).isDirectory() ? path.join(pathOrDir, 'summary.json') : pathOrDir;
  if (!existsSync(file)) throw new CliError(`${what} ${pathOrDir} has no summary.json`);
  try {
    return readSummary(file);
  } catch (err) {
    throw new CliError(`${what} is corrupt: ${(err as Error).message}`);
  }
}
