// loadlab load: the main job. Realistic users (patterns, ramp-up, think time) against our own
// server and database, or --target; writes the report folder and prints the text report.
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PATTERNS } from '../../scenarios/lib/patterns';
import { buildScenarios } from '../build-scenarios';
import { parseOptions } from '../lib/args';
import { CliError } from '../lib/cli-error';
import type { Command } from '../lib/command';
import { resolveK6 } from '../lib/k6';
import { dashboardLine, openK6Dashboard } from '../lib/k6-dashboard';
import { usingLoadTarget } from '../lib/load-target';
import { createReportDir } from '../lib/report-dir';
import { readGateConfig } from '../lib/thresholds';
import { renderTextReport } from '../report/text-report';
import { runUsers } from '../users-run';

const positive = (name: string) =>
  z.coerce.number({ error: `${name} must be a number` }).int(`${name} must be a whole number`).positive(`${name} must be at least 1`);

export const LoadOptions = z
  .object({
    users: positive('users').max(20_000, 'users must be at most 20000').optional(),
    ops: positive('ops').max(100_000, 'ops must be at most 100000').optional(),
    'think-time': z.coerce.number({ error: 'think time must be a number' }).int().min(0, 'think time must be 0 or more').default(100),
    'ramp-up': z.coerce.number({ error: 'ramp-up must be a number' }).min(0, 'ramp-up must be 0 or more').default(10),
    pattern: z.enum(PATTERNS, { error: `pattern must be one of ${PATTERNS.join(', ')}` }).default('distributed'),
    quick: z.boolean().default(false),
    stress: z.boolean().default(false),
    target: z.url({ error: 'target must be a URL like http://127.0.0.1:3000' }).optional(),
    export: z.string().optional(),
    force: z.boolean().default(false),
    duration: z.string().regex(/^\d+(ms|s|m|h)$/, 'duration must look like 90s, 10m or 1h').default('30m'),
    seed: z.coerce.number().int().min(0).default(46),
    dashboard: z.boolean().default(false),
  })
  .refine((o) => !(o.quick && o.stress), { message: '--quick and --stress cannot be combined', path: ['quick'] });

export const LOAD_OPTIONS = {
  users: { type: 'string' },
  ops: { type: 'string' },
  'think-time': { type: 'string' },
  'ramp-up': { type: 'string' },
  pattern: { type: 'string' },
  quick: { type: 'boolean' },
  stress: { type: 'boolean' },
  target: { type: 'string' },
  export: { type: 'string' },
  force: { type: 'boolean' },
  duration: { type: 'string' },
  seed: { type: 'string' },
  dashboard: { type: 'boolean' },
} as const;

export const loadCommand: Command = {
  summary: 'run a load test with k6 and write a report (own server unless --target)',
  usage:
    '[--users N] [--ops N] [--think-time MS] [--ramp-up S] [--pattern read_heavy|write_heavy|mixed|file_operations|distributed] [--quick|--stress] [--target URL] [--export FILE] [--force] [--duration D] [--dashboard]',
  async run(argv) {
    const o = parseOptions(argv, { ...LOAD_OPTIONS }, LoadOptions);
    const users = o.users ?? (o.quick ? 10 : o.stress ? 200 : 50);
    const ops = o.ops ?? (o.quick ? 20 : o.stress ? 100 : 50);
    const gate = readGateConfig();
    const scenarios = await buildScenarios();
    const k6 = resolveK6();
    console.log(`k6 ${k6.version} (${k6.path})`);
    const dir = createReportDir('load');
    const dashboard = o.dashboard ? await openK6Dashboard() : undefined;

    return usingLoadTarget({ target: o.target, force: o.force, seed: o.seed, logDir: dir }, async (target) => {
      console.log(`running ${users} users x ${ops} operations (${o.pattern}) against ${target.baseUrl} ...`);
      if (dashboard) console.log(dashboardLine(dashboard, dir));
      const summary = await runUsers(k6, target, scenarios, dir, gate, {
        users,
        ops,
        thinkTimeMs: o['think-time'],
        rampUpS: o['ramp-up'],
        pattern: o.pattern,
        duration: o.duration,
        seed: o.seed,
        dashboard,
        options: { ...o },
      });
      const text = renderTextReport(summary);
      if (o.export) {
        try {
          copyFileSync(path.join(dir, 'report.txt'), o.export);
        } catch (err) {
          throw new CliError(`could not write --export ${o.export}: ${(err as Error).message}`);
        }
      }
      console.log(`\n${text}`);
      console.log(`report folder: ${path.relative(process.cwd(), dir) || dir}`);
      return 0;
    });
  },
};
