// A k6-operator runner's k6 CSV (written with stock k6 to the results volume) into that runner's
// result file. k6-operator adds `--tag instance_id=<i>` (1-based) and `--tag testrun_name=<name>`
// to every runner, and the TestRun's arguments add `--tag loadlab_run=<run id>`, so each CSV says
// which runner and which run it is; the segment follows from the runner index and parallelism,
// exactly as k6-operator computes it.
import { statSync } from 'node:fs';
import { segmentOf } from '../lib/execution-segments';
import { COUNTED_METRICS, ResultBuilder, ResultFileError, type ResultFile } from '../results/result-file';
import { forEachK6Row } from '../results/k6-samples';
import type { RunManifest } from './run-manifest';

export async function resultFromRunnerCsv(csv: string, manifest: RunManifest): Promise<ResultFile> {
  const b = new ResultBuilder();
  const seen = { instance: new Set<string>(), run: new Set<string>(), testrun: new Set<string>() };
  let first = Infinity;
  let last = -Infinity;
  const note = (tags: Record<string, string>, t: number) => {
    if (tags.instance_id !== undefined) seen.instance.add(tags.instance_id);
    if (tags.loadlab_run !== undefined) seen.run.add(tags.loadlab_run);
    if (tags.testrun_name !== undefined) seen.testrun.add(tags.testrun_name);
    if (t < first) first = t;
    if (t > last) last = t;
  };
  try {
    await forEachK6Row(csv, COUNTED_METRICS, (row) => {
      if (row.kind === 'request') {
        note(row.extra, row.request.t);
        b.addRequest(row.request);
      } else {
        note(row.tags, row.t);
        b.addMetric(row.metric, row.t, row.value, row.tags);
      }
    });
  } catch (err) {
    throw new ResultFileError(`unreadable k6 CSV (${(err as Error).message.split('\n')[0]}): a runner that stopped mid-write, or not a CSV`);
  }
  const one = (s: Set<string>, what: string) => {
    if (s.size > 1) throw new ResultFileError(`samples of several ${what}s (${[...s].join(', ')}) in one CSV`);
    return [...s][0];
  };
  const instanceId = one(seen.instance, 'runner');
  const runId = one(seen.run, 'run');
  if (instanceId === undefined) throw new ResultFileError('no instance_id tag: not written by a k6-operator runner (or no samples at all)');
  const index = Number(instanceId);
  const n = manifest.run.instances;
  if (!Number.isInteger(index) || index < 1 || index > n) throw new ResultFileError(`instance_id ${instanceId} is not a runner of a TestRun with parallelism ${n}`);
  const iso = (t: number) => new Date(Number.isFinite(t) ? t : statSync(csv).mtimeMs).toISOString();
  return b.build(
    { ...manifest.run, run_id: runId ?? '(no loadlab_run tag)' },
    {
      index,
      segment: segmentOf(index, n),
      started_at: iso(first),
      finished_at: iso(last),
      k6_exit_code: null,
      resumed_at_ms: null,
      generator: null,
      script_errors: null,
    },
  );
}
