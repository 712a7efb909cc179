// GET /metrics: Prometheus text exposition of the server's metrics (bearer token required).
// Metric names are documented in server/observability/metrics.ts.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context';

export default async function metricsRoutes(app: FastifyInstance, { metrics }: AppContext) {
  app.get('/metrics', { schema: { tags: ['observability'], summary: 'Prometheus metrics' } }, async (_req, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}
