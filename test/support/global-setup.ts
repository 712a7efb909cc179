// Starts one real PostgreSQL for the whole test run (embedded, unless TEST_DATABASE_URL points at
// a server) and hands its admin URL to the test files, which each create their own database.
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../server/db/embedded-postgres';

let handle: EmbeddedPostgresHandle | undefined;

export default async function setup(project: TestProject) {
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    handle = await startEmbeddedPostgres({
      dataDir: `.data/pg-test-${process.pid}`,
      ephemeral: true,
      settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
    });
    adminUrl = handle.adminUrl;
  }
  project.provide('adminDatabaseUrl', adminUrl);
  return async () => {
    await handle?.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}
