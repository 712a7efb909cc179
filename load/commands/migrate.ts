// loadlab migrate: apply the Kysely migrations to the target database (embedded by default).
import { z } from 'zod';
import { createDatabase } from '../../server/db/database';
import { createMigrator } from '../../server/db/migrate';
import { parseOptions } from '../lib/args';
import { CliError } from '../lib/cli-error';
import type { Command } from '../lib/command';
import { describeConnectionError, usingDatabaseTarget } from '../lib/database-target';

export const migrateCommand: Command = {
  usage: '',
  async run(argv) {
    parseOptions(argv, {}, z.object({}).passthrough());
    return usingDatabaseTarget(async ({ url }) => {
      const { db } = createDatabase(url, { max: 2, applicationName: 'loadlab-migrate' });
      try {
        const { error, results } = await createMigrator(db).migrateToLatest();
        for (const r of results ?? []) console.log(`${r.status === 'Success' ? 'applied' : r.status.toLowerCase()}: ${r.migrationName}`);
        if (error) {
          const e = error as Error & { code?: string };
          if (e.code === 'ECONNREFUSED' || e.code?.startsWith('08') || e.code === 'ENOTFOUND') throw new CliError(describeConnectionError(url, e));
          throw new CliError(`migration failed: ${e.message}`, 1);
        }
        if (!results?.length) console.log('database is up to date');
        return 0;
      } finally {
        await db.destroy();
      }
    }, console.log);
  },
};
