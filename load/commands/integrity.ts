// loadlab integrity: one pass of every integrity check (or --checks a,b), with severity, count,
// sample ids and whether heal can fix it. Exit 0 when clean, 1 when issues were found.
import { z } from 'zod';
import { resolveChecks } from '../../maintenance/checks';
import { formatIntegrity } from '../../maintenance/care-format';
import { defaultCheckContext, runIntegrity } from '../../maintenance/integrity';
import { parseOptions } from '../lib/args';
import { CliError } from '../lib/cli-error';
import type { Command } from '../lib/command';
import { listOption, usingCareDatabase } from '../lib/care-target';
import { PROJECT_ROOT } from '../lib/local-env';

export const integrityCommand: Command = {
  usage: '[--json] [--checks id,id] [--samples N]',
  async run(argv) {
    const opts = parseOptions(
      argv,
      { json: { type: 'boolean' }, checks: { type: 'string' }, samples: { type: 'string' } },
      z.object({ json: z.boolean().default(false), checks: z.string().optional(), samples: z.coerce.number().int().min(0).max(10_000).default(10) }),
    );
    let checks;
    try {
      checks = resolveChecks(listOption(opts.checks));
    } catch (err) {
      throw new CliError(`--checks: ${(err as Error).message}`);
    }
    const ctx = defaultCheckContext(process.env, PROJECT_ROOT);
    const report = await usingCareDatabase((db) => runIntegrity(db, checks, ctx, { sampleSize: opts.samples }), opts.json ? () => {} : console.log);
    if (opts.json) {
      const { ids: _ids, ...rest } = report;
      console.log(JSON.stringify({ ...rest, total: report.checks.reduce((n, c) => n + c.count, 0) }, null, 2));
    } else console.log(formatIntegrity(report));
    return report.checks.some((c) => c.count > 0 || c.error) ? 1 : 0;
  },
};
