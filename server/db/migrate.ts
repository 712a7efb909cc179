// Applies the frozen migrations with Kysely's Migrator. Migrations are listed explicitly (not read
// from the directory) so the same code works under tsx, vitest and bundlers.
import { Migrator, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import * as initialSchema from './migrations/2026-11-22T00-00-initial-schema';
import * as maintenance from './migrations/2026-11-22T01-00-maintenance';
import * as employmentNoOverlap from './migrations/2026-12-01T00-00-employment-no-overlap';

const MIGRATIONS: Record<string, Migration> = {
  '2026-11-22T00-00-initial-schema': initialSchema,
  '2026-11-22T01-00-maintenance': maintenance,
  '2026-12-01T00-00-employment-no-overlap': employmentNoOverlap,
};

class ListedMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

export function createMigrator(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider: new ListedMigrationProvider() });
}

/** Migrate to latest; throws with the failing migration's name and error. */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  const result = await createMigrator(db).migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    const err = result.error instanceof Error ? result.error : new Error(String(result.error));
    throw new Error(`migration ${failed} failed: ${err.message}`, { cause: err });
  }
  return result;
}
