// loadlab load: the main job. Realistic users (patterns, ramp-up, think time) against our own
// server and database, or --target; writes the report folder and prints the text report.
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { buildScenarios } from '../build-scenarios';
import { parseOptions } from '../lib/args';
import { CliError } from '../lib/cli-error';
import { EXIT_INTERRUPTED } from '../lib/interrupt';
import type { Command } from '../lib/command';
import { resolveK6 } from '../lib/k6';
import { checkInstances } from '../lib/k6-instances';
import { dashboardLine, openK6Dashboard } from '../lib/k6-dashboard';
import { checkReadReplica, usingLoadTarget } from '../lib/load-target';
import { LOAD_OPTIONS, LoadOptions, REPLICA_OPTIONS, SERVER_OPTIONS, usersAndOps } from '../lib/users-options';
import { createReportDir } from '../lib/report-dir';
import { readGateConfig } from '../lib/thresholds';
import { renderTextReport } from '../report/text-report';
import { runUsers } from '../users-run';

export const loadCommand: Command = {
  interruptible: true,
  usage:
    '[--users N] [--ops N] [--think-time MS] [--ramp-up S] [--pattern read_heavy|write_heavy|mixed|file_operations|distributed] [--quick|--stress] [--target URL] [--export FILE] [--force] [--duration D] [--dashboard] [--instances N] [--server-workers N] [--read-replica] [--k6-out NAME[=CONFIG]]…',
  async run(argv) {
    const o = parseOptions(argv, { ...LOAD_OPTIONS, ...SERVER_OPTIONS, ...REPLICA_OPTIONS }, LoadOptions);
    const { users, ops } = usersAndOps(o);
    checkInstances(o.instances, users, 'users', o);
    checkReadReplica({ target: o.target, readReplica: o['read-replica'] });
    const gate = readGateConfig();
    const scenarios = await buildScenarios();
    const k6 = resolveK6();
    console.log(`k6 ${k6.version} (${k6.path})`);
    const dir = createReportDir('load');
    const dashboard = o.dashboard ? await openK6Dashboard() : undefined;

    return usingLoadTarget({ target: o.target, force: o.force, seed: o.seed, logDir: dir, serverWorkers: o['server-workers'], readReplica: o['read-replica'] }, async (target) => {
      console.log(`running ${users} users x ${ops} operations (${o.pattern}) against ${target.baseUrl}${o.instances > 1 ? ` on ${o.instances} k6 instances` : ''} ...`);
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
        instances: o.instances,
        k6Outputs: o['k6-out'],
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
      // A run the server did not survive fails like failed thresholds.
      return summary.interrupted ? EXIT_INTERRUPTED : summary.faults?.server_exit ? 1 : 0;
    });
  },
};
