// One `users` run (realistic users: pattern, ramp-up, think time) against a load target, as
// `loadlab load` runs it: shared by the load command and bench-4000, so the benchmark runs exactly
// the command a user would type; `loadlab k6-operator` bakes the same k6 env into its archive.
import { splitUsers, type Pattern } from '../scenarios/lib/patterns';
import type { BuiltScenario } from './build-scenarios';
import type { K6Binary } from './lib/k6';
import type { K6Dashboard } from './lib/k6-dashboard';
import type { LoadTarget } from './lib/load-target';
import { gateThresholds, type GateConfig } from './lib/thresholds';
import type { RunSummary } from './report/summary';
import { executeRun } from './run-report';

export interface UsersRun {
  users: number;
  ops: number;
  thinkTimeMs: number;
  rampUpS: number;
  pattern: Pattern;
  duration: string;
  seed: number;
  /** --dashboard: k6's web dashboard for the run. */
  dashboard?: K6Dashboard;
  /** k6 processes, each its execution segment (default 1). */
  instances?: number;
  /** Echoed into the report's meta (the parsed command-line options). */
  options: Record<string, unknown>;
  /** --k6-out: k6 outputs passed through */
  k6Outputs?: string[];
}

/** The users scenario's k6 env and the report's config for these settings. */
export function usersScenario(o: Pick<UsersRun, 'users' | 'ops' | 'thinkTimeMs' | 'rampUpS' | 'pattern' | 'duration'>) {
  return {
    env: {
      USERS: String(o.users),
      OPS: String(o.ops),
      THINK_TIME_MS: String(o.thinkTimeMs),
      RAMP_UP_S: String(o.rampUpS),
      PATTERN: o.pattern,
      MAX_DURATION: o.duration,
      TAG_VU: process.env.LOADLAB_TAG_VU === '1' ? '1' : '0',
      OP_SELECTION: process.env.LOADLAB_OP_SELECTION === 'cycle' ? 'cycle' : 'random',
    },
    config: {
      users: o.users,
      ops: o.ops,
      think_time_ms: o.thinkTimeMs,
      ramp_up_s: o.rampUpS,
      pattern: o.pattern,
      user_split: splitUsers(o.pattern, o.users),
      duration: o.duration,
    },
  };
}

export async function runUsers(k6: K6Binary, target: LoadTarget, scenarios: BuiltScenario[], dir: string, gate: GateConfig, o: UsersRun): Promise<RunSummary> {
  const { env, config } = usersScenario(o);
  return executeRun(k6, target, {
    kind: 'load',
    scenario: 'users',
    script: scenarios.find((s) => s.name === 'users')!.file,
    dir,
    seed: o.seed,
    vus: o.users,
    instances: o.instances,
    expectedRequests: o.users * o.ops,
    dashboard: o.dashboard,
    env,
    thresholds: gateThresholds(gate),
    config,
    options: o.options,
    k6Outputs: o.k6Outputs,
  });
}
