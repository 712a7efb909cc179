// loadlab merge DIR…: one report from the result files of a run's k6 instances, collected from
// anywhere (k6-operator runners, generators on other machines, an --instances report folder).
// Exit codes: 0 all thresholds passed, 1 a threshold failed, 2 incomplete or foreign result files
// (named on stderr; the report says INCOMPLETE) or could not run.
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseOptions } from '../lib/args';
import { CliError } from '../lib/cli-error';
import type { Command } from '../lib/command';
import { ApiClient } from '../lib/data-pool';
import { checkTargetHealth } from '../lib/load-target';
import { ensureLocalEnv } from '../lib/local-env';
import { createReportDir } from '../lib/report-dir';
import { mergeIntoReport } from '../merge-results';

export const mergeCommand: Command = {
  usage: 'DIR|FILE… [--target URL] [--force]   (--target: verify the acknowledged writes against that API)',
  async run(argv) {
    const o = parseOptions(
      argv,
      { target: { type: 'string' }, force: { type: 'boolean' } },
      z.object({
        _: z.array(z.string()).min(1, 'give at least one folder or result file: loadlab merge DIR…'),
        target: z.url({ error: 'target must be a URL like http://127.0.0.1:3000' }).optional(),
        force: z.boolean().default(false),
      }),
      { allowPositionals: true },
    );
    let api: ApiClient | undefined;
    if (o.target) {
      const { apiToken } = ensureLocalEnv();
      api = new ApiClient(o.target.replace(/\/$/, ''), process.env.LOADLAB_TARGET_TOKEN ?? apiToken);
      await checkTargetHealth(api, o.force);
    }
    for (const input of o._) if (!existsSync(input)) throw new CliError(`${input} does not exist`);
    const dir = createReportDir('merge');
    let outcome;
    try {
      outcome = await mergeIntoReport({ inputs: o._, dir, api });
    } catch (err) {
      rmSync(dir, { recursive: true, force: true }); // nothing half-written left as a report
      throw err;
    }
    const { summary, merged, text } = outcome;
    console.log(text);
    console.log(`report folder: ${path.relative(process.cwd(), dir) || dir}`);
    if (!merged.complete) {
      console.error(`loadlab merge: INCOMPLETE, not a result: ${merged.problems.join('; ')}`);
      return 2;
    }
    return summary.assessment.passed ? 0 : 1;
  },
};
