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

export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    API_TOKEN: TEST_TOKEN,
    LOG_LEVEL: 'silent',
    // Test runners keep the CPU busy (imports, parallel files): shedding is tested on purpose only.
    SHED_MAX_EVENT_LOOP_DELAY_MS: '0',
    SHED_MAX_EVENT_LOOP_UTILIZATION: '0',
    ...env,
  });
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
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
    API_TOKEN: TEST_TOKEN,
    LOG_LEVEL: 'silent',
    SHED_MAX_EVENT_LOOP_DELAY_MS: '0',
    SHED_MAX_EVENT_LOOP_UTILIZATION: '0',
    ...env,
  });
  const app = await buildApp(config);
  await app.ready();
  return app;
}
