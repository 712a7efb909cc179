// ReadCache without a server: one lookup per read, and no stale fill when a write invalidates a
// key (or a list namespace) while a miss is still loading from the database.
import type { FastifyReply } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createServerMetrics } from '../../server/observability/metrics';
import { ReadCache } from '../../server/plugins/read-cache';

function fakeReply() {
  const headers: Record<string, string> = {};
  return { headers, reply: { header: (k: string, v: string) => ((headers[k] = v), undefined) } as unknown as FastifyReply };
}

const make = (enabled = true) => {
  const metrics = createServerMetrics();
  return { cache: new ReadCache({ enabled, ttlMs: 60_000, maxEntries: 100, metrics }), metrics };
};

describe('ReadCache', () => {
  it('does not store a value loaded while the key was invalidated', async () => {
    const { cache } = make();
    const key = ReadCache.detail('member', 1);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const stale = cache.read(fakeReply().reply, key, async () => {
      await gate;
      return { v: 'old' };
    });
    cache.invalidate('member', 1); // the write commits while the read is in flight
    release();
    expect(await stale).toEqual({ v: 'old' });
    const next = fakeReply();
    expect(await cache.read(next.reply, key, async () => ({ v: 'new' }))).toEqual({ v: 'new' });
    expect(next.headers['X-Cache']).toBe('MISS');
  });

  it('retires every list of a namespace on a write, including a fill that raced with it', async () => {
    const { cache } = make();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const racing = cache.read(fakeReply().reply, cache.listKey('members', { q: 'a', limit: 50 }), async () => {
      await gate;
      return { items: ['old'] };
    });
    cache.invalidateLists('members');
    release();
    await racing;
    const r = fakeReply();
    expect(await cache.read(r.reply, cache.listKey('members', { limit: 50, q: 'a' }), async () => ({ items: ['new'] }))).toEqual({ items: ['new'] });
    expect(r.headers['X-Cache']).toBe('MISS');
  });

  it('counts exactly one hit or miss per read; disabled counts nothing and sets no header', async () => {
    const { cache, metrics } = make();
    for (let i = 0; i < 5; i++) await cache.read(fakeReply().reply, 'member:7', async () => ({ id: 7 }));
    expect((await metrics.cacheHits.get()).values[0]!.value).toBe(4);
    expect((await metrics.cacheMisses.get()).values[0]!.value).toBe(1);

    const disabled = make(false);
    const r = fakeReply();
    let loads = 0;
    for (let i = 0; i < 3; i++) await disabled.cache.read(r.reply, 'member:7', async () => ({ id: ++loads }));
    expect(loads).toBe(3);
    expect(r.headers).toEqual({});
    expect((await disabled.metrics.cacheHits.get()).values[0]!.value).toBe(0);
  });

  describe('narrow list invalidation (readList pages ordered by id)', () => {
    const page = (ids: number[], limit: number, total?: number) => ({ items: ids.map((id) => ({ id })), limit, offset: 0, ...(total === undefined ? {} : { total }) });
    async function fill(cache: ReadCache, filters: Record<string, unknown>, value: ReturnType<typeof page>) {
      const r = fakeReply();
      await cache.readList(r.reply, 'members', filters, async () => value);
      return r.headers['X-Cache'];
    }
    const again = async (cache: ReadCache, filters: Record<string, unknown>) => {
      const r = fakeReply();
      await cache.readList(r.reply, 'members', filters, async () => page([], 1));
      return r.headers['X-Cache'];
    };

    it('a new row retires only the pages it could join: not full, ending past its id, or with a total', async () => {
      const { cache } = make();
      await fill(cache, { offset: 0 }, page([1, 2], 2)); // full, ends at 2
      await fill(cache, { offset: 2 }, page([3], 2)); // not full: the new row lands here
      await fill(cache, { status: 'active' }, page([5, 9], 2)); // full, ends at 9 > 7
      await fill(cache, { total: 1 }, page([1, 2], 2, 10)); // carries a total
      cache.listRowCreated('members', 7);
      expect(await again(cache, { offset: 0 })).toBe('HIT');
      expect(await again(cache, { offset: 2 })).toBe('MISS');
      expect(await again(cache, { status: 'active' })).toBe('MISS');
      expect(await again(cache, { total: 1 })).toBe('MISS');
    });

    it('a changed row (filter fields untouched) retires only the pages that hold it; invalidateLists retires all', async () => {
      const { cache } = make();
      await fill(cache, { offset: 0 }, page([1, 2], 2));
      await fill(cache, { offset: 2 }, page([3, 4], 2));
      cache.listRowChanged('members', 4);
      expect(await again(cache, { offset: 0 })).toBe('HIT');
      expect(await again(cache, { offset: 2 })).toBe('MISS');
      cache.invalidateLists('members');
      expect(await again(cache, { offset: 0 })).toBe('MISS');
    });

    it('does not keep a page loaded while a row was created or changed', async () => {
      const { cache } = make();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const racing = cache.readList(fakeReply().reply, 'members', { offset: 0 }, async () => {
        await gate;
        return page([1, 2], 2);
      });
      cache.listRowCreated('members', 1_000); // would not touch a full page ending at 2 — but it raced
      release();
      await racing;
      expect(await again(cache, { offset: 0 })).toBe('MISS');
    });
  });
});
