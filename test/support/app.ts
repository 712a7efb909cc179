// A built (not listening) app on a fresh test database, plus the bearer header for inject(); and one
// with no database at all, for what answers before any query (auth, validation, the OpenAPI document).
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/app';
import { loadConfig, type Config } from '../../server/config';
import { createTestDatabase, type TestDatabase } from './database';

export const TEST_TOKEN = 'test-token-0123456789abcdef';
export const AUTH = { authorization: `Bearer ${TEST_TOKEN}` };

export interface TestApp {
  app: FastifyInstance;
  database: TestDatabase;
  config: Config;
  close(): Promise<void>;
}

/** The API's configuration in tests: silent, the test token, load shedding off. */
function testConfig(databaseUrl: string, env: Record<string, string>) {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    API_TOKEN: TEST_TOKEN,
    LOG_LEVEL: 'silent',
    // Test runners keep the CPU busy (imports, parallel files): shedding is tested on purpose only.
    SHED_MAX_EVENT_LOOP_DELAY_MS: '0',
    SHED_MAX_EVENT_LOOP_UTILIZATION: '0',
    ...env,
  });
}

export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = testConfig(database.url, env);
  const app = await buildApp(config);
  await app.ready();
  return {
    app,
    database,
    config,
    async close() {
      await app.close();
      await database.drop();
    },
  };
}

/** buildApp() on a URL nothing listens at: its pool never connects unless a handler queries. */
export async function createAppWithoutDatabase(env: Record<string, string> = {}): Promise<FastifyInstance> {
  const config = testConfig('postgres://nobody@127.0.0.1:1/none', env);
  const app = await buildApp(config);
  await app.ready();
  return app;
}
