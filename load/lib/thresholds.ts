// Threshold sets: the defaults of a load run / CI gate (overridable by loadlab.gate.json) and the
// fixed ones of the arrival-rate levels.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Threshold } from '../report/assessment';
import { CliError } from './cli-error';
import { PROJECT_ROOT } from './local-env';

export const GateConfig = z
  .strictObject({
    avg_ms: z.number().positive().default(500),
    p95_ms: z.number().positive().default(1000),
    error_pct: z.number().min(0).max(100).default(1),
    lost_writes: z.number().int().min(0).default(0),
    /** Allowed regression against --baseline, in percent of the baseline value. */
    regression_tolerance_pct: z.number().min(0).default(25),
    /** Regressions smaller than this many ms are noise on a shared machine. */
    regression_floor_ms: z.number().min(0).default(5),
    /** Confidence of the bootstrap intervals the --baseline verdict rests on. */
    regression_confidence: z.number().gt(0.5).lt(1).default(0.95),
    users: z.number().int().positive().default(20),
    ops: z.number().int().positive().default(20),
    think_time_ms: z.number().int().min(0).default(50),
    ramp_up_s: z.number().min(0).default(2),
    pattern: z.enum(['read_heavy', 'write_heavy', 'mixed', 'file_operations', 'distributed']).default('distributed'),
  });
export type GateConfig = z.infer<typeof GateConfig>;

export const GATE_FILE = path.join(PROJECT_ROOT, 'loadlab.gate.json');

export function readGateConfig(file = GATE_FILE): GateConfig {
  if (!existsSync(file)) return GateConfig.parse({});
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(`${path.basename(file)} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = GateConfig.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new CliError(`${path.basename(file)}: ${i.path.join('.') || 'root'}: ${i.message}`);
  }
  return parsed.data;
}

export function gateThresholds(c: GateConfig): Threshold[] {
  return [
    { metric: 'avg_ms', op: '<', limit: c.avg_ms },
    { metric: 'p95_ms', op: '<', limit: c.p95_ms },
    { metric: 'error_pct', op: '<', limit: c.error_pct },
    { metric: 'lost_writes', op: '<=', limit: c.lost_writes },
    { metric: 'harness_errors', op: '<=', limit: 0 },
  ];
}

export const LEVEL_THRESHOLDS: Threshold[] = [
  { metric: 'p95_ms', op: '<', limit: 50 },
  { metric: 'p99_ms', op: '<', limit: 100 },
  { metric: 'error_pct', op: '<', limit: 0.1 },
  { metric: 'cache_hit_pct', op: '>', limit: 85 },
  { metric: 'dropped_iterations', op: '<=', limit: 0 },
  { metric: 'lost_writes', op: '<=', limit: 0 },
];
