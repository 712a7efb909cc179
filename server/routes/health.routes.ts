// GET /livez: public liveness, touches nothing. GET /health: public readiness — asks the database
// for real (a timed `select 1`), reports the pool, and answers 503 when the database cannot be
// reached. Neither reveals secrets.
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { AppContext } from '../context';
import { VERSION } from '../config';

const startedAt = Date.now();

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
  // Liveness: the process answers (no dependency is asked). /health is readiness.
  app.get('/livez', { schema: { tags: ['health'] } }, async () => ({ status: 'ok' }));

  app.get('/health', { schema: { tags: ['health'] } }, async (_req, reply) => {
    const db = await checkDatabase(ctx, ctx.config.DB_CONNECT_TIMEOUT_MS + 1_000);
    const body = {
      status: db.ok ? 'ok' : 'unavailable',
      env: ctx.config.NODE_ENV,
      version: VERSION,
      uptime_s: Math.round((Date.now() - startedAt) / 1000),
      db,
      pool: { total: ctx.pool.totalCount, idle: ctx.pool.idleCount, waiting: ctx.pool.waitingCount },
    };
    if (!db.ok) reply.header('Retry-After', '1');
    return reply.code(db.ok ? 200 : 503).send(body);
  });
}
