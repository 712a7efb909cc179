// GET /livez: public liveness, touches nothing. GET /health: public readiness — asks the database
// for real (a timed `select 1`), reports the pool, and answers 503 when the database cannot be
// reached; with DATABASE_READ_URL, db_read {ok, used, latency_ms, lag_ms, reason} and status
// degraded while reads cannot go to the replica; it names the process that answered ({pid, worker, workers}: which cluster worker).
// Neither reveals secrets.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../context';
import { VERSION } from '../config';
import { ErrorResponse, NoQuery } from '../domain/common';

const startedAt = Date.now();

const LivenessSchema = z.object({ status: z.literal('ok') });
const HealthSchema = z.object({
  status: z.enum(['ok', 'degraded', 'unavailable']),
  env: z.string(),
  version: z.string(),
  uptime_s: z.number(),
  process: z.object({ pid: z.number(), worker: z.number(), workers: z.number() }),
  db: z.object({ ok: z.boolean(), latency_ms: z.number(), error: z.string().optional() }),
  db_read: z
    .object({ ok: z.boolean(), used: z.boolean(), latency_ms: z.number().nullable(), lag_ms: z.number().nullable(), max_lag_ms: z.number(), reason: z.string().optional() })
    .optional(),
  pool: z.object({ total: z.number(), idle: z.number(), waiting: z.number() }),
});

export async function checkDatabase(ctx: AppContext, timeoutMs: number) {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      sql`select 1`.execute(ctx.db),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true as const, latency_ms: Math.round((performance.now() - t0) * 100) / 100 };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return {
      ok: false as const,
      latency_ms: Math.round((performance.now() - t0) * 100) / 100,
      error: e.code ? `${e.code}: ${e.message ?? ''}` : (e.message ?? String(err)),
    };
  } finally {
    clearTimeout(timer);
  }
}

export default async function healthRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['health'];
  // Liveness: the process answers (no dependency is asked). /health is readiness. Neither takes a
  // query parameter (an unknown one is a 400 naming it); an overloaded server sheds either (503).
  r.get(
    '/livez',
    { schema: { tags, summary: 'Liveness: the process answers', operationId: 'getLiveness', querystring: NoQuery, response: { 200: LivenessSchema, 400: ErrorResponse, 503: ErrorResponse } } },
    async () => ({ status: 'ok' as const }),
  );

  r.get('/health', { schema: { tags, summary: 'Readiness: the database answers a timed select 1', operationId: 'getHealth', querystring: NoQuery, response: { 200: HealthSchema, 400: ErrorResponse, 503: HealthSchema } } }, async (_req, reply) => {
    const db = await checkDatabase(ctx, ctx.config.DB_CONNECT_TIMEOUT_MS + 1_000);
    // A replica that cannot take reads now (gone, lagging, refused) leaves the API serving from the
    // primary: ready (200), but degraded, with db_read saying why.
    const dbRead = ctx.readRouter?.status();
    const body = {
      status: !db.ok ? ('unavailable' as const) : dbRead && !dbRead.ok ? ('degraded' as const) : ('ok' as const),
      env: ctx.config.NODE_ENV,
      version: VERSION,
      uptime_s: Math.round((Date.now() - startedAt) / 1000),
      process: ctx.process,
      db,
      ...(dbRead ? { db_read: dbRead } : {}),
      pool: { total: ctx.pool.totalCount, idle: ctx.pool.idleCount, waiting: ctx.pool.waitingCount },
    };
    if (!db.ok) reply.header('Retry-After', '1');
    return reply.code(db.ok ? 200 : 503).send(body);
  });
}
