// GET /metrics: Prometheus text exposition of the server's metrics (bearer token required).
// Metric names are documented in server/observability/metrics.ts; with cluster workers the scrape
// covers every worker (server/cluster.ts aggregates).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context';
import { ErrorResponse } from '../domain/common';

export default async function metricsRoutes(app: FastifyInstance, { metrics, peer }: AppContext) {
  app.get('/metrics', {
    schema: {
      tags: ['observability'],
      summary: 'Prometheus metrics (text exposition format)',
      operationId: 'getMetrics',
      response: { 200: z.string().describe('Prometheus text exposition'), 401: ErrorResponse },
    },
  }, async (_req, reply) => {
    // One of several cluster workers: the whole cluster's metrics, aggregated by the primary.
    const text = peer ? await peer.metricsText() : await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}
