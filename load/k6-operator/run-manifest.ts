// run.json: what `loadlab k6-operator` writes beside the manifests — the run every runner belongs
// to (run id, parallelism, segments, k6 version of the runner image, scenario settings,
// thresholds). The runners' k6 CSVs carry only samples; `loadlab merge` reads this file to turn
// each CSV into that runner's result file.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { RunBlock } from '../results/result-file';

export const RUN_MANIFEST_FILE = 'run.json';
export const RUN_MANIFEST_FORMAT = 'loadlab-k6-operator-run';

export const RunManifest = z.object({
  format: z.literal(RUN_MANIFEST_FORMAT),
  schema_version: z.literal(1),
  created_at: z.string(),
  /** TestRun name and namespace: k6-operator tags every sample with testrun_name and instance_id. */
  testrun: z.object({ name: z.string(), namespace: z.string() }),
  run: RunBlock,
});
export type RunManifest = z.infer<typeof RunManifest>;

export function readRunManifest(file: string): RunManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not readable JSON (${(err as Error).message.split('\n')[0]})`);
  }
  const parsed = RunManifest.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new Error(`${file}: not a loadlab k6-operator run manifest (${i.path.join('.') || 'root'}: ${i.message})`);
  }
  return parsed.data;
}
