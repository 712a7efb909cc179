// loadlab bench-care (make bench-care): integrity + heal timed on the stress data set with 1%
// anomalies, in a scratch database on the target server. The work is in load/bench/care-bench.ts.
import { CareBenchOptions, runCareBench } from '../bench/care-bench';
import { parseOptions } from '../lib/args';
import type { Command } from '../lib/command';
import { usingDatabaseTarget } from '../lib/database-target';

export const benchCareCommand: Command = {
  usage: '[--runs N] [--members N] [--source auto|seed|generate]',
  async run(argv) {
    const o = parseOptions(argv, { runs: { type: 'string' }, members: { type: 'string' }, source: { type: 'string' } }, CareBenchOptions);
    await usingDatabaseTarget((target) => runCareBench(target.url, o, console.log), console.log);
    return 0;
  },
};
