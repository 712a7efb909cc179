// loadlab compare A B: the delta table of two runs (report folders or summary.json files).
import { z } from 'zod';
import { parseOptions } from '../lib/args';
import type { Command } from '../lib/command';
import { loadSummaryFrom } from '../lib/report-files';
import { renderComparison } from '../report/compare';

export const compareCommand: Command = {
  summary: 'print the delta table of two reports',
  usage: 'A B   (report folders or summary.json files)',
  async run(argv) {
    const o = parseOptions(argv, {}, z.object({ _: z.tuple([z.string(), z.string()], { error: 'give two reports: loadlab compare A B' }) }), {
      allowPositionals: true,
    });
    console.log(renderComparison(loadSummaryFrom(o._[0]!, 'report A'), loadSummaryFrom(o._[1]!, 'report B')));
    return 0;
  },
};
