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
});
