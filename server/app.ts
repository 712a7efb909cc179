// buildApp(config) -> a Fastify instance with every plugin and route registered, not listening.
// main.ts listens; tests call inject(). Registration order is explicit and visible here.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from './config';
import type { AppContext } from './context';
import { createDatabase } from './db/database';
import { API_PREFIX } from './domain/routes';
import authPlugin from './plugins/auth';
import errorsPlugin from './plugins/errors';
import healthRoutes from './routes/health.routes';
import memberRoutes from './routes/members.routes';

export interface BuildAppOptions {
  logger?: FastifyServerOptions['logger'];
}

export async function buildApp(config: Config, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: 1024 * 1024,
    genReqId: () => crypto.randomUUID(),
    requestIdHeader: false,
    return503OnClosing: true,
  });

  const { db, pool } = createDatabase(config.DATABASE_URL, {
    max: config.DB_POOL_MAX,
    idleTimeoutMs: config.DB_IDLE_TIMEOUT_MS,
    connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    maxLifetimeS: config.DB_MAX_LIFETIME_S,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    applicationName: 'loadlab-api',
  });
  const ctx: AppContext = { config, db, pool };
  app.addHook('onClose', async () => {
    await db.destroy();
  });

  // Request validation with zod; responses are serialized with plain JSON.stringify (the zod
  // response schemas document the API in /docs but are not re-validated on every response).
  app.setValidatorCompiler(validatorCompiler);
  // JSON only: any other body type is a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.addHook('onSend', async (_req, reply) => {
    reply.header('X-Request-Id', String(reply.request.id));
  });

  // 1. cross-cutting plugins
  await app.register(errorsPlugin);
  await app.register(authPlugin, { token: config.API_TOKEN });

  // 2. public routes
  await app.register(healthRoutes, ctx);

  // 3. the API
  await app.register(
    async (api) => {
      await api.register(memberRoutes, ctx);
    },
    { prefix: API_PREFIX },
  );

  return app;
}
