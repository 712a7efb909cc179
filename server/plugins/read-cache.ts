// Read-through cache for member detail and the hottest lists (lru-cache with a TTL).
//
// - One lookup per request: `read()` is the only way in; it counts exactly one hit or one miss and
//   sets `X-Cache: HIT|MISS` on the reply. With CACHE_ENABLED=false it loads straight from the
//   database, counts nothing and sets no header.
// - Invalidation: detail entries are deleted by key; list entries carry their namespace's
//   generation in the key, so bumping the generation retires every list of that namespace at once.
// - No stale fill: a load that raced with a write (the key's version or the namespace generation
//   changed while the database was being read) is returned to its caller but not stored.
import type { FastifyReply } from 'fastify';
import { LRUCache } from 'lru-cache';
import type { ServerMetrics } from '../observability/metrics';

/** Cached resources. Detail namespaces are keyed by id, list namespaces by canonical query. */
export type CacheNamespace = 'member' | 'members' | 'organization' | 'organizations' | 'students' | 'instructors' | 'locations';

export interface ReadCacheOptions {
  enabled: boolean;
  ttlMs: number;
  maxEntries: number;
  metrics?: Pick<ServerMetrics, 'cacheHits' | 'cacheMisses'>;
}

const MAX_TRACKED_VERSIONS = 200_000;

export class ReadCache {
  readonly enabled: boolean;
  private readonly lru: LRUCache<string, object>;
  private readonly generations = new Map<CacheNamespace, number>();
  private readonly versions = new Map<string, number>();
  private readonly metrics: ReadCacheOptions['metrics'];

  constructor(opts: ReadCacheOptions) {
    this.enabled = opts.enabled;
    this.lru = new LRUCache<string, object>({ max: opts.maxEntries, ttl: opts.ttlMs });
    this.metrics = opts.metrics;
  }

  /** Key of a detail entry. */
  static detail(ns: CacheNamespace, id: number): string {
    return `${ns}:${id}`;
  }

  /** Key of a list entry: the filters, in a canonical order, under the namespace's generation. */
  listKey(ns: CacheNamespace, filters: Record<string, unknown>): string {
    const canonical = Object.keys(filters)
      .filter((k) => filters[k] !== undefined)
      .sort()
      .map((k) => `${k}=${JSON.stringify(filters[k])}`)
      .join('&');
    return `${ns}@${this.generations.get(ns) ?? 0}?${canonical}`;
  }

  /**
   * The one lookup of a request: a hit returns the cached value; a miss runs `load` and stores a
   * defined result unless a write invalidated the key while it was loading.
   */
  async read<T extends object>(reply: FastifyReply, key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    if (!this.enabled) return load();
    const cached = this.lru.get(key) as T | undefined;
    if (cached !== undefined) {
      this.metrics?.cacheHits.inc();
      reply.header('X-Cache', 'HIT');
      return cached;
    }
    this.metrics?.cacheMisses.inc();
    reply.header('X-Cache', 'MISS');
    const version = this.versions.get(key) ?? 0;
    const value = await load();
    if (value !== undefined && (this.versions.get(key) ?? 0) === version) this.lru.set(key, value);
    return value;
  }

  /** Drop one detail entry (call after the write has committed). */
  invalidate(ns: CacheNamespace, id: number): void {
    if (!this.enabled) return;
    const key = ReadCache.detail(ns, id);
    this.lru.delete(key);
    if (this.versions.size >= MAX_TRACKED_VERSIONS) {
      // Forgetting versions could let a racing load store stale data: drop everything instead.
      this.versions.clear();
      this.lru.clear();
    }
    this.versions.set(key, (this.versions.get(key) ?? 0) + 1);
  }

  /** Retire every list of a namespace (call after the write has committed). */
  invalidateLists(ns: CacheNamespace): void {
    if (!this.enabled) return;
    this.generations.set(ns, (this.generations.get(ns) ?? 0) + 1);
  }

  get size(): number {
    return this.lru.size;
  }
}
