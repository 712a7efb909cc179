// loadlab bench-4000 (make bench-4000): the goal of 4,000 realistic users on this machine, measured.
// Thin: options here, the work in load/bench/bench-4000.ts. Exit 0 when every goal figure passes,
// 1 when one fails, 2 when the run could not be made, 3 when interrupted (also while it seeds). A
// benchmark, not a test.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { formatBench4000, runBench4000 } from '../bench/bench-4000';
import { parseOptions } from '../lib/args';
import type { Command } from '../lib/command';
import { EXIT_INTERRUPTED } from '../lib/interrupt';

const Options = z.object({
  users: z.coerce.number().int().min(1, 'users must be at least 1').max(20_000).default(4000),
  ops: z.coerce.number().int().min(2, 'ops must be at least 2').max(1000).default(15),
  'think-time': z.coerce.number().int().min(0).default(5000),
  'ramp-up': z.coerce.number().min(0).default(60),
  seed: z.coerce.number().int().min(0).default(46),
  'no-seed': z.boolean().default(false),
});

export const bench4000Command: Command = {
  interruptible: true,
  usage: '[--users 4000] [--ops 15] [--think-time 5000] [--ramp-up 60] [--seed 46] [--no-seed]',
  async run(argv) {
    const o = parseOptions(
      argv,
      { users: { type: 'string' }, ops: { type: 'string' }, 'think-time': { type: 'string' }, 'ramp-up': { type: 'string' }, seed: { type: 'string' }, 'no-seed': { type: 'boolean' } },
      Options,
    );
    const result = await runBench4000({ users: o.users, ops: o.ops, thinkTimeMs: o['think-time'], rampUpS: o['ramp-up'], seed: o.seed, reseed: !o['no-seed'] });
    if ('cut' in result) {
      console.log(`\n${result.text}`);
      return EXIT_INTERRUPTED;
    }
    const text = formatBench4000(result);
    writeFileSync(path.join(result.dir, 'bench-4000.txt'), `${text}\n`);
    writeFileSync(path.join(result.dir, 'bench-4000.json'), `${JSON.stringify({ interrupted: !!result.summary.interrupted, checks: result.checks, window: result.window, pass: result.pass && !result.summary.interrupted }, null, 2)}\n`);
    console.log(`\n${text}`);
    return result.summary.interrupted ? EXIT_INTERRUPTED : result.pass ? 0 : 1;
  },
};
