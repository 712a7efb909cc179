// buildApp(config) -> a Fastify instance with every plugin and route registered, not listening.
// main.ts listens; tests call inject(). Registration order is explicit and visible here.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import underPressure from '@fastify/under-pressure';
import { jsonSchemaTransform, validatorCompiler } from 'fastify-type-provider-zod';
import { processInfo, type Peer } from './cluster-peer';
import { VERSION, type Config } from './config';
import type { AppContext } from './context';
import { createDatabase } from './db/database';
import { ReadRouter } from './db/read-replica';
import { API_PREFIX } from './domain/routes';
import { createServerMetrics } from './observability/metrics';
import authPlugin from './plugins/auth';
import errorsPlugin, { HttpError } from './plugins/errors';
import observabilityPlugin from './plugins/observability';
import { ReadCache } from './plugins/read-cache';
import { addDbTime } from './request-context';
import cohortRoutes from './routes/cohorts.routes';
import contactRoutes from './routes/contacts.routes';
import employmentRoutes from './routes/employments.routes';
import fileRoutes from './routes/files.routes';
import healthRoutes from './routes/health.routes';
import instructorRoutes from './routes/instructors.routes';
import locationRoutes from './routes/locations.routes';
import memberRoutes from './routes/members.routes';
import metricsRoutes from './routes/metrics.routes';
import organizationRoutes from './routes/organizations.routes';
import statsRoutes from './routes/stats.routes';
import studentRoutes from './routes/students.routes';

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: { method: string; url: string }[];
  }
}

export interface BuildAppOptions {
  logger?: FastifyServerOptions['logger'];
  /** Also export prom-client's process metrics (main.ts turns this on; tests leave it off). */
  processMetrics?: boolean;
  /** The other cluster workers (main.ts, in a worker of `WORKERS=N`). */
  peer?: Peer;
}

export async function buildApp(config: Config, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: 1024 * 1024,
    genReqId: () => crypto.randomUUID(),
    requestIdHeader: false,
    return503OnClosing: true,
  });

  const peer = opts.peer;
  const metrics = createServerMetrics({ defaultMetrics: opts.processMetrics ?? false, worker: peer?.info.worker });
  peer?.shareRegistry(metrics.registry);
  const onQuery = (durationMs: number) => {
    addDbTime(durationMs);
    metrics.dbTime.inc(durationMs / 1000);
  };
  const { db, pool } = createDatabase(config.DATABASE_URL, {
    max: config.DB_POOL_MAX,
    idleTimeoutMs: config.DB_IDLE_TIMEOUT_MS,
    connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    maxLifetimeS: config.DB_MAX_LIFETIME_S,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    applicationName: 'loadlab-api',
  }, { onQuery });
  metrics.watchPool(pool);
  // DATABASE_READ_URL: a streaming replica for the cached reads (server/db/read-replica.ts). A URL
  // that is not a standby of this primary's major version and cluster fails the start here.
  let readRouter: ReadRouter | undefined;
  if (config.DATABASE_READ_URL) {
    const replica = createDatabase(config.DATABASE_READ_URL, {
      max: config.DB_POOL_MAX,
      idleTimeoutMs: config.DB_IDLE_TIMEOUT_MS,
      connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
      maxLifetimeS: config.DB_MAX_LIFETIME_S,
      statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
      applicationName: 'loadlab-api-read',
    }, { onQuery });
    readRouter = new ReadRouter({ primary: db, replica, maxLagMs: config.REPLICA_MAX_LAG_MS, pollMs: config.REPLICA_POLL_MS });
    try {
      await readRouter.verify();
    } catch (err) {
      await replica.db.destroy();
      await db.destroy();
      metrics.close();
      throw err;
    }
    readRouter.start();
  }
  const cache = new ReadCache({
    enabled: config.CACHE_ENABLED,
    ttlMs: config.CACHE_TTL_MS,
    maxEntries: config.CACHE_MAX_ENTRIES,
    metrics,
    peer,
    router: readRouter,
  });
  const ctx: AppContext = { config, db, pool, cache, metrics, process: peer?.info ?? processInfo({}), readRouter, peer };
  app.addHook('onClose', async () => {
    metrics.close();
    if (readRouter) {
      await readRouter.stop();
      await readRouter.replica.db.destroy();
    }
    await db.destroy();
  });

  // Every registered route, for the auth test that proves no route skips the bearer check.
  const routeTable: { method: string; url: string }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routeTable.push({ method, url: route.url });
  });
  app.decorate('routeTable', routeTable);

  // Request validation with zod; responses are serialized with plain JSON.stringify (the zod
  // response schemas document the API in /docs but are not re-validated on every response).
  app.setValidatorCompiler(validatorCompiler);
  // JSON only: any other body type is a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('X-Request-Id', String(request.id));
    done(null, payload);
  });

  // 1. cross-cutting plugins
  await app.register(errorsPlugin);
  await app.register(observabilityPlugin, { metrics });
  // Load shedding before auth and parsing: an overloaded event loop answers 503 + Retry-After.
  await app.register(underPressure, {
    maxEventLoopDelay: config.SHED_MAX_EVENT_LOOP_DELAY_MS,
    maxEventLoopUtilization: config.SHED_MAX_EVENT_LOOP_UTILIZATION,
    pressureHandler: async (_req, _reply, type, value) => {
      throw new HttpError(503, 'overloaded', `the server is overloaded (${type} = ${value}); retry shortly`, [], { 'Retry-After': '1' });
    },
  });
  if (config.RATE_LIMIT_MAX > 0) {
    await app.register(rateLimit, {
      max: config.RATE_LIMIT_MAX,
      timeWindow: config.RATE_LIMIT_WINDOW_MS,
      allowList: (req) => req.url === '/health',
      errorResponseBuilder: (_req, c) =>
        new HttpError(429, 'rate_limited', `rate limit of ${c.max} requests exceeded; retry in ${c.after}`, [], {
          'Retry-After': String(Math.max(1, Math.ceil(c.ttl / 1000))),
        }),
    });
  }
  await app.register(authPlugin, { token: config.API_TOKEN });

  // 2. OpenAPI generated from the zod schemas, UI served from the package's own assets (offline).
  await app.register(swagger, {
    openapi: {
      info: { title: 'loadlab API', version: VERSION, description: 'The member/employment API under test' },
      // Relative first: the server that serves this document; then where `loadlab serve` listens.
      servers: [
        { url: '/', description: 'the server this document was fetched from' },
        { url: `http://127.0.0.1:${config.PORT}`, description: 'loadlab serve on this machine' },
      ],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // 3. public routes and observability
  await app.register(healthRoutes, ctx);
  await app.register(metricsRoutes, ctx);

  // 4. the API
  await app.register(
    async (api) => {
      await api.register(memberRoutes, ctx);
      await api.register(employmentRoutes, ctx);
      await api.register(organizationRoutes, ctx);
      await api.register(contactRoutes, ctx);
      await api.register(cohortRoutes, ctx);
      await api.register(studentRoutes, ctx);
      await api.register(instructorRoutes, ctx);
      await api.register(locationRoutes, ctx);
      await api.register(fileRoutes, ctx);
      await api.register(statsRoutes, ctx);
    },
    { prefix: API_PREFIX },
  );

  return app;
}
