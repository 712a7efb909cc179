// The server's own view of its traffic, in Prometheus text format (prom-client). One registry per
// app instance (tests build several apps in one process). Names are part of the harness contract:
//   http_requests_total{method,route,status}        counter   route = template, e.g. /api/v1/members/:id
//   http_request_duration_seconds{method,route,status} histogram
//   db_pool_total / db_pool_idle / db_pool_waiting   gauges    node-postgres pool, sampled at scrape
//   db_pool_max                                      gauge     DB_POOL_MAX
//   cache_hits_total / cache_misses_total            counters  one lookup per cached request
//   db_time_seconds_total                            counter   summed query durations (Kysely log)
//   db_reads_total{from}                             counter   cached-read misses by the server that answered
//                                                              (replica|primary; only with DATABASE_READ_URL)
//   eventloop_active_seconds_total / eventloop_idle_seconds_total
//                                                    counters  event-loop busy/idle time since start
//                                                              (performance.eventLoopUtilization);
//                                                              utilisation over any interval = Δactive / (Δactive + Δidle)
//   eventloop_delay_mean_seconds / eventloop_delay_max_seconds
//                                                    gauges    event-loop delay since the previous scrape
//                                                              (perf_hooks.monitorEventLoopDelay, reset per scrape)
//
// Cluster workers (server/cluster.ts): /metrics is one scrape of the whole cluster, every worker's
// registry summed by the primary (prom-client's AggregatorRegistry: counters, histograms and pool
// gauges add up by label set). The event-loop delay gauges carry a `worker` label there, since one
// loop's delay cannot be added to another's: the harness counts the loops and averages them.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type pg from 'pg';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ServerMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route' | 'status'>;
  cacheHits: Counter;
  cacheMisses: Counter;
  dbTime: Counter;
  readsFrom: Counter<'from'>;
  /** Start sampling the pool gauges from this pool. */
  watchPool(pool: pg.Pool): void;
  /** Stop the event-loop delay monitor (app close). */
  close(): void;
}

export function createServerMetrics(opts: { defaultMetrics?: boolean; /** cluster worker index: labels the per-loop gauges */ worker?: number } = {}): ServerMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency (first byte in to last byte out) by route template',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const cacheHits = new Counter({ name: 'cache_hits_total', help: 'read-through cache hits', registers: [registry] });
  const cacheMisses = new Counter({ name: 'cache_misses_total', help: 'read-through cache misses', registers: [registry] });
  const dbTime = new Counter({ name: 'db_time_seconds_total', help: 'time spent in database queries', registers: [registry] });
  const readsFrom = new Counter({ name: 'db_reads_total', help: 'reads routed by DATABASE_READ_URL, by the server that answered', labelNames: ['from'] as const, registers: [registry] });
  let pool: pg.Pool | undefined;
  const poolGauge = (name: string, help: string, read: (p: pg.Pool) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(pool ? read(pool) : 0);
      },
    });
  poolGauge('db_pool_total', 'connections open in the pool', (p) => p.totalCount);
  poolGauge('db_pool_idle', 'idle connections in the pool', (p) => p.idleCount);
  poolGauge('db_pool_waiting', 'requests waiting for a pool connection', (p) => p.waitingCount);
  poolGauge('db_pool_max', 'configured pool size (DB_POOL_MAX)', (p) => p.options.max ?? 0);
  // Event loop: cumulative busy/idle time as counters (they sum over cluster workers and give the
  // utilisation of any interval), delay as gauges over the interval since the previous scrape.
  const elu = () => performance.eventLoopUtilization();
  new Counter({
    name: 'eventloop_active_seconds_total',
    help: 'time the event loop spent running callbacks since the process started',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(elu().active / 1000);
    },
  });
  new Counter({
    name: 'eventloop_idle_seconds_total',
    help: 'time the event loop spent waiting for events since the process started',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(elu().idle / 1000);
    },
  });
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const workerLabel = opts.worker === undefined ? undefined : { worker: String(opts.worker) };
  const delayGauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      labelNames: workerLabel ? ['worker'] : [],
      registers: [registry],
      collect() {
        if (workerLabel) this.set(workerLabel, read());
        else this.set(read());
      },
    });
  // Read both gauges, then reset: the mean gauge is collected first (registration order).
  delayGauge('eventloop_delay_mean_seconds', 'mean event-loop delay since the previous scrape', () => (delay.count ? delay.mean / 1e9 : 0));
  delayGauge('eventloop_delay_max_seconds', 'largest event-loop delay since the previous scrape', () => {
    const v = delay.count ? delay.max / 1e9 : 0;
    delay.reset();
    return v;
  });
  return {
    registry,
    requests,
    duration,
    cacheHits,
    cacheMisses,
    dbTime,
    readsFrom,
    watchPool(p) {
      pool = p;
    },
    close() {
      delay.disable();
    },
  };
}
