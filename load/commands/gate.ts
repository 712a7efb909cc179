// loadlab gate: the CI performance gate. A short load with thresholds from loadlab.gate.json
// (defaults: avg < 500 ms, p95 < 1,000 ms, errors < 1%, zero lost writes), and optionally no
// operation significantly slower than in --baseline: the verdict of `loadlab compare` (bootstrap
// intervals, the gate's confidence and minimum effect), so noise alone does not fail CI. The
// comparison is kept in the report folder (compare.md / compare.json / compare.html).
// Exit codes: 0 pass, 1 thresholds or regression failed, 2 could not run, 3 interrupted (partial report).
import path from 'node:path';
import { z } from 'zod';
import { splitUsers, type Pattern } from '../../scenarios/lib/patterns';
import { buildScenarios } from '../build-scenarios';
import { parseOptions } from '../lib/args';
import type { Command } from '../lib/command';
import { EXIT_INTERRUPTED } from '../lib/interrupt';
import { resolveK6 } from '../lib/k6';
import { dashboardLine, openK6Dashboard } from '../lib/k6-dashboard';
import { checkInstances, instancesOption } from '../lib/k6-instances';
import { K6_OUT_OPTIONS, k6OutOption } from '../lib/k6-outputs';
import { usingLoadTarget } from '../lib/load-target';
import { SERVER_OPTIONS, serverWorkersOption } from '../lib/users-options';
import { createReportDir } from '../lib/report-dir';
import { writeFileSync } from 'node:fs';
import { compareInputs, loadCompareInput } from '../compare-reports';
import { CliError } from '../lib/cli-error';
import { GATE_FILE, gateThresholds, readGateConfig } from '../lib/thresholds';
import { renderCompareHtml } from '../report/compare-html';
import { comparisonJson, renderComparisonMarkdown, renderComparisonText } from '../report/compare-format';
import { renderJunit } from '../report/junit';
import { renderTextReport } from '../report/text-report';
import { executeRun } from '../run-report';

export const gateCommand: Command = {
  interruptible: true,
  usage: '[--baseline DIR] [--config FILE] [--target URL] [--force] [--dashboard] [--instances N] [--server-workers N] [--k6-out NAME[=CONFIG]]…',
  async run(argv) {
    const o = parseOptions(
      argv,
      { baseline: { type: 'string' }, config: { type: 'string' }, target: { type: 'string' }, force: { type: 'boolean' }, dashboard: { type: 'boolean' }, instances: { type: 'string' }, ...K6_OUT_OPTIONS, ...SERVER_OPTIONS },
      z.object({
        baseline: z.string().optional(),
        config: z.string().optional(),
        target: z.url({ error: 'target must be a URL' }).optional(),
        force: z.boolean().default(false),
        dashboard: z.boolean().default(false),
        instances: instancesOption.default(1),
        'k6-out': k6OutOption,
        'server-workers': serverWorkersOption,
      }),
    );
    // Everything that can be wrong with the inputs is checked before any load is sent.
    const gate = readGateConfig(o.config ?? GATE_FILE);
    const baseline = o.baseline ? loadCompareInput(o.baseline, 'baseline') : undefined;
    checkInstances(o.instances, gate.users, 'users', o);
    const scenarios = await buildScenarios();
    const k6 = resolveK6();
    console.log(`k6 ${k6.version} (${k6.path})`);
    const dir = createReportDir('gate');
    const dashboard = o.dashboard ? await openK6Dashboard() : undefined;
    // On its own embedded PostgreSQL every gate run gets a fresh database seeded with the dev profile:
    // runs write rows, and a database that grew between the baseline and this run (more members to
    // read, fewer cache hits) would be a different load. With DATABASE_URL: that database as found.
    const freshDatabase = o.target || process.env.DATABASE_URL ? undefined : { profile: 'dev' as const };
    return usingLoadTarget({ target: o.target, force: o.force, logDir: dir, serverWorkers: o['server-workers'], freshDatabase }, async (target) => {
      const pattern = gate.pattern as Pattern;
      if (dashboard) console.log(dashboardLine(dashboard, dir));
      const summary = await executeRun(k6, target, {
        kind: 'gate',
        scenario: 'users',
        script: scenarios.find((s) => s.name === 'users')!.file,
        dir,
        vus: gate.users,
        instances: o.instances,
        expectedRequests: gate.users * gate.ops,
        dashboard,
        env: {
          USERS: String(gate.users),
          OPS: String(gate.ops),
          THINK_TIME_MS: String(gate.think_time_ms),
          RAMP_UP_S: String(gate.ramp_up_s),
          PATTERN: pattern,
          MAX_DURATION: '10m',
        },
        thresholds: gateThresholds(gate),
        config: {
          users: gate.users,
          ops: gate.ops,
          think_time_ms: gate.think_time_ms,
          ramp_up_s: gate.ramp_up_s,
          pattern,
          user_split: splitUsers(pattern, gate.users),
        },
        options: { ...o, gate },
        k6Outputs: o['k6-out'],
      });
      console.log(`\n${renderTextReport(summary)}`);
      let pass = summary.assessment.passed;
      if (baseline) {
        const current = loadCompareInput(dir, 'this run');
        let c;
        try {
          c = compareInputs(baseline, current, {
            settings: { confidence: gate.regression_confidence, min_effect_pct: gate.regression_tolerance_pct, min_effect_ms: gate.regression_floor_ms },
          });
        } catch (err) {
          if (err instanceof CliError) throw new CliError(`baseline ${baseline.summary.run_id}: ${err.message}`);
          throw err;
        }
        writeFileSync(path.join(dir, 'compare.md'), renderComparisonMarkdown(c));
        writeFileSync(path.join(dir, 'compare.json'), comparisonJson(c));
        writeFileSync(path.join(dir, 'compare.html'), renderCompareHtml(c, baseline, current));
        writeFileSync(path.join(dir, 'junit.xml'), renderJunit(summary, c));
        console.log(`\nBaseline ${baseline.summary.run_id} (A) vs this run (B):\n${renderComparisonText(c)}`);
        for (const op of c.slower) console.log(`  REGRESSION ${op}: significantly slower than the baseline`);
        for (const o of c.operations.filter((x) => x.verdict === 'too noisy to judge')) console.log(`  NOT JUDGED ${o.op}: too noisy to judge, not a failure (${o.reasons.join('; ')})`);
        if (!c.slower.length) console.log('  no regression');
        pass &&= c.slower.length === 0;
      }
      console.log(`report folder: ${path.relative(process.cwd(), dir) || dir}`);
      if (summary.interrupted) {
        console.log('GATE INTERRUPTED (no verdict: the run did not finish)');
        return EXIT_INTERRUPTED;
      }
      console.log(`GATE ${pass ? 'PASSED' : 'FAILED'}`);
      return pass ? 0 : 1;
    });
  },
};
