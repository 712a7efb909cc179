// loadlab seed: fill the target database with deterministic, realistic data (COPY, one transaction),
// then write the id-pool sample the k6 scenarios read.
import path from 'node:path';
import { z } from 'zod';
import { MAX_SCALE, PROFILE_NAMES } from '../../seeds/profiles';
import { checkSeedTarget, DEFAULT_AS_OF, DEFAULT_FILE_SCALE, DEFAULT_SEED, describeTarget, SeedError, seedDatabase } from '../../seeds/seed';
import { parseOptions } from '../lib/args';
import { CliError } from '../lib/cli-error';
import type { Command } from '../lib/command';
import { describeConnectionError, usingDatabaseTarget, usingMigratedDb } from '../lib/database-target';
import { PROJECT_ROOT } from '../lib/local-env';

export const DEFAULT_POOL_FILE = path.join(PROJECT_ROOT, '.data', 'id-pool.json');

const number = (name: string) => z.coerce.number({ error: `${name} must be a number` });

export const SeedCommandOptions = z.object({
  profile: z.enum(PROFILE_NAMES, { error: (i) => `unknown profile '${String(i.input)}' (choose ${PROFILE_NAMES.join(' or ')})` }).default('dev'),
  scale: number('scale').positive('scale must be above 0').max(MAX_SCALE, `scale must be at most ${MAX_SCALE}`).default(1),
  seed: number('seed').int('seed must be a whole number').min(0, 'seed must be 0 or more').max(2 ** 32 - 1, 'seed must be below 2^32').default(DEFAULT_SEED),
  truncate: z.boolean().default(false),
  'with-files': z.boolean().default(false),
  'file-scale': number('file scale').positive('file scale must be above 0').max(1, 'file scale must be at most 1').default(DEFAULT_FILE_SCALE),
  'as-of': z
    .string()
    .regex(/^(\d{4}-\d{2}-\d{2}|today)$/, 'as-of must be YYYY-MM-DD or today')
    .default(DEFAULT_AS_OF)
    .transform((v) => (v === 'today' ? new Date().toISOString().slice(0, 10) : v)),
  'pool-file': z.string().min(1).default(DEFAULT_POOL_FILE),
});

const isConnectionError = (err: unknown) => {
  const code = (err as { code?: string }).code ?? '';
  return /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|28P01|28000|3D000)$/.test(code) || /timeout expired|Connection terminated/i.test(String((err as Error).message));
};

export const seedCommand: Command = {
  usage: '[--profile dev|stress] [--scale F] [--seed N] [--truncate] [--with-files] [--file-scale F] [--as-of YYYY-MM-DD|today] [--pool-file PATH]',
  async run(argv) {
    const o = parseOptions(
      argv,
      {
        profile: { type: 'string' },
        scale: { type: 'string' },
        seed: { type: 'string' },
        truncate: { type: 'boolean' },
        'with-files': { type: 'boolean' },
        'file-scale': { type: 'string' },
        'as-of': { type: 'string' },
        'pool-file': { type: 'string' },
      },
      SeedCommandOptions,
    );
    // Checked before anything touches a database (migrations included).
    if (process.env.NODE_ENV === 'production') throw new CliError('refusing to seed: NODE_ENV=production');
    return usingDatabaseTarget(async ({ url }) => {
      try {
        await checkSeedTarget(url);
      } catch (err) {
        if (err instanceof SeedError) throw new CliError(err.message);
        throw err;
      }
      try {
        await usingMigratedDb(url, async () => {});
      } catch (err) {
        if (isConnectionError(err)) throw new CliError(describeConnectionError(url, err));
        throw new CliError(`could not migrate ${describeTarget(url)}: ${(err as Error).message}`);
      }
      try {
        await seedDatabase(url, {
          profile: o.profile,
          scale: o.scale,
          seed: o.seed,
          truncate: o.truncate,
          withFiles: o['with-files'],
          fileScale: o['file-scale'],
          asOf: o['as-of'],
          poolFile: o['pool-file'],
          progress: true,
          log: console.log,
        });
      } catch (err) {
        if (err instanceof SeedError) throw new CliError(err.message);
        if (isConnectionError(err)) throw new CliError(describeConnectionError(url, err));
        throw err;
      }
      return 0;
    }, console.log);
  },
};
