// Per-request measurement: `Server-Timing: db;dur=…, app;dur=…` on every response (db = summed
// query time of this request, app = the rest of the time in the server) and the request
// counters/histograms of /metrics, labelled by route template (never by raw URL).
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ServerMetrics } from '../observability/metrics';
import { requestContext, type RequestTiming } from '../request-context';

declare module 'fastify' {
  interface FastifyRequest {
    timing: RequestTiming;
  }
}

const ms = (n: number) => (Math.round(n * 100) / 100).toFixed(2);

async function observabilityPlugin(app: FastifyInstance, opts: { metrics: ServerMetrics }) {
  const { metrics } = opts;
  app.decorateRequest('timing', undefined as unknown as RequestTiming);

  app.addHook('onRequest', (request, _reply, done) => {
    request.timing = { startedAt: performance.now(), dbMs: 0, pending: [] };
    done();
  });
  // Handlers (where the queries run) execute inside the request's async context.
  app.addHook('preHandler', (request, _reply, done) => {
    requestContext.run(request.timing, done);
  });
  // Callback-style hooks (no promise per hook per request).
  app.addHook('onSend', (request, reply, payload, done) => {
    const timing = request.timing;
    const finish = () => {
      if (timing) {
        const total = performance.now() - timing.startedAt;
        reply.header('Server-Timing', `db;dur=${ms(timing.dbMs)}, app;dur=${ms(Math.max(0, total - timing.dbMs))}`);
      }
      done(null, payload);
    };
    // A write answers only once every cluster worker has applied its cache invalidations.
    if (timing?.pending?.length) void Promise.all(timing.pending.splice(0)).then(finish, finish);
    else finish();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    metrics.requests.inc(labels);
    metrics.duration.observe(labels, reply.elapsedTime / 1000);
    done();
  });
}

export default fp(observabilityPlugin, { name: 'observability' });
