// Server View: what the server says about the same run, from GET /metrics taken right before and
// right after k6, compared with the client's own counts per route template and status. Any
// difference is printed as a mismatch, never smoothed over.
import { API_PREFIX } from '../../server/domain/routes';
import type { ApiClient } from '../lib/data-pool';
import { parsePrometheus, sumOf, type PromSample } from './prometheus';

export interface MetricsSnapshot {
  ok: boolean;
  status: number;
  samples: PromSample[];
}

export async function snapshotMetrics(api: ApiClient): Promise<MetricsSnapshot> {
  try {
    const res = await fetch(`${api.baseUrl}/metrics`, { headers: { authorization: `Bearer ${api.token}` } });
    const text = await res.text();
    return { ok: res.status === 200, status: res.status, samples: res.status === 200 ? parsePrometheus(text) : [] };
  } catch {
    return { ok: false, status: 0, samples: [] };
  }
}

export interface ServerView {
  available: boolean;
  reason?: string;
  /** Per "METHOD /template status": client count vs server count. */
  counts: { key: string; client: number; server: number }[];
  mismatches: { key: string; client: number; server: number }[];
  client_requests: number;
  server_requests: number;
  db_time_share_pct?: number;
  server_cache_hit_pct?: number;
  client_cache_hit_pct?: number;
  cache_lookups_server?: number;
  cache_lookups_client?: number;
  pool_waiting_max?: number;
  pool_total_max?: number;
  /** With DATABASE_READ_URL: the cached reads' database reads by the server that answered (db_reads_total{from}). */
  reads_from?: { replica: number; primary: number };
}

const REQUESTS = 'http_requests_total';

function serverCounts(s: PromSample[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of s) {
    if (x.name !== REQUESTS) continue;
    const route = x.labels.route ?? '';
    if (!route.startsWith(API_PREFIX)) continue; // the API only: not /health, /metrics, /docs
    const key = `${x.labels.method} ${route.slice(API_PREFIX.length)} ${x.labels.status}`;
    m.set(key, (m.get(key) ?? 0) + x.value);
  }
  return m;
}

type ClientExtras = { cacheHits: number; cacheLookups: number; poolWaitingMax?: number; poolTotalMax?: number };

/** A Server View that could not be built (no /metrics around the run), saying why. */
export function serverViewUnavailable(reason: string, clientRequests: number): ServerView {
  return { available: false, reason, counts: [], mismatches: [], client_requests: clientRequests, server_requests: 0 };
}

/** clientMap: the client's requests per "METHOD /template status" (setup/teardown left out). */
export function buildServerView(before: MetricsSnapshot, after: MetricsSnapshot, clientMap: Map<string, number>, client: ClientExtras): ServerView {
  if (!before.ok || !after.ok) {
    return serverViewUnavailable(
      `GET /metrics answered ${after.ok ? before.status : after.status}: the server's counts cannot be cross-checked`,
      [...clientMap.values()].reduce((x, y) => x + y, 0),
    );
  }
  const b = serverCounts(before.samples);
  const a = serverCounts(after.samples);
  const server = new Map<string, number>();
  for (const [k, v] of a) {
    const d = v - (b.get(k) ?? 0);
    if (d) server.set(k, d);
  }
  const keys = [...new Set([...server.keys(), ...clientMap.keys()])].sort();
  const counts = keys.map((key) => ({ key, client: clientMap.get(key) ?? 0, server: server.get(key) ?? 0 }));
  const delta = (name: string, where?: (l: Record<string, string>) => boolean) => sumOf(after.samples, name, where) - sumOf(before.samples, name, where);
  const dbSeconds = delta('db_time_seconds_total');
  const apiSeconds = delta('http_request_duration_seconds_sum', (l) => (l.route ?? '').startsWith(API_PREFIX));
  const hits = delta('cache_hits_total');
  const misses = delta('cache_misses_total');
  const routed = after.samples.some((x) => x.name === 'db_reads_total');
  const readsFrom = (from: string) => delta('db_reads_total', (l) => l.from === from);
  return {
    available: true,
    counts,
    mismatches: counts.filter((c) => c.client !== c.server),
    client_requests: [...clientMap.values()].reduce((x, y) => x + y, 0),
    server_requests: [...server.values()].reduce((x, y) => x + y, 0),
    db_time_share_pct: apiSeconds > 0 ? (100 * dbSeconds) / apiSeconds : undefined,
    server_cache_hit_pct: hits + misses > 0 ? (100 * hits) / (hits + misses) : undefined,
    cache_lookups_server: hits + misses,
    client_cache_hit_pct: client.cacheLookups > 0 ? (100 * client.cacheHits) / client.cacheLookups : undefined,
    cache_lookups_client: client.cacheLookups,
    pool_waiting_max: client.poolWaitingMax,
    pool_total_max: client.poolTotalMax,
    ...(routed ? { reads_from: { replica: readsFrom('replica'), primary: readsFrom('primary') } } : {}),
  };
}
