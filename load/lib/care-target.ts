// The database for the care commands (integrity, heal, resilience, inject-anomalies, backup):
// the usual target (DATABASE_URL or embedded), migrated, with "cannot connect" turned into one line.
import type { Kysely } from 'kysely';
import type { Database } from '../../server/db/schema';
import { isConnectionError } from '../../maintenance/integrity';
import { CliError } from './cli-error';
import { describeConnectionError, usingDatabaseTarget, usingMigratedDb, type DatabaseTarget } from './database-target';

export async function usingCareDatabase<T>(cb: (db: Kysely<Database>, target: DatabaseTarget) => Promise<T>, log: (m: string) => void = () => {}): Promise<T> {
  return usingDatabaseTarget(async (target) => {
    try {
      return await usingMigratedDb(target.url, (db) => cb(db, target));
    } catch (err) {
      if (err instanceof CliError) throw err;
      const cause = (err as { cause?: unknown }).cause ?? err;
      if (isConnectionError(cause) || isConnectionError(err)) throw new CliError(describeConnectionError(target.url, cause));
      throw err;
    }
  }, log);
}

/** "a,b , c" → ['a','b','c'] */
export function listOption(v: string | undefined): string[] | undefined {
  return v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
}
