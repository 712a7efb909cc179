// loadlab bench-scale (make bench-scale): what 2 API processes and a read replica buy on this
// machine — level 3 and the bench-api ceiling with 1 vs 2 workers, level 3 with the replica on vs
// off on the stress data — beside what the capacity model says each would change. Thin: options
// here, the work in load/bench/scale-bench.ts. A benchmark, not a test: exit 0 when every part ran,
// 3 when interrupted (the parts that completed, INTERRUPTED).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderScaleBench, runScaleBench, ScaleBenchOptions } from '../bench/scale-bench';
import { parseOptions } from '../lib/args';
import type { Command } from '../lib/command';
import { EXIT_INTERRUPTED } from '../lib/interrupt';

export const benchScaleCommand: Command = {
  interruptible: true,
  usage: '[--level-duration 30s] [--warmup S] [--step-seconds S] [--start-rate R] [--factor F] [--workers N] [--capacity DIR] [--seed N]',
  async run(argv) {
    const o = parseOptions(
      argv,
      {
        'level-duration': { type: 'string' },
        warmup: { type: 'string' },
        'step-seconds': { type: 'string' },
        'start-rate': { type: 'string' },
        factor: { type: 'string' },
        workers: { type: 'string' },
        capacity: { type: 'string' },
        seed: { type: 'string' },
      },
      ScaleBenchOptions,
    );
    const result = await runScaleBench(o, console.log);
    const text = renderScaleBench(result);
    writeFileSync(path.join(result.dir, 'bench-scale.txt'), `${text}\n`);
    writeFileSync(path.join(result.dir, 'bench-scale.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\n${text}\nreport folder: ${path.relative(process.cwd(), result.dir) || result.dir}`);
    if (result.interruption) return EXIT_INTERRUPTED;
    const failed = result.levels.some((l) => !l.summary) || result.ceilings.some((c) => c.error);
    return failed ? 2 : 0;
  },
};
