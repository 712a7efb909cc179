// loadlab seed: fill the target database with deterministic data.
import { z } from 'zod';
import { isDatabaseEmpty, seedDatabase } from '../../seeds/seed';
import { parseOptions } from '../lib/args';
import { CliError } from '../lib/cli-error';
import type { Command } from '../lib/command';
import { usingDatabaseTarget, usingMigratedDb } from '../lib/database-target';

export const seedCommand: Command = {
  summary: 'seed deterministic data (embedded PostgreSQL unless DATABASE_URL is set)',
  usage: '[--profile dev] [--seed N] [--truncate]',
  async run(argv) {
    const opts = parseOptions(
      argv,
      { profile: { type: 'string' }, seed: { type: 'string' }, truncate: { type: 'boolean' } },
      z.object({
        profile: z.enum(['dev']).default('dev'),
        seed: z.coerce.number().int().min(0).default(46),
        truncate: z.boolean().default(false),
      }),
    );
    return usingDatabaseTarget(async ({ url }) => {
      const empty = await usingMigratedDb(url, isDatabaseEmpty);
      if (!empty && !opts.truncate) throw new CliError('the database already has data; pass --truncate to replace it');
      await seedDatabase(url, { profile: opts.profile, seed: opts.seed, truncate: opts.truncate, log: console.log });
      return 0;
    }, console.log);
  },
};
