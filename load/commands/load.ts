// loadlab load: the main job. Starts its own database and API server unless --target is given,
// samples ids over HTTP, runs the real k6, and writes the report folder.
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { buildScenarios } from '../build-scenarios';
import { parseOptions } from '../lib/args';
import type { Command } from '../lib/command';
import { resolveK6 } from '../lib/k6';
import { usingLoadTarget } from '../lib/load-target';
import { createReportDir } from '../lib/report-dir';
import { RunSummary, SUMMARY_SCHEMA_VERSION, summarizeRequests } from '../report/summary';
import { renderTextReport } from '../report/text-report';
import { runScenario } from '../run-scenario';

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

    const scenarios = await buildScenarios();
    const script = scenarios.find((s) => s.name === 'smoke')!.file;
    const k6 = resolveK6();
    console.log(`k6 ${k6.version} (${k6.path})`);
    const dir = createReportDir('load');

    return usingLoadTarget({ target: o.target, force: o.force, seed: o.seed, logDir: dir }, async (target) => {
      console.log(`running ${users} users x ${ops} operations against ${target.baseUrl} ...`);
      const run = await runScenario(k6, target, {
        script,
        dir,
        seed: o.seed,
        env: {
          USERS: String(users),
          OPS: String(ops),
          THINK_TIME_MS: String(o['think-time']),
          RAMP_UP_S: String(o['ramp-up']),
          MAX_DURATION: o.duration,
        },
      });
      const summary: RunSummary = RunSummary.parse({
        schema_version: SUMMARY_SCHEMA_VERSION,
        kind: 'load',
        run_id: path.basename(dir),
        started_at: run.startedAt,
        finished_at: run.finishedAt,
        k6: { version: k6.version, exit_code: run.k6ExitCode },
        config: {
          users,
          ops,
          think_time_ms: o['think-time'],
          ramp_up_s: o['ramp-up'],
          scenario: 'smoke',
          target: target.baseUrl,
          target_is_own_server: target.ownServer,
          data: target.data,
        },
        ...summarizeRequests(run.samples.requests),
      });
      writeFileSync(path.join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
      const text = renderTextReport(summary);
      writeFileSync(path.join(dir, 'report.txt'), text);
      if (o.export) copyFileSync(path.join(dir, 'report.txt'), o.export);
      console.log(`\n${text}`);
      console.log(`report folder: ${path.relative(process.cwd(), dir) || dir}`);
      return 0;
    });
  },
};
