// Read-through cache for member detail and the hottest lists (lru-cache with a TTL).
//
// - One lookup per request: `read()` is the only way in; it counts exactly one hit or one miss and
//   sets `X-Cache: HIT|MISS` on the reply. With CACHE_ENABLED=false it loads straight from the
//   database, counts nothing and sets no header.
// - Invalidation: detail entries are deleted by key; list entries carry their namespace's
//   generation in the key, so bumping the generation retires every list of that namespace at once.
//   Lists read through readList() (pages ordered by id) can be retired more narrowly, by what
//   the write did to one row whose filter fields did not change: a new row (the largest id so
//   far, unless a lower id committed late) retires only the pages it could join: not full, ending
//   past its id, or carrying a total; a changed row retires only the pages that hold it.
// - Across cluster workers: every invalidation is also published to the other workers (a Peer,
//   server/cluster-peer.ts) and applied there; the request that wrote waits until all of them have
//   applied it before it answers (its promise joins the request's pending list, awaited in onSend).
// - With a read replica (server/db/read-replica.ts): a miss loads from the database the router
//   picks for the key (`X-Read-From: replica|primary`), and every invalidation, with the cache on
//   or off, marks its keys as written so their next reads go to the primary until the replica has
//   replayed the write.
// - No stale fill: a load that raced with a write (the key's version, the namespace generation or
//   the namespace's list writes changed while the database was being read) is returned to its
//   caller but not stored.
import type { FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { CacheOp, Peer } from '../cluster-peer';
import type { ReadRouter } from '../db/read-replica';
import type { Database } from '../db/schema';
import type { ServerMetrics } from '../observability/metrics';
import { requestContext } from '../request-context';

/** Cached resources. Detail namespaces are keyed by id, list namespaces by canonical query. */
export type CacheNamespace = 'member' | 'members' | 'organization' | 'organizations' | 'students' | 'instructors' | 'locations';

export interface ReadCacheOptions {
  enabled: boolean;
  ttlMs: number;
  maxEntries: number;
  metrics?: Pick<ServerMetrics, 'cacheHits' | 'cacheMisses'> & Partial<Pick<ServerMetrics, 'readsFrom'>>;
  /** The other cluster workers (absent for a single process). */
  peer?: Pick<Peer, 'publish' | 'onCacheOp'>;
  /** DATABASE_READ_URL's router: where a miss reads from, and the keys writes changed. */
  router?: Pick<ReadRouter, 'markWritten' | 'readerFor'>;
}

/** A load reads from `from` when a read replica router chose a database for it (else its own db). */
export type Load<T> = (from?: Kysely<Database>) => Promise<T>;

/** The key a write marks and a read asks about: a detail key, or all the lists of a namespace. */
const freshnessKey = (cacheKey: string) => {
  const at = cacheKey.indexOf('@');
  return at < 0 ? cacheKey : `${cacheKey.slice(0, at)}@lists`;
};

const MAX_TRACKED_VERSIONS = 200_000;

/** What a cached list page holds, for the narrow invalidations of readList() entries. */
interface ListPageMeta {
  ids: Set<number>;
  lastId: number;
  full: boolean;
  hasTotal: boolean;
}

/** A page of rows ordered by id, as the list repositories return it. */
export interface IdPage {
  items: { id: number }[];
  limit: number;
  total?: number;
}

export class ReadCache {
  readonly enabled: boolean;
  private readonly lru: LRUCache<string, object>;
  private readonly generations = new Map<CacheNamespace, number>();
  private readonly versions = new Map<string, number>();
  /** Cached readList() pages per namespace (current generation only). */
  private readonly pages = new Map<CacheNamespace, Map<string, ListPageMeta>>();
  /** Writes that touched a namespace's lists: a list load that saw one is not stored. */
  private readonly listWrites = new Map<CacheNamespace, number>();
  private readonly metrics: ReadCacheOptions['metrics'];

  constructor(opts: ReadCacheOptions) {
    this.enabled = opts.enabled;
    this.lru = new LRUCache<string, object>({
      max: opts.maxEntries,
      ttl: opts.ttlMs,
      // An entry leaving the cache takes its page record along (not when a fill replaces it:
      // the record was just written for the new value).
      dispose: (_value, key, reason) => {
        if (reason === 'set') return;
        for (const metas of this.pages.values()) metas.delete(key);
      },
    });
    this.metrics = opts.metrics;
    this.peer = opts.peer;
    this.router = opts.router;
    this.peer?.onCacheOp((op) => this.apply(op));
  }

  private readonly peer: ReadCacheOptions['peer'];
  private readonly router: ReadCacheOptions['router'];

  /** The database a miss of `key` reads from (undefined: the route's own). */
  private source(reply: FastifyReply, key: string): Kysely<Database> | undefined {
    if (!this.router) return undefined;
    const { db, from } = this.router.readerFor(freshnessKey(key));
    reply.header('X-Read-From', from);
    this.metrics?.readsFrom?.inc({ from });
    return db;
  }

  /** Apply an invalidation here (published by another worker, or made by this one). */
  apply(op: CacheOp): void {
    const ns = op.ns as CacheNamespace;
    this.router?.markWritten(op.kind === 'invalidate' ? ReadCache.detail(ns, op.id) : `${ns}@lists`);
    if (op.kind === 'invalidate') this.invalidateHere(ns, op.id);
    else if (op.kind === 'invalidateLists') this.invalidateListsHere(ns);
    else if (op.kind === 'listRowCreated') this.retirePages(ns, (m) => m.hasTotal || !m.full || op.id < m.lastId);
    else this.retirePages(ns, (m) => m.ids.has(op.id));
  }

  /** Apply locally, publish to the other workers; the current request answers once they applied it. */
  private change(op: CacheOp): void {
    if (!this.enabled && !this.router) return;
    this.apply(op);
    if (!this.peer) return;
    const shared = this.peer.publish(op);
    const pending = requestContext.getStore()?.pending;
    if (pending) pending.push(shared);
    else void shared;
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
  async read<T extends object>(reply: FastifyReply, key: string, load: Load<T | undefined>): Promise<T | undefined> {
    if (!this.enabled) return load(this.source(reply, key));
    return this.lookup(reply, key, () => load(this.source(reply, key)), () => true);
  }

  /** The lookup behind read(): `beforeStore` may still refuse to keep a freshly loaded value. */
  private async lookup<T extends object>(reply: FastifyReply, key: string, load: () => Promise<T | undefined>, beforeStore: (value: T) => boolean): Promise<T | undefined> {
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
    if (value !== undefined && (this.versions.get(key) ?? 0) === version && beforeStore(value)) this.lru.set(key, value);
    return value;
  }

  /**
   * read() for a page of rows ordered by id, remembered for the narrow invalidations
   * (listRowCreated, listRowChanged). The key is listKey(ns, filters).
   */
  async readList<T extends IdPage>(reply: FastifyReply, ns: CacheNamespace, filters: Record<string, unknown>, load: Load<T>): Promise<T> {
    const key = this.listKey(ns, filters);
    if (!this.enabled) return load(this.source(reply, key));
    const writes = this.listWrites.get(ns) ?? 0;
    const page = await this.lookup(reply, key, () => load(this.source(reply, key)), (loaded) => {
      // A write to this namespace while loading: hand the page to the caller, do not keep it.
      if ((this.listWrites.get(ns) ?? 0) !== writes) return false;
      const ids = loaded.items.map((item) => item.id);
      let metas = this.pages.get(ns);
      if (!metas) this.pages.set(ns, (metas = new Map()));
      metas.set(key, { ids: new Set(ids), lastId: ids.length ? Math.max(...ids) : 0, full: ids.length >= loaded.limit, hasTotal: loaded.total !== undefined });
      return true;
    });
    return page!;
  }

  /** A row `id` was created in `ns` (after commit): retire the readList() pages it could join. */
  listRowCreated(ns: CacheNamespace, id: number): void {
    this.change({ kind: 'listRowCreated', ns, id });
  }

  /** Row `id` of `ns` changed, its filter fields untouched (after commit): retire the pages that hold it. */
  listRowChanged(ns: CacheNamespace, id: number): void {
    this.change({ kind: 'listRowChanged', ns, id });
  }

  private retirePages(ns: CacheNamespace, affected: (m: ListPageMeta) => boolean): void {
    if (!this.enabled) return;
    this.listWrites.set(ns, (this.listWrites.get(ns) ?? 0) + 1);
    const metas = this.pages.get(ns);
    if (!metas) return;
    for (const [key, meta] of metas) {
      if (!affected(meta)) continue;
      metas.delete(key);
      this.lru.delete(key);
    }
  }

  /** Drop one detail entry (call after the write has committed). */
  invalidate(ns: CacheNamespace, id: number): void {
    this.change({ kind: 'invalidate', ns, id });
  }

  private invalidateHere(ns: CacheNamespace, id: number): void {
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
    this.change({ kind: 'invalidateLists', ns });
  }

  private invalidateListsHere(ns: CacheNamespace): void {
    if (!this.enabled) return;
    this.generations.set(ns, (this.generations.get(ns) ?? 0) + 1);
    this.listWrites.set(ns, (this.listWrites.get(ns) ?? 0) + 1);
    this.pages.get(ns)?.clear();
  }

  get size(): number {
    return this.lru.size;
  }
}
