// loadlab bench-compare: same configuration twice (N pairs) → compare's false-alarm rate; the same
// load with CACHE_ENABLED=false (M pairs, interleaved) → read_member_detail flagged slower by
// compare and gate --baseline.
// The work is load/bench/compare-bench.ts. Interrupted: the pairs that completed, INTERRUPTED, exit 3.
import path from 'node:path';
import { z } from 'zod';
import { parseOptions } from '../lib/args';
import type { Command } from '../lib/command';
import { EXIT_INTERRUPTED } from '../lib/interrupt';
import { runCompareBench } from '../bench/compare-bench';
import { PATTERNS } from '../../scenarios/lib/patterns';

const count = (name: string, max: number) => z.coerce.number({ error: `${name} must be a number` }).int().min(1, `${name} must be at least 1`).max(max, `${name} must be at most ${max}`);

export const benchCompareCommand: Command = {
  interruptible: true,
  usage: '[--pairs 5] [--cache-off-pairs 3] [--users 12] [--ops 1000] [--think-time 50] [--pattern read_heavy]',
  async run(argv) {
    const o = parseOptions(
      argv,
      { pairs: { type: 'string' }, 'cache-off-pairs': { type: 'string' }, pattern: { type: 'string' }, users: { type: 'string' }, ops: { type: 'string' }, 'think-time': { type: 'string' } },
      z.object({
        pairs: count('pairs', 50).default(5),
        'cache-off-pairs': count('cache-off-pairs', 50).default(3),
        users: count('users', 2000).default(12),
        ops: count('ops', 10_000).default(1000),
        pattern: z.enum(PATTERNS, { error: `pattern must be one of ${PATTERNS.join(', ')}` }).default('read_heavy'),
        'think-time': z.coerce.number().int().min(0).default(50),
      }),
    );
    const r = await runCompareBench({ pairs: o.pairs, cacheOffPairs: o['cache-off-pairs'], users: o.users, ops: o.ops, thinkMs: o['think-time'], pattern: o.pattern, log: console.log });
    console.log(`\nbench folder: ${path.relative(process.cwd(), r.dir) || r.dir}`);
    return r.interrupted ? EXIT_INTERRUPTED : 0;
  },
};
