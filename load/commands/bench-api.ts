// loadlab bench-api (make bench-api): requests/s at p95 < 50 ms for GET /members/:id with the cache
// off and on, /livez and a raw pg loop on the same SQL. The work is in load/bench/api-bench.ts.
import { ApiBenchOptions, runApiBench } from '../bench/api-bench';
import { parseOptions } from '../lib/args';
import type { Command } from '../lib/command';
import { EXIT_INTERRUPTED } from '../lib/interrupt';

export const benchApiCommand: Command = {
  interruptible: true,
  usage: '[--step-seconds S] [--p95-ms MS] [--start-rate R] [--max-rate R] [--factor F] [--pool-max N] [--server-workers N] [--series raw-pg,cache-off,cache-on,livez]',
  async run(argv) {
    const o = parseOptions(
      argv,
      {
        'step-seconds': { type: 'string' },
        'p95-ms': { type: 'string' },
        'start-rate': { type: 'string' },
        'max-rate': { type: 'string' },
        factor: { type: 'string' },
        'pool-max': { type: 'string' },
        'server-workers': { type: 'string' },
        series: { type: 'string' },
      },
      ApiBenchOptions,
    );
    const r = await runApiBench(o, console.log);
    return r.interruption ? EXIT_INTERRUPTED : 0;
  },
};
