// The primary of `WORKERS=N` / `loadlab serve --workers N`: N API processes (node:cluster) sharing
// one port. The primary serves no requests; it
// - forks the workers (each knows its index 1..N and N) and replaces one that dies after it was
//   serving (same index); a worker that dies before it ever listened is a start-up failure (bad
//   configuration, port taken): everything stops with its reason instead of a crash loop, and so
//   does a worker index dying more than MAX_RESTARTS times within RESTART_WINDOW_MS;
// - relays cache invalidations: a worker's write is answered only after every other live worker
//   applied it (server/cluster-peer.ts waits for the primary's 'cache-done');
// - answers /metrics for the worker that was asked: prom-client's AggregatorRegistry collects every
//   worker's registry over IPC and sums counters, histograms and gauges by label set;
// - on SIGINT/SIGTERM (or stop()) asks every worker to drain and close, and resolves `stopped`.
import cluster, { type Worker } from 'node:cluster';
import path from 'node:path';
import { AggregatorRegistry } from 'prom-client';
import type { CacheOp, PeerMessage, PrimaryMessage } from './cluster-peer';

/** What the primary run by main.ts prints on stdout once every worker listens. */
export const CLUSTER_READY = 'loadlab cluster ready';
export const MAX_RESTARTS = 5;
export const RESTART_WINDOW_MS = 60_000;
/** A worker that has not applied an invalidation within this long is not waited for (logged). */
export const RELAY_TIMEOUT_MS = 5_000;

export interface ClusterOptions {
  workers: number;
  /** The workers' environment (their config is parsed from it). */
  env: NodeJS.ProcessEnv;
  /** Extra node flags for the workers (LOADLAB_SERVER_NODE_FLAGS). */
  nodeFlags?: string[];
  log?: (line: string) => void;
  /** The caller prints the start-up failure itself (`ready` rejects with it): do not log it too. */
  quietFailure?: boolean;
  /** Stop on SIGINT/SIGTERM of this process (default true). */
  handleSignals?: boolean;
}

export interface RunningCluster {
  /** Resolves when every worker listens; rejects with the reason when start-up failed. */
  ready: Promise<void>;
  /** Resolves with the exit code once every worker has exited: 0 after stop(), 1 after a failure. */
  stopped: Promise<number>;
  stop(): Promise<number>;
  /** pid of each worker index now serving */
  pids(): Map<number, number>;
}

interface Relay {
  origin: Worker;
  seq: number;
  waiting: Set<Worker>;
  timer: NodeJS.Timeout;
}

export function startCluster(o: ClusterOptions): RunningCluster {
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  cluster.setupPrimary({
    exec: path.join(import.meta.dirname, 'main.ts'),
    execArgv: [...(o.nodeFlags ?? []), '--import', 'tsx'],
    silent: false,
  });
  const aggregator = new AggregatorRegistry();
  const byIndex = new Map<number, Worker>();
  const listening = new Set<Worker>();
  const restarts = new Map<number, number[]>();
  const relays = new Map<number, Relay>();
  /** why a worker could not start, as it said before exiting */
  const startFailures = new Map<Worker, string>();
  let relaySeq = 0;
  let stopping = false;
  let failure: string | undefined;
  let resolveReady!: () => void;
  let rejectReady!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  ready.catch(() => {});
  let resolveStopped!: (code: number) => void;
  const stopped = new Promise<number>((res) => (resolveStopped = res));

  const fork = (index: number) => {
    const worker = cluster.fork({ ...o.env, WORKERS: String(o.workers), LOADLAB_WORKER_INDEX: String(index) });
    byIndex.set(index, worker);
    worker.on('listening', () => {
      listening.add(worker);
      if ([...byIndex.values()].every((w) => listening.has(w))) resolveReady();
    });
    worker.on('message', (m: PeerMessage) => void onMessage(worker, m));
    worker.on('exit', (code, signal) => onExit(index, worker, code, signal));
  };

  const send = (w: Worker, m: PrimaryMessage) => {
    if (w.isConnected()) w.send(m);
  };

  const settle = (id: number) => {
    const r = relays.get(id);
    if (!r || r.waiting.size > 0) return;
    clearTimeout(r.timer);
    relays.delete(id);
    send(r.origin, { loadlab: 'cache-done', seq: r.seq });
  };

  async function onMessage(from: Worker, m: PeerMessage) {
    if (!m || typeof m !== 'object' || !('loadlab' in m)) return;
    if (m.loadlab === 'start-failed') {
      startFailures.set(from, m.reason);
    } else if (m.loadlab === 'cache') {
      const id = ++relaySeq;
      const others = [...byIndex.values()].filter((w) => w !== from && w.isConnected() && listening.has(w));
      const relay: Relay = {
        origin: from,
        seq: m.seq,
        waiting: new Set(others),
        timer: setTimeout(() => {
          const late = [...relay.waiting].map((w) => w.process.pid);
          log(`loadlab cluster: worker(s) pid ${late.join(', ')} did not apply a cache invalidation within ${RELAY_TIMEOUT_MS} ms; answering the write anyway`);
          relay.waiting.clear();
          settle(id);
        }, RELAY_TIMEOUT_MS),
      };
      relays.set(id, relay);
      for (const w of others) send(w, { loadlab: 'cache', relay: id, op: m.op as CacheOp });
      settle(id);
    } else if (m.loadlab === 'cache-ack') {
      const r = relays.get(m.relay);
      if (r) {
        r.waiting.delete(from);
        settle(m.relay);
      }
    } else if (m.loadlab === 'metrics') {
      try {
        send(from, { loadlab: 'metrics-done', seq: m.seq, text: await aggregator.clusterMetrics() });
      } catch (err) {
        send(from, { loadlab: 'metrics-done', seq: m.seq, error: (err as Error).message });
      }
    }
  }

  function onExit(index: number, worker: Worker, code: number | null, signal: string | null) {
    const wasServing = listening.delete(worker);
    if (byIndex.get(index) === worker) byIndex.delete(index);
    // Writes waiting for this worker's acknowledgement do not wait for a process that is gone.
    for (const [id, r] of relays) {
      if (r.waiting.delete(worker)) settle(id);
    }
    const how = signal ? `signal ${signal}` : `code ${code}`;
    // A worker that drained and exited 0 was told to stop (SIGTERM to the process group reaches the
    // workers too, possibly before the primary handled its own): not a death to replace.
    if (!stopping && code === 0 && !signal) stopping = true;
    if (!stopping) {
      const now = Date.now();
      const recent = (restarts.get(index) ?? []).filter((t) => now - t < RESTART_WINDOW_MS);
      if (!wasServing) {
        let decided = false;
        const decide = () => {
          if (decided) return;
          decided = true;
          const said = startFailures.get(worker);
          fail(said ? `worker ${index} (pid ${worker.process.pid}) could not start: ${said}` : `worker ${index} (pid ${worker.process.pid}) exited with ${how} before it was serving`);
        };
        // Its last message (why it could not start) may still be in the IPC channel: read to its end first.
        if (worker.isConnected()) {
          worker.once('disconnect', decide);
          setTimeout(decide, 1000);
          return;
        }
        decide();
      } else if (recent.length >= MAX_RESTARTS) {
        fail(`worker ${index} died ${recent.length + 1} times within ${RESTART_WINDOW_MS / 1000} s (last: ${how}); not restarting it again`);
      } else {
        restarts.set(index, [...recent, now]);
        log(`loadlab cluster: worker ${index} (pid ${worker.process.pid}) exited with ${how}; starting a new worker ${index}`);
        fork(index);
        return;
      }
    }
    if (byIndex.size === 0) resolveStopped(failure ? 1 : 0);
  }

  function fail(reason: string) {
    if (stopping) return;
    failure = reason;
    if (!o.quietFailure) log(`loadlab cluster: ${reason}`);
    rejectReady(new Error(reason));
    void stop();
  }

  function stop(): Promise<number> {
    if (!stopping) {
      stopping = true;
      if (byIndex.size === 0) resolveStopped(failure ? 1 : 0);
      // Each worker drains its requests and closes its pool on SIGTERM (main.ts), then exits.
      for (const w of byIndex.values()) w.process.kill('SIGTERM');
      const force = setTimeout(() => {
        for (const w of byIndex.values()) w.process.kill('SIGKILL');
      }, 20_000);
      force.unref();
      void stopped.then(() => clearTimeout(force));
    }
    return stopped;
  }

  if (o.handleSignals !== false) {
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
  }
  for (let i = 1; i <= o.workers; i++) fork(i);
  return {
    ready,
    stopped,
    stop,
    pids: () => new Map([...byIndex].map(([i, w]) => [i, w.process.pid!])),
  };
}
