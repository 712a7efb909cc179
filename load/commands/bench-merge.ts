// loadlab bench-merge: merged vs exact percentiles on a real 2-instance run, merging many large
// synthetic result files (seconds, peak memory), and 1 vs 2 k6 instances at the same load. The work
// is load/bench/merge-bench.ts.
import path from 'node:path';
import { z } from 'zod';
import { parseOptions } from '../lib/args';
import type { Command } from '../lib/command';
import { EXIT_INTERRUPTED } from '../lib/interrupt';
import { runMergeBench } from '../bench/merge-bench';

const count = (name: string, max: number) => z.coerce.number({ error: `${name} must be a number` }).int().min(1, `${name} must be at least 1`).max(max, `${name} must be at most ${max}`);

export const benchMergeCommand: Command = {
  interruptible: true,
  usage: '[--files 50] [--requests-per-file 1000000] [--users 200] [--ops 30] [--think-time 100]',
  async run(argv) {
    const o = parseOptions(
      argv,
      { files: { type: 'string' }, 'requests-per-file': { type: 'string' }, users: { type: 'string' }, ops: { type: 'string' }, 'think-time': { type: 'string' } },
      z.object({
        files: count('files', 500).default(50),
        'requests-per-file': count('requests per file', 10_000_000).default(1_000_000),
        users: count('users', 20_000).default(200),
        ops: count('ops', 100_000).default(30),
        'think-time': z.coerce.number().int().min(0).default(100),
      }),
    );
    const { dir, interrupted } = await runMergeBench({ files: o.files, requestsPerFile: o['requests-per-file'], users: o.users, ops: o.ops, thinkMs: o['think-time'], log: console.log });
    console.log(`\nbench folder: ${path.relative(process.cwd(), dir) || dir}`);
    return interrupted ? EXIT_INTERRUPTED : 0;
  },
};
