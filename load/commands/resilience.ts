// loadlab resilience: disk headroom, orphaned and altered files, growth trend (adds a snapshot),
// stale records, outliers, timed canonical queries with plans, unused indexes, newest backup age.
// Exit 0 when there are no findings, 1 otherwise.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { defaultCheckContext } from '../../maintenance/integrity';
import { formatResilience, runResilience } from '../../maintenance/resilience';
import { parseOptions } from '../lib/args';
import { CliError } from '../lib/cli-error';
import type { Command } from '../lib/command';
import { usingCareDatabase } from '../lib/care-target';
import { PROJECT_ROOT } from '../lib/local-env';

export const resilienceCommand: Command = {
  usage: '[--export FILE] [--sample N] [--json]',
  async run(argv) {
    const opts = parseOptions(
      argv,
      { export: { type: 'string' }, sample: { type: 'string' }, json: { type: 'boolean' } },
      z.object({ export: z.string().min(1).optional(), sample: z.coerce.number().int().min(1).optional(), json: z.boolean().default(false) }),
    );
    const { filesDir } = defaultCheckContext(process.env, PROJECT_ROOT);
    const backupDir = path.resolve(PROJECT_ROOT, process.env.BACKUP_DIR ?? '.data/backups');
    const report = await usingCareDatabase((db) => runResilience(db, { filesDir, backupDir, sample: opts.sample }), opts.json ? () => {} : console.log);
    const text = formatResilience(report);
    if (opts.export) {
      try {
        await writeFile(opts.export, `${text}\n`);
      } catch (err) {
        throw new CliError(`--export: cannot write ${opts.export}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
    console.log(opts.json ? JSON.stringify(report, null, 2) : text);
    if (opts.export && !opts.json) console.log(`\nexported to ${opts.export}`);
    return report.findings.length ? 1 : 0;
  },
};
