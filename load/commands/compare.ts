// loadlab compare A B: per operation, is B slower than A or is it noise (report folders or
// summary.json files beside their result files). Text by default; --markdown, --json, --html FILE.
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { compareInputs, loadCompareInput } from '../compare-reports';
import { parseOptions } from '../lib/args';
import type { Command } from '../lib/command';
import { DEFAULT_COMPARE } from '../report/compare';
import { renderCompareHtml } from '../report/compare-html';
import { comparisonJson, renderComparisonMarkdown, renderComparisonText } from '../report/compare-format';

export const compareCommand: Command = {
  usage: 'A B [--markdown|--json] [--html FILE] [--confidence 0.95] [--min-effect PCT] [--min-effect-ms MS] [--resamples N] [--force]',
  async run(argv) {
    const o = parseOptions(
      argv,
      {
        markdown: { type: 'boolean' },
        json: { type: 'boolean' },
        html: { type: 'string' },
        confidence: { type: 'string' },
        'min-effect': { type: 'string' },
        'min-effect-ms': { type: 'string' },
        resamples: { type: 'string' },
        force: { type: 'boolean' },
      },
      z
        .object({
          _: z.tuple([z.string(), z.string()], { error: 'give two reports: loadlab compare A B' }),
          markdown: z.boolean().default(false),
          json: z.boolean().default(false),
          html: z.string().min(1).optional(),
          confidence: z.coerce.number({ error: 'a number between 0.5 and 1' }).gt(0.5, 'must be above 0.5').lt(1, 'must be below 1').default(DEFAULT_COMPARE.confidence),
          'min-effect': z.coerce.number({ error: 'a percentage' }).min(0, 'must be ≥ 0').default(DEFAULT_COMPARE.min_effect_pct),
          'min-effect-ms': z.coerce.number({ error: 'milliseconds' }).min(0, 'must be ≥ 0').default(DEFAULT_COMPARE.min_effect_ms),
          resamples: z.coerce.number({ error: 'a whole number' }).int('a whole number').min(200, 'at least 200').max(100_000, 'at most 100000').default(DEFAULT_COMPARE.resamples),
          force: z.boolean().default(false),
        })
        .refine((v) => !(v.markdown && v.json), { message: 'choose one of --markdown and --json', path: ['markdown'] }),
      { allowPositionals: true },
    );
    const a = loadCompareInput(o._[0]!, 'report A');
    const b = loadCompareInput(o._[1]!, 'report B');
    const c = compareInputs(a, b, {
      force: o.force,
      settings: { confidence: o.confidence, min_effect_pct: o['min-effect'], min_effect_ms: o['min-effect-ms'], resamples: o.resamples },
    });
    if (o.html) writeFileSync(o.html, renderCompareHtml(c, a, b));
    console.log(o.json ? comparisonJson(c).trimEnd() : o.markdown ? renderComparisonMarkdown(c).trimEnd() : renderComparisonText(c));
    return 0;
  },
};
