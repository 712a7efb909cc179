// loadlab load: the main job. Starts its own database and API server unless --target is given,
// samples ids over HTTP, runs the real k6, and writes the report folder.
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { isDatabaseEmpty, seedDatabase } from '../../seeds/seed';
import { buildScenarios } from '../build-scenarios';
import { parseOptions } from '../lib/args';
import { CliError } from '../lib/cli-error';
import type { Command } from '../lib/command';
import { ApiClient, buildDataPool, writeDataPool } from '../lib/data-pool';
import { usingDatabaseTarget, usingMigratedDb } from '../lib/database-target';
import { K6_THRESHOLDS_FAILED, resolveK6, runK6 } from '../lib/k6';
import { ensureLocalEnv } from '../lib/local-env';
import { createReportDir } from '../lib/report-dir';
import { startServerProcess } from '../lib/server-process';
import { readK6Csv } from '../results/k6-samples';
import { RunSummary, SUMMARY_SCHEMA_VERSION, summarizeRequests } from '../report/summary';
import { renderTextReport } from '../report/text-report';

const positive = (name: string) => z.coerce.number({ error: `${name} must be a number` }).int(`${name} must be a whole number`).positive(`${name} must be at least 1`);

export const LoadOptions = z
  .object({
    users: positive('users').max(20_000, 'users must be at most 20000').optional(),
    ops: positive('ops').max(100_000).optional(),
    'think-time': z.coerce.number().int().min(0, 'think time must be 0 or more').default(100),
    'ramp-up': z.coerce.number().min(0, 'ramp-up must be 0 or more').default(10),
    quick: z.boolean().default(false),
    stress: z.boolean().default(false),
    target: z.string().url('target must be a URL like http://127.0.0.1:3000').optional(),
    export: z.string().optional(),
    force: z.boolean().default(false),
    duration: z.string().regex(/^\d+(ms|s|m|h)$/, 'duration must look like 90s, 10m or 1h').default('30m'),
    seed: z.coerce.number().int().min(0).default(46),
  })
  .refine((o) => !(o.quick && o.stress), { message: '--quick and --stress cannot be combined', path: ['quick'] });

export const loadCommand: Command = {
  summary: 'run a load test with k6 and write a report (own server unless --target)',
  usage: '[--users N] [--ops N] [--think-time MS] [--ramp-up S] [--quick|--stress] [--target URL] [--export FILE] [--force] [--duration D]',
  async run(argv) {
    const o = parseOptions(
      argv,
      {
        users: { type: 'string' },
        ops: { type: 'string' },
        'think-time': { type: 'string' },
        'ramp-up': { type: 'string' },
        quick: { type: 'boolean' },
        stress: { type: 'boolean' },
        target: { type: 'string' },
        export: { type: 'string' },
        force: { type: 'boolean' },
        duration: { type: 'string' },
        seed: { type: 'string' },
      },
      LoadOptions,
    );
    const users = o.users ?? (o.quick ? 10 : o.stress ? 200 : 50);
    const ops = o.ops ?? (o.quick ? 20 : o.stress ? 100 : 50);
    const { apiToken } = ensureLocalEnv();
    const token = process.env.LOADLAB_TARGET_TOKEN ?? apiToken;

    const scenarios = await buildScenarios();
    const script = scenarios.find((s) => s.name === 'smoke')!.file;
    const k6 = resolveK6();
    console.log(`k6 ${k6.version} (${k6.path})`);
    const dir = createReportDir('load');

    const runAgainst = async (baseUrl: string, ownServer: boolean, data: string) => {
      const api = new ApiClient(baseUrl, token);
      const pool = await buildDataPool(api, { seed: o.seed });
      if (pool.memberIds.length === 0) throw new CliError(`the target has no members to read; seed it first (loadlab seed)`);
      const poolFile = path.join(dir, 'data-pool.json');
      writeDataPool(poolFile, pool);
      const runTag = `L${Date.now().toString(36)}`;
      const startedAt = new Date().toISOString();
      console.log(`running ${users} users x ${ops} operations against ${baseUrl} ...`);
      const csv = path.join(dir, 'k6-samples.csv');
      const k6Summary = path.join(dir, 'k6-summary.json');
      const { exitCode } = await runK6({
        k6,
        script,
        csvOut: csv,
        logFile: path.join(dir, 'k6.log'),
        env: {
          BASE_URL: baseUrl,
          API_TOKEN: token,
          DATA_FILE: poolFile,
          RUN_TAG: runTag,
          USERS: String(users),
          OPS: String(ops),
          THINK_TIME_MS: String(o['think-time']),
          RAMP_UP_S: String(o['ramp-up']),
          MAX_DURATION: o.duration,
          SUMMARY_FILE: k6Summary,
        },
      });
      if (exitCode !== 0 && exitCode !== K6_THRESHOLDS_FAILED) {
        throw new CliError(`k6 exited with code ${exitCode}; see ${path.join(dir, 'k6.log')}`);
      }
      const samples = await readK6Csv(csv);
      const agg = summarizeRequests(samples.requests);
      const summary: RunSummary = RunSummary.parse({
        schema_version: SUMMARY_SCHEMA_VERSION,
        kind: 'load',
        run_id: path.basename(dir),
        started_at: startedAt,
        finished_at: new Date().toISOString(),
        k6: { version: k6.version, exit_code: exitCode },
        config: {
          users,
          ops,
          think_time_ms: o['think-time'],
          ramp_up_s: o['ramp-up'],
          scenario: 'smoke',
          target: baseUrl,
          target_is_own_server: ownServer,
          data,
        },
        ...agg,
      });
      writeFileSync(path.join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
      const text = renderTextReport(summary);
      writeFileSync(path.join(dir, 'report.txt'), text);
      if (o.export) copyFileSync(path.join(dir, 'report.txt'), o.export);
      console.log(`\n${text}`);
      console.log(`report folder: ${path.relative(process.cwd(), dir) || dir}`);
      return 0;
    };

    if (o.target) {
      const api = new ApiClient(o.target, token);
      const health = await api.get<{ env?: string }>('/health').catch((err: Error) => {
        throw new CliError(`target ${o.target} is unreachable: ${err.message}`);
      });
      if (health.status !== 200) throw new CliError(`target ${o.target}/health answered ${health.status}`);
      if (health.body?.env === 'production' && !o.force) {
        throw new CliError(`target ${o.target} says env=production; pass --force to load-test it anyway`);
      }
      return runAgainst(o.target, false, 'as found on the target');
    }

    return usingDatabaseTarget(async ({ url, embedded }) => {
      let data = 'existing rows';
      await usingMigratedDb(url, async (db) => {
        if (await isDatabaseEmpty(db)) {
          await seedDatabase(url, { profile: 'dev', seed: o.seed, truncate: false, log: console.log });
          data = `dev profile, seed ${o.seed}`;
        }
      });
      const server = await startServerProcess({ databaseUrl: url, apiToken: token, logFile: path.join(dir, 'server.log') });
      try {
        return await runAgainst(server.baseUrl, true, `${data} (${embedded ? 'embedded PostgreSQL' : 'DATABASE_URL'})`);
      } finally {
        await server.stop();
      }
    }, console.log);
  },
};
