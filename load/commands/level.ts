// loadlab level 1|2|3: a fixed arrival rate (100 / 200 / 500 requests/s) held for --duration
// (default 10 minutes), with thresholds p95 < 50 ms, p99 < 100 ms, errors < 0.1%, cache hit rate
// > 85% (X-Cache), and no dropped iterations: a level the generator could not drive is no pass.
import path from 'node:path';
import { z } from 'zod';
import { buildScenarios } from '../build-scenarios';
import { durationSeconds, parseOptions } from '../lib/args';
import type { Command } from '../lib/command';
import { EXIT_INTERRUPTED } from '../lib/interrupt';
import { resolveK6 } from '../lib/k6';
import { dashboardLine, openK6Dashboard } from '../lib/k6-dashboard';
import { checkInstances, instancesOption } from '../lib/k6-instances';
import { K6_OUT_OPTIONS, k6OutOption } from '../lib/k6-outputs';
import { checkReadReplica, usingLoadTarget } from '../lib/load-target';
import { REPLICA_OPTIONS, SERVER_OPTIONS, serverWorkersOption } from '../lib/users-options';
import { createReportDir } from '../lib/report-dir';
import { LEVEL_THRESHOLDS } from '../lib/thresholds';
import { renderTextReport } from '../report/text-report';
import { executeRun } from '../run-report';

export const LEVEL_RATES: Record<string, number> = { '1': 100, '2': 200, '3': 500 };

export const levelCommand: Command = {
  interruptible: true,
  usage: '1|2|3 [--duration D] [--warmup S] [--target URL] [--force] [--dashboard] [--instances N] [--server-workers N] [--read-replica] [--k6-out NAME[=CONFIG]]…',
  async run(argv) {
    const o = parseOptions(
      argv,
      { duration: { type: 'string' }, warmup: { type: 'string' }, target: { type: 'string' }, force: { type: 'boolean' }, seed: { type: 'string' }, dashboard: { type: 'boolean' }, instances: { type: 'string' }, ...K6_OUT_OPTIONS, ...SERVER_OPTIONS, ...REPLICA_OPTIONS },
      z.object({
        _: z.tuple([z.enum(['1', '2', '3'], { error: 'level must be 1, 2 or 3' })], { error: 'give exactly one level: 1, 2 or 3' }),
        duration: z.string().regex(/^\d+(s|m|h)$/, 'duration must look like 60s, 10m or 1h').default('10m'),
        warmup: z.coerce.number({ error: 'warmup must be a number of seconds' }).int().min(0).max(600).default(10),
        target: z.url({ error: 'target must be a URL' }).optional(),
        force: z.boolean().default(false),
        seed: z.coerce.number().int().min(0).default(46),
        dashboard: z.boolean().default(false),
        instances: instancesOption.default(1),
        'k6-out': k6OutOption,
        'server-workers': serverWorkersOption,
        'read-replica': z.boolean().default(false),
      }),
      { allowPositionals: true },
    );
    const level = o._[0]!;
    const rate = LEVEL_RATES[level]!;
    // Enough VUs for a full second of latency at the rate, so a dropped iteration means the
    // server (or k6) could not keep up, not that the harness was stingy with VUs (~0.3-0.6 MB each).
    const preVus = rate;
    const maxVus = 2 * rate;
    checkInstances(o.instances, preVus, 'pre-allocated VUs', o);
    checkReadReplica({ target: o.target, readReplica: o['read-replica'] });
    const scenarios = await buildScenarios();
    const k6 = resolveK6();
    console.log(`k6 ${k6.version} (${k6.path})`);
    const dir = createReportDir(`level${level}`);
    const dashboard = o.dashboard ? await openK6Dashboard() : undefined;
    return usingLoadTarget({ target: o.target, force: o.force, seed: o.seed, logDir: dir, serverWorkers: o['server-workers'], readReplica: o['read-replica'] }, async (target) => {
      console.log(`level ${level}: ${rate} requests/s for ${o.duration} (after a ${o.warmup} s warm-up) against ${target.baseUrl} ...`);
      if (dashboard) console.log(dashboardLine(dashboard, dir));
      const summary = await executeRun(k6, target, {
        kind: `level${level}`,
        scenario: 'level',
        script: scenarios.find((s) => s.name === 'level')!.file,
        dir,
        seed: o.seed,
        vus: maxVus,
        plannedSeconds: o.warmup + durationSeconds(o.duration),
        dashboard,
        instances: o.instances,
        env: { RATE: String(rate), DURATION: o.duration, WARMUP_S: String(o.warmup), PRE_VUS: String(preVus), MAX_VUS: String(maxVus) },
        warmupScenarios: ['warmup'],
        thresholds: LEVEL_THRESHOLDS,
        config: {
          users: preVus,
          ops: 0,
          think_time_ms: 0,
          ramp_up_s: 0,
          pattern: 'level mix: 85% member detail (hot set of 200), 5% list, 5% search, 5% create',
          user_split: {},
          rate_rps: rate,
          duration: o.duration,
          warmup_s: o.warmup,
        },
        options: { level, ...o },
        k6Outputs: o['k6-out'],
      });
      console.log(`\n${renderTextReport(summary)}`);
      console.log(`report folder: ${path.relative(process.cwd(), dir) || dir}`);
      return summary.interrupted ? EXIT_INTERRUPTED : summary.assessment.passed ? 0 : 1;
    });
  },
};
