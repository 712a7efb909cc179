// loadlab gate: the CI performance gate. A short load with thresholds from loadlab.gate.json
// (defaults: avg < 500 ms, p95 < 1,000 ms, errors < 1%, zero lost writes), and optionally no
// regression against --baseline beyond the configured tolerance.
// Exit codes: 0 pass, 1 thresholds or regression failed, 2 could not run.
import path from 'node:path';
import { z } from 'zod';
import { splitUsers, type Pattern } from '../../scenarios/lib/patterns';
import { buildScenarios } from '../build-scenarios';
import { parseOptions } from '../lib/args';
import type { Command } from '../lib/command';
import { resolveK6 } from '../lib/k6';
import { dashboardLine, openK6Dashboard } from '../lib/k6-dashboard';
import { checkInstances, instancesOption } from '../lib/k6-instances';
import { usingLoadTarget } from '../lib/load-target';
import { createReportDir } from '../lib/report-dir';
import { loadSummaryFrom } from '../lib/report-files';
import { GATE_FILE, gateThresholds, readGateConfig } from '../lib/thresholds';
import { findRegressions } from '../report/compare';
import { renderTextReport } from '../report/text-report';
import { executeRun } from '../run-report';

export const gateCommand: Command = {
  summary: 'CI performance gate: short load + thresholds (+ --baseline regression check); exit 0 pass, 1 fail, 2 could not run',
  usage: '[--baseline DIR] [--config FILE] [--target URL] [--force] [--dashboard] [--instances N]',
  async run(argv) {
    const o = parseOptions(
      argv,
      { baseline: { type: 'string' }, config: { type: 'string' }, target: { type: 'string' }, force: { type: 'boolean' }, dashboard: { type: 'boolean' }, instances: { type: 'string' } },
      z.object({
        baseline: z.string().optional(),
        config: z.string().optional(),
        target: z.url({ error: 'target must be a URL' }).optional(),
        force: z.boolean().default(false),
        dashboard: z.boolean().default(false),
        instances: instancesOption.default(1),
      }),
    );
    // Everything that can be wrong with the inputs is checked before any load is sent.
    const gate = readGateConfig(o.config ?? GATE_FILE);
    const baseline = o.baseline ? loadSummaryFrom(o.baseline, 'baseline') : undefined;
    checkInstances(o.instances, gate.users, 'users', o);
    const scenarios = await buildScenarios();
    const k6 = resolveK6();
    console.log(`k6 ${k6.version} (${k6.path})`);
    const dir = createReportDir('gate');
    const dashboard = o.dashboard ? await openK6Dashboard() : undefined;
    return usingLoadTarget({ target: o.target, force: o.force, logDir: dir }, async (target) => {
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
      });
      console.log(`\n${renderTextReport(summary)}`);
      let pass = summary.assessment.passed;
      if (baseline) {
        const regressions = findRegressions(baseline, summary, gate.regression_tolerance_pct, gate.regression_floor_ms);
        console.log(`Baseline ${baseline.run_id}: tolerance ${gate.regression_tolerance_pct}% (ignoring changes under ${gate.regression_floor_ms} ms)`);
        for (const r of regressions) {
          console.log(`  REGRESSION ${r.metric}: ${r.baseline.toFixed(2)} -> ${r.current.toFixed(2)} (${r.change_pct >= 0 ? '+' : ''}${r.change_pct.toFixed(1)}%)`);
        }
        if (!regressions.length) console.log('  no regression');
        pass &&= regressions.length === 0;
      }
      console.log(`report folder: ${path.relative(process.cwd(), dir) || dir}`);
      console.log(`GATE ${pass ? 'PASSED' : 'FAILED'}`);
      return pass ? 0 : 1;
    });
  },
};
