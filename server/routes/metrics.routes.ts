// GET /metrics: Prometheus text exposition of the server's metrics (bearer token required).
// Metric names are documented in server/observability/metrics.ts.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context';
import { ErrorResponse } from '../domain/common';

export default async function metricsRoutes(app: FastifyInstance, { metrics }: AppContext) {
  app.get('/metrics', {
    schema: {
      tags: ['observability'],
      summary: 'Prometheus metrics (text exposition format)',
      operationId: 'getMetrics',
      response: { 200: z.string().describe('Prometheus text exposition'), 401: ErrorResponse },
    },
  }, async (_req, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}
