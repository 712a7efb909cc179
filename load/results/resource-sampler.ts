// The per-second resource series of a run (resources.json in every report folder): what the
// machine, the API, PostgreSQL, k6 and the harness itself used, and what the server says about
// its pool, event loop, database time, cache and requests. The capacity model reads its demands
// from these series (Utilization Law), the load report's Performance Assessment its pool waits,
// and the HTML report charts them. One shape for all; a figure that could not be measured is null
// and `sources` says why.
//
// Each sample covers the interval that ends at its `t` (epoch ms). CPU figures are in cores
// (1.0 = one core busy for the whole interval). Server figures come from GET /metrics:
// counters as rates over the interval, gauges (pool) as read at the scrape.
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { API_PREFIX } from '../../server/domain/routes';
import type { ApiClient } from '../lib/data-pool';
import { readProcTable, TICKS_PER_S, treeUsage } from '../lib/process-tree';
import { parsePrometheus, sumOf, type PromSample } from './prometheus';

export const RESOURCE_SERIES_VERSION = 1;

const num = z.number().nullable();
export const ResourceSample = z.object({
  t: z.number(),
  dt_s: z.number(),
  /** all cores of the machine, busy (user+system+irq+steal; not idle, not iowait), in cores */
  machine_busy_cores: num,
  /** the API process and all its children (cluster workers) */
  api_cpu_cores: num,
  api_rss_mb: num,
  /** the API's own report (process_cpu_seconds_total), summed over workers: works for --target too */
  api_reported_cpu_cores: num,
  /** the local PostgreSQL cluster: postmaster and every child (and a local streaming replica's, with --read-replica) */
  postgres_cpu_cores: num,
  /** remote PostgreSQL: backends of this database in state 'active' (pg_stat_activity) */
  postgres_active_backends: num,
  k6_cpu_cores: num,
  k6_rss_mb: num,
  /** this harness process (the sampler, the k6 output reader) */
  harness_cpu_cores: num,
  /** DB_POOL_MAX (summed over workers) */
  pool_max: num,
  pool_total: num,
  pool_idle: num,
  /** connections checked out (total − idle) */
  pool_busy: num,
  pool_waiting: num,
  /** event-loop busy share over the interval, averaged over the loops (0–1) */
  event_loop_utilization: num,
  /** event loops seen (1 per API process or cluster worker) */
  event_loops: num,
  event_loop_delay_mean_ms: num,
  event_loop_delay_max_ms: num,
  /** API requests (routes under /api/v1) the server completed, per second */
  requests_rps: num,
  /** database query time per second of wall time (= mean queries in flight) */
  db_time_per_s: num,
  /**
   * the API's own response time (http_request_duration_seconds, /api/v1 routes) per second of
   * wall time: ÷ requests_rps is the server's mean time per request, from routing to the reply
   * (absent in series recorded before 2026-12-01 22:00 UTC)
   */
  server_time_per_s: num.optional(),
  cache_hits_rps: num,
  cache_misses_rps: num,
});
export type ResourceSample = z.infer<typeof ResourceSample>;

export const ResourceSeries = z.object({
  version: z.literal(RESOURCE_SERIES_VERSION),
  interval_ms: z.number(),
  cores: z.number().int(),
  /** where each group of figures came from, or why it is missing */
  sources: z.object({ machine: z.string(), api: z.string(), postgres: z.string(), k6: z.string(), server_metrics: z.string() }),
  samples: z.array(ResourceSample),
});
export type ResourceSeries = z.infer<typeof ResourceSeries>;

export type ResourceField = Exclude<keyof ResourceSample, 't' | 'dt_s'>;

export interface ResourceSamplerOptions {
  intervalMs?: number;
  /** our own API process (its tree is sampled); absent for --target */
  apiPid?: number;
  /** GET /metrics of the target (counters, pool, event loop) */
  api?: ApiClient;
  postgres?: { postmasterPid: number; replicaPid?: number; note: string } | { activeBackends: () => Promise<number | null>; note: string } | { note: string };
}

function machineTicks(): { busy: number; total: number; cores: number } | undefined {
  try {
    const lines = readFileSync('/proc/stat', 'utf8').split('\n');
    const v = lines[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.slice(0, 8).reduce((s, x) => s + x, 0);
    const cores = lines.filter((l) => /^cpu\d/.test(l)).length;
    return { busy: total - idle, total, cores };
  } catch {
    return undefined;
  }
}

interface Scrape {
  requests: number;
  /** summed response time of the /api/v1 requests (s) */
  serverTime: number;
  db: number;
  hits: number;
  misses: number;
  cpu: number | null;
  eluActive: number | null;
  eluIdle: number | null;
  pool: { max: number; total: number; idle: number; waiting: number } | null;
  delayMean: number | null;
  delayMax: number | null;
}

function readScrape(samples: PromSample[]): Scrape {
  const has = (name: string) => samples.some((s) => s.name === name);
  const sum = (name: string) => (has(name) ? sumOf(samples, name) : null);
  const max = (name: string) => (has(name) ? Math.max(...samples.filter((s) => s.name === name).map((s) => s.value)) : null);
  const pool = has('db_pool_total') ? { max: sumOf(samples, 'db_pool_max'), total: sumOf(samples, 'db_pool_total'), idle: sumOf(samples, 'db_pool_idle'), waiting: sumOf(samples, 'db_pool_waiting') } : null;
  const mean = sum('eventloop_delay_mean_seconds');
  const loops = samples.filter((s) => s.name === 'eventloop_delay_mean_seconds').length;
  return {
    requests: sumOf(samples, 'http_requests_total', (l) => (l.route ?? '').startsWith(API_PREFIX)),
    serverTime: sumOf(samples, 'http_request_duration_seconds_sum', (l) => (l.route ?? '').startsWith(API_PREFIX)),
    db: sumOf(samples, 'db_time_seconds_total'),
    hits: sumOf(samples, 'cache_hits_total'),
    misses: sumOf(samples, 'cache_misses_total'),
    cpu: sum('process_cpu_seconds_total'),
    eluActive: sum('eventloop_active_seconds_total'),
    eluIdle: sum('eventloop_idle_seconds_total'),
    pool,
    delayMean: mean === null ? null : mean / Math.max(loops, 1),
    delayMax: max('eventloop_delay_max_seconds'),
  };
}

async function scrape(api: ApiClient): Promise<Scrape | undefined> {
  try {
    const res = await fetch(`${api.baseUrl}/metrics`, { headers: { authorization: `Bearer ${api.token}` }, signal: AbortSignal.timeout(2000) });
    if (res.status !== 200) return undefined;
    return readScrape(parsePrometheus(await res.text()));
  } catch {
    return undefined;
  }
}

export interface ResourceSampler {
  /** Start following a k6 process (its pid is known only once it is spawned); with --instances, each of them. */
  addK6Pid(pid: number): void;
  /** Samples so far (a live view, for a report written while the run goes on). */
  current(): ResourceSeries;
  /** Stop after one last sample (the end of the run); every call returns the same stop. */
  stop(): Promise<ResourceSeries>;
}

const nonNeg = (v: number) => (v < 0 ? 0 : v);

export function startResourceSampler(o: ResourceSamplerOptions = {}): ResourceSampler {
  const intervalMs = o.intervalMs ?? 1000;
  const samples: ResourceSample[] = [];
  const cores = machineTicks()?.cores || availableParallelism();
  const pgLocal = o.postgres && 'postmasterPid' in o.postgres ? o.postgres.postmasterPid : undefined;
  const pgReplica = o.postgres && 'postmasterPid' in o.postgres ? o.postgres.replicaPid : undefined;
  const pgRemote = o.postgres && 'activeBackends' in o.postgres ? o.postgres.activeBackends : undefined;
  const k6Pids: number[] = [];
  const sources = {
    machine: machineTicks() ? `/proc/stat, ${cores} cores` : 'not available (/proc/stat unreadable)',
    api: o.apiPid ? `process tree of pid ${o.apiPid} (/proc)` : 'not a process on this machine (--target): only what its /metrics reports',
    postgres: o.postgres?.note ?? 'not known to the harness (--target): no figures',
    k6: 'not started yet',
    server_metrics: o.api ? `GET ${o.api.baseUrl}/metrics each ${intervalMs} ms` : 'not sampled',
  };
  let prev:
    | { t: number; machine?: { busy: number; total: number }; api?: number; pg?: number; k6?: number; k6Root?: string; harness: number; scrape?: Scrape }
    | undefined;
  let busy = false;
  let stopped = false;
  /** the sample under way (an interval tick may be taking one when stop() is called) */
  let inFlight: Promise<void> | undefined;
  let stopping: Promise<ResourceSeries> | undefined;

  const takeSample = async () => {
    if (busy || stopped) return;
    busy = true;
    try {
      const t = Date.now();
      const table = readProcTable();
      const m = machineTicks();
      const api = o.apiPid ? treeUsage(table, o.apiPid) : undefined;
      const primaryPg = pgLocal ? treeUsage(table, pgLocal) : undefined;
      const replicaPg = pgReplica ? treeUsage(table, pgReplica) : undefined;
      const pg = primaryPg && { ticks: primaryPg.ticks + (replicaPg?.ticks ?? 0) };
      // All k6 instances together (each its own process tree); a pid that is gone adds nothing.
      const k6Trees = k6Pids.map((p) => treeUsage(table, p)).filter((u) => u !== undefined);
      const k6 = k6Trees.length ? { ticks: k6Trees.reduce((a, u) => a + u.ticks, 0), rssMb: k6Trees.reduce((a, u) => a + u.rssMb, 0) } : undefined;
      const k6Root = k6Pids.join(',');
      const cpu = process.cpuUsage();
      const harness = (cpu.user + cpu.system) / 1e6;
      const [sc, active] = await Promise.all([o.api ? scrape(o.api) : Promise.resolve(undefined), pgRemote ? pgRemote() : Promise.resolve(null)]);
      const cur = { t, machine: m, api: api?.ticks, pg: pg?.ticks, k6: k6?.ticks, k6Root, harness, scrape: sc };
      if (prev) {
        const dt = (t - prev.t) / 1000;
        const cores_ = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && dt > 0 ? nonNeg((a - b) / TICKS_PER_S / dt) : null);
        const d = (f: (s: Scrape) => number | null) => {
          if (!sc || !prev!.scrape) return null;
          const a = f(sc);
          const b = f(prev!.scrape);
          return a === null || b === null ? null : nonNeg(a - b);
        };
        const rate = (v: number | null) => (v === null || dt <= 0 ? null : v / dt);
        const machineBusy = m && prev.machine && m.total > prev.machine.total ? (cores * (m.busy - prev.machine.busy)) / (m.total - prev.machine.total) : null;
        const active_ = d((s) => s.eluActive);
        const idle_ = d((s) => s.eluIdle);
        const apiCpu = d((s) => s.cpu);
        samples.push({
          t,
          dt_s: dt,
          machine_busy_cores: machineBusy,
          api_cpu_cores: cores_(api?.ticks, prev.api),
          api_rss_mb: api ? api.rssMb : null,
          api_reported_cpu_cores: apiCpu === null || dt <= 0 ? null : apiCpu / dt,
          postgres_cpu_cores: cores_(pg?.ticks, prev.pg),
          postgres_active_backends: active,
          k6_cpu_cores: prev.k6Root === k6Root ? cores_(k6?.ticks, prev.k6) : null,
          k6_rss_mb: k6 ? k6.rssMb : null,
          harness_cpu_cores: dt > 0 ? nonNeg((harness - prev.harness) / dt) : null,
          pool_max: sc?.pool?.max || null,
          pool_total: sc?.pool?.total ?? null,
          pool_idle: sc?.pool?.idle ?? null,
          pool_busy: sc?.pool ? nonNeg(sc.pool.total - sc.pool.idle) : null,
          pool_waiting: sc?.pool?.waiting ?? null,
          event_loop_utilization: active_ !== null && idle_ !== null && active_ + idle_ > 0 ? active_ / (active_ + idle_) : null,
          event_loops: active_ !== null && idle_ !== null && dt > 0 ? Math.max(1, Math.round((active_ + idle_) / dt)) : null,
          event_loop_delay_mean_ms: sc?.delayMean === null || sc?.delayMean === undefined ? null : sc.delayMean * 1000,
          event_loop_delay_max_ms: sc?.delayMax === null || sc?.delayMax === undefined ? null : sc.delayMax * 1000,
          requests_rps: rate(d((s) => s.requests)),
          db_time_per_s: rate(d((s) => s.db)),
          server_time_per_s: rate(d((s) => s.serverTime)),
          cache_hits_rps: rate(d((s) => s.hits)),
          cache_misses_rps: rate(d((s) => s.misses)),
        });
      }
      prev = cur;
    } finally {
      busy = false;
    }
  };
  // One sample at a time: a tick while one is under way is that one.
  const tick = (): Promise<void> => {
    if (busy || stopped) return inFlight ?? Promise.resolve();
    inFlight = takeSample();
    return inFlight;
  };
  const first = tick();
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  const series = (): ResourceSeries => ({ version: RESOURCE_SERIES_VERSION, interval_ms: intervalMs, cores, sources: { ...sources }, samples: [...samples] });
  return {
    addK6Pid(pid) {
      k6Pids.push(pid);
      sources.k6 = `process tree${k6Pids.length > 1 ? 's' : ''} of pid ${k6Pids.join(', ')} (/proc)`;
    },
    current: series,
    // The one stop, however often it is called: executeRun calls it as k6 ends without waiting, then
    // awaits it; a second stop of its own would find the first one's last sample under way, skip
    // it and return the series without it.
    stop() {
      stopping ??= (async () => {
        clearInterval(timer);
        await first;
        await inFlight; // an interval tick under way ends first: the last sample is taken after it
        // One last sample so the series reaches the moment the run ended.
        await tick();
        stopped = true;
        if (!k6Pids.length) sources.k6 = 'not started';
        return series();
      })();
      return stopping;
    },
  };
}

export interface WindowMeans {
  /** samples whose interval ended inside the window */
  samples: number;
  mean: Partial<Record<ResourceField, number>>;
  max: Partial<Record<ResourceField, number>>;
}

const FIELDS = Object.keys(ResourceSample.shape).filter((k) => k !== 't' && k !== 'dt_s') as ResourceField[];

/**
 * Means and maxima of each figure over (from, to]: each sample covers the interval ending at its
 * t, weighted by its length. A figure with no value in the window is absent (never 0). A figure
 * that did not change in the window (a pool size, the count of event loops) has its value as the
 * mean: the weighted sum Σv·dt / Σdt of a constant is not exact in floating point (20 over
 * intervals of 0.998–1.003 s came out as 19.999999999999996), and those print.
 */
export function resourceMeansInWindow(series: Pick<ResourceSeries, 'samples'>, from: number, to: number): WindowMeans {
  const inWin = series.samples.filter((s) => s.t > from && s.t <= to);
  const mean: WindowMeans['mean'] = {};
  const max: WindowMeans['max'] = {};
  for (const f of FIELDS) {
    let w = 0;
    let sum = 0;
    let hi = -Infinity;
    let lo = Infinity;
    for (const s of inWin) {
      const v = s[f];
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      w += s.dt_s;
      sum += v * s.dt_s;
      hi = Math.max(hi, v);
      lo = Math.min(lo, v);
    }
    if (w > 0) {
      mean[f] = lo === hi ? hi : sum / w;
      max[f] = hi;
    }
  }
  return { samples: inWin.length, mean, max };
}
