// The work of `loadlab k6-operator`: bundle the users scenario, take the data pool (sampled from
// the target, or a given id-pool file), pack both into a `k6 archive` with the run's settings, and
// write the manifests (manifests.ts), run.json (what `loadlab merge` needs to turn the runners'
// CSVs into result files) and the kubectl steps into the output folder.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../lib/cli-error';
import { writeDataPool, type DataPoolFile } from '../lib/data-pool';
import { segmentSequence } from '../lib/execution-segments';
import type { K6Binary } from '../lib/k6';
import type { Threshold } from '../report/assessment';
import type { RunBlock } from '../results/result-file';
import { operatorObjects, operatorSteps, toYaml } from './manifests';
import { RUN_MANIFEST_FILE, RUN_MANIFEST_FORMAT, type RunManifest } from './run-manifest';

export interface OperatorRunInput {
  k6: K6Binary;
  script: string;
  outDir: string;
  /** The folder as the user named it, for the printed kubectl steps. */
  shownOutDir: string;
  name: string;
  namespace: string;
  instances: number;
  target: string;
  pool: DataPoolFile;
  /** k6 env of the scenario (USERS, OPS, …) baked into the archive; never the API token. */
  env: Record<string, string>;
  thresholds: Threshold[];
  users: number;
  expectedRequests: number;
  config: Record<string, unknown>;
  tokenSecret: string;
  resultsStorage: string;
}

/** An output folder must be new or empty: a run's manifests are never mixed with another's. */
export function prepareOutDir(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new CliError(`--out ${dir} is not empty; give a new folder`);
  mkdirSync(dir, { recursive: true });
}

export function writeOperatorRun(i: OperatorRunInput): { files: string[]; steps: string[]; runId: string } {
  const runId = `k6op-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
  const poolFile = path.join(i.outDir, 'data-pool.json');
  writeDataPool(poolFile, i.pool);
  const archive = path.join(i.outDir, 'archive.tar');
  const env = { ...i.env, BASE_URL: i.target, DATA_FILE: path.resolve(poolFile), RUN_TAG: runId.replace(/[^a-z0-9]/gi, '') };
  const args = ['archive', '--quiet', '--include-system-env-vars=false', ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), '-O', archive, i.script];
  const r = spawnSync(i.k6.path, args, { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', K6_NO_USAGE_REPORT: 'true' } });
  if (r.status !== 0) throw new CliError(`k6 archive failed: ${(r.stderr || r.stdout || String(r.error)).trim().split('\n').at(-1)}`);
  const image = `grafana/k6:${i.k6.version.replace(/^v/, '')}`;
  const spec = {
    name: i.name,
    namespace: i.namespace,
    instances: i.instances,
    image,
    runId,
    archive: readFileSync(archive),
    vus: i.users,
    tokenSecret: i.tokenSecret,
    resultsStorage: i.resultsStorage,
  };
  const files: string[] = [];
  for (const [file, obj] of Object.entries(operatorObjects(spec))) {
    writeFileSync(path.join(i.outDir, file), toYaml(obj));
    files.push(file);
  }
  const run: RunBlock = {
    run_id: runId,
    kind: 'load',
    scenario: 'users',
    instances: i.instances,
    sequence: segmentSequence(i.instances),
    k6_version: i.k6.version,
    thresholds: i.thresholds,
    expected_requests: i.expectedRequests,
    warmup_scenarios: [],
    vus: i.users,
    config: { ...i.config, scenario: 'users', target: i.target, target_is_own_server: false, data: `as found on the target (k6-operator TestRun ${i.namespace}/${i.name}, image ${image})` },
  };
  const manifest: RunManifest = { format: RUN_MANIFEST_FORMAT, schema_version: 1, created_at: new Date().toISOString(), testrun: { name: i.name, namespace: i.namespace }, run };
  writeFileSync(path.join(i.outDir, RUN_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  const steps = operatorSteps(spec, i.shownOutDir);
  writeFileSync(path.join(i.outDir, 'steps.txt'), `${steps.join('\n')}\n`);
  files.push(RUN_MANIFEST_FILE, 'archive.tar', 'data-pool.json', 'steps.txt');
  return { files, steps, runId };
}
