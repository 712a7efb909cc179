// loadlab bench-seed (make bench-seed): the stress seed vs psql \copy vs 500-row INSERT batches on
// its own embedded PostgreSQL. The work is in load/bench/seed-bench.ts. Interrupted: the methods
// that completed, marked INTERRUPTED, exit 3.
import { runSeedBench, SeedBenchOptions } from '../bench/seed-bench';
import { parseOptions } from '../lib/args';
import type { Command } from '../lib/command';
import { EXIT_INTERRUPTED } from '../lib/interrupt';

export const benchSeedCommand: Command = {
  usage: '[--scale F] [--seed N] [--skip-insert]',
  interruptible: true,
  async run(argv) {
    const o = parseOptions(argv, { scale: { type: 'string' }, seed: { type: 'string' }, 'skip-insert': { type: 'boolean' } }, SeedBenchOptions);
    const r = await runSeedBench(o, console.log);
    return r.interruption ? EXIT_INTERRUPTED : 0;
  },
};
