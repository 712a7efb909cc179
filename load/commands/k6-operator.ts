// loadlab k6-operator --instances N --out DIR [--target URL]: the users scenario as a k6-operator
// TestRun of N runners — manifests, the k6 archive (scenario + data pool) in a ConfigMap, a results
// claim and a reader pod — plus run.json and the kubectl steps. Nothing is applied: the cluster is
// yours; `loadlab merge DIR/results` turns what the runners wrote into one report.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { buildScenarios } from '../build-scenarios';
import { parseOptions } from '../lib/args';
import { CliError } from '../lib/cli-error';
import type { Command } from '../lib/command';
import { ApiClient, buildDataPool, type DataPoolFile } from '../lib/data-pool';
import { resolveK6 } from '../lib/k6';
import { checkInstances } from '../lib/k6-instances';
import { checkTargetHealth } from '../lib/load-target';
import { ensureLocalEnv } from '../lib/local-env';
import { gateThresholds, readGateConfig } from '../lib/thresholds';
import { LOAD_OPTIONS, QUICK_AND_STRESS, UsersRunOptions, usersAndOps } from '../lib/users-options';
import { usersScenario } from '../users-run';
import { prepareOutDir, writeOperatorRun } from '../k6-operator/write-operator-run';

const dns1123 = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a Kubernetes name: lower-case letters, digits and -').max(50);

export const K6OperatorOptions = UsersRunOptions.omit({ export: true, target: true, dashboard: true, 'k6-out': true })
  .extend({
    instances: z.coerce.number({ error: 'give the number of runners: --instances N' }).int('instances must be a whole number').min(1, 'instances must be at least 1').max(1000, 'instances must be at most 1000'),
    out: z.string({ error: 'give the output folder: --out DIR' }).min(1),
    target: z.url({ error: 'target must be a URL like http://loadlab-api:3000' }).default('http://loadlab-api:3000'),
    name: dns1123.default('loadlab'),
    namespace: dns1123.default('default'),
    pool: z.string().optional(),
    'token-secret': dns1123.default('loadlab-api-token'),
    'results-storage': z.string().regex(/^\d+(Mi|Gi|Ti)$/, 'results storage must look like 512Mi or 2Gi').default('1Gi'),
  })
  .refine((o) => !(o.quick && o.stress), QUICK_AND_STRESS);

function readPool(file: string): DataPoolFile {
  try {
    const pool = JSON.parse(readFileSync(file, 'utf8')) as DataPoolFile;
    if (!Array.isArray(pool.memberIds) || pool.memberIds.length === 0) throw new Error('no memberIds in it');
    return pool;
  } catch (err) {
    throw new CliError(`--pool ${file}: not an id pool (${(err as Error).message.split('\n')[0]})`);
  }
}

async function samplePool(target: string, force: boolean, seed: number): Promise<DataPoolFile> {
  const { apiToken } = ensureLocalEnv();
  const api = new ApiClient(target.replace(/\/$/, ''), process.env.LOADLAB_TARGET_TOKEN ?? apiToken);
  try {
    await checkTargetHealth(api, force);
  } catch (err) {
    if (/env=production/.test((err as Error).message)) throw err;
    throw new CliError(
      `cannot sample ids from ${target} (${(err as Error).message.replace(/^target \S+ /, '')}): pass --pool FILE, the id pool \`loadlab seed --pool-file FILE\` writes for the data the target holds`,
    );
  }
  return buildDataPool(api, { seed });
}

export const k6OperatorCommand: Command = {
  usage:
    '--instances N --out DIR [--target URL] [--pool FILE] [--name NAME] [--namespace NS] [--token-secret NAME] [--results-storage 1Gi] [--users N] [--ops N] [--think-time MS] [--ramp-up S] [--pattern P] [--quick|--stress] [--duration D] [--force]',
  async run(argv) {
    const { export: _export, instances: _instances, dashboard: _dashboard, 'k6-out': _k6Out, ...base } = LOAD_OPTIONS;
    const o = parseOptions(
      argv,
      {
        ...base,
        instances: { type: 'string' },
        out: { type: 'string' },
        name: { type: 'string' },
        namespace: { type: 'string' },
        pool: { type: 'string' },
        'token-secret': { type: 'string' },
        'results-storage': { type: 'string' },
      },
      K6OperatorOptions,
    );
    const { users, ops } = usersAndOps(o);
    const run = { users, ops, ...usersScenario({ users, ops, thinkTimeMs: o['think-time'], rampUpS: o['ramp-up'], pattern: o.pattern, duration: o.duration }) };
    checkInstances(o.instances, run.users);
    const gate = readGateConfig();
    const pool = o.pool ? readPool(o.pool) : await samplePool(o.target, o.force, o.seed);
    const k6 = resolveK6();
    const scenarios = await buildScenarios();
    const outDir = path.resolve(o.out);
    prepareOutDir(outDir);
    const { files, steps, runId } = writeOperatorRun({
      k6,
      script: scenarios.find((s) => s.name === 'users')!.file,
      outDir,
      shownOutDir: o.out.replace(/\/$/, ''),
      name: o.name,
      namespace: o.namespace,
      instances: o.instances,
      target: o.target,
      pool,
      env: run.env,
      thresholds: gateThresholds(gate),
      users: run.users,
      expectedRequests: run.users * run.ops,
      config: run.config,
      tokenSecret: o['token-secret'],
      resultsStorage: o['results-storage'],
    });
    console.log(`k6-operator run ${runId}: ${o.instances} runners x ~${Math.ceil(run.users / o.instances)} users, ${run.users} users x ${run.ops} operations against ${o.target}`);
    console.log(`wrote ${files.map((f) => path.join(o.out, f)).join(', ')}`);
    console.log(`\nSteps (also in steps.txt):\n${steps.map((s, i) => `  ${i + 1}. ${s}`).join('\n')}`);
    return 0;
  },
};
