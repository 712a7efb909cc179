// loadlab bench-care (make bench-care): integrity + heal timed on the stress data set with 1%
// anomalies, in a scratch database on the target server. The work is in load/bench/care-bench.ts.
// Interrupted: what was measured so far, INTERRUPTED, the bench database dropped, exit 3.
import { CareBenchOptions, runCareBench } from '../bench/care-bench';
import { parseOptions } from '../lib/args';
import type { Command } from '../lib/command';
import { usingDatabaseTarget } from '../lib/database-target';
import { EXIT_INTERRUPTED } from '../lib/interrupt';

export const benchCareCommand: Command = {
  interruptible: true,
  usage: '[--runs N] [--members N] [--source auto|seed|generate]',
  async run(argv) {
    const o = parseOptions(argv, { runs: { type: 'string' }, members: { type: 'string' }, source: { type: 'string' } }, CareBenchOptions);
    const r = await usingDatabaseTarget((target) => runCareBench(target.url, o, console.log), console.log);
    return r.interrupted ? EXIT_INTERRUPTED : 0;
  },
};
