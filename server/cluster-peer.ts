// A cluster worker's side of the IPC with the primary (server/cluster.ts), and the messages both
// sides speak. The app uses a Peer when it is one of several workers:
// - publish(op): a cache invalidation this worker applied, for every other worker; resolves when
//   all of them applied it (the write's response waits for that: read-your-writes on any worker);
// - onCacheOp(apply): invalidations published by the other workers, applied here and acknowledged;
// - metricsText(): /metrics of the whole cluster, one aggregated scrape (asked of the primary).
import { AggregatorRegistry, type Registry } from 'prom-client';

/** One cache invalidation, as ReadCache's public methods name them. */
export type CacheOp =
  | { kind: 'invalidate'; ns: string; id: number }
  | { kind: 'invalidateLists'; ns: string }
  | { kind: 'listRowCreated'; ns: string; id: number }
  | { kind: 'listRowChanged'; ns: string; id: number };

/** worker -> primary */
export type PeerMessage =
  | { loadlab: 'cache'; seq: number; op: CacheOp }
  | { loadlab: 'cache-ack'; relay: number }
  | { loadlab: 'metrics'; seq: number }
  /** the worker could not start (bad configuration, a refused DATABASE_READ_URL): its reason, before it exits */
  | { loadlab: 'start-failed'; reason: string };

/** primary -> worker */
export type PrimaryMessage =
  | { loadlab: 'cache'; relay: number; op: CacheOp }
  | { loadlab: 'cache-done'; seq: number }
  | { loadlab: 'metrics-done'; seq: number; text?: string; error?: string };

export interface ProcessInfo {
  pid: number;
  /** this worker's index, 1..workers (1 for a single process) */
  worker: number;
  workers: number;
}

export interface Peer {
  info: ProcessInfo;
  publish(op: CacheOp): Promise<void>;
  onCacheOp(apply: (op: CacheOp) => void): void;
  /** Register the registry the primary aggregates from this worker. */
  shareRegistry(registry: Registry): void;
  metricsText(): Promise<string>;
}

export function processInfo(env: NodeJS.ProcessEnv = process.env): ProcessInfo {
  return { pid: process.pid, worker: Number(env.LOADLAB_WORKER_INDEX ?? 1), workers: Number(env.WORKERS ?? 1) };
}

/** The peer of a cluster worker (process.send is the IPC channel to the primary). */
export function createWorkerPeer(env: NodeJS.ProcessEnv = process.env): Peer {
  if (!process.send) throw new Error('createWorkerPeer: not a cluster worker (no IPC channel)');
  const send = (m: PeerMessage) => process.send!(m);
  let seq = 0;
  const waiting = new Map<number, { resolve: (m: PrimaryMessage) => void }>();
  let apply: ((op: CacheOp) => void) | undefined;
  process.on('message', (m: PrimaryMessage) => {
    if (!m || typeof m !== 'object' || !('loadlab' in m)) return;
    if (m.loadlab === 'cache') {
      apply?.(m.op);
      send({ loadlab: 'cache-ack', relay: m.relay });
    } else {
      const w = waiting.get(m.seq);
      if (w) {
        waiting.delete(m.seq);
        w.resolve(m);
      }
    }
  });
  const ask = (make: (seq: number) => PeerMessage) =>
    new Promise<PrimaryMessage>((resolve) => {
      const s = ++seq;
      waiting.set(s, { resolve });
      send(make(s));
    });
  return {
    info: processInfo(env),
    async publish(op) {
      await ask((s) => ({ loadlab: 'cache', seq: s, op }));
    },
    onCacheOp(fn) {
      apply = fn;
    },
    shareRegistry(registry) {
      // Constructing one adds prom-client's worker-side listener for the primary's metric requests.
      new AggregatorRegistry();
      AggregatorRegistry.setRegistries([registry]);
    },
    async metricsText() {
      const m = await ask((s) => ({ loadlab: 'metrics', seq: s }));
      if (m.loadlab !== 'metrics-done' || m.text === undefined) throw new Error(`cluster metrics: ${m.loadlab === 'metrics-done' ? m.error : 'no answer'}`);
      return m.text;
    },
  };
}
