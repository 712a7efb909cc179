// The API process: owns the logger, listens, and shuts down gracefully (stop accepting, drain
// in-flight requests, close the pool) on SIGINT/SIGTERM, and when the loadlab process that started
// it (LOADLAB_PARENT_PID) is gone: a server never outlives its harness. With WORKERS=N (N > 1) the
// process run directly is the cluster primary (server/cluster.ts; it watches the parent) and each of
// its N workers runs startServer() here, with a Peer to the others (cache invalidations, /metrics).
import cluster from 'node:cluster';
import { buildApp } from './app';
import { CLUSTER_READY, startCluster } from './cluster';
import { createWorkerPeer } from './cluster-peer';
import { loadConfig } from './config';

export async function startServer(env: NodeJS.ProcessEnv = process.env, opts: { exitOnSignal?: boolean } = {}) {
  const config = loadConfig(env);
  const peer = cluster.isWorker ? createWorkerPeer(env) : undefined;
  const app = await buildApp(config, {
    logger: config.LOG_LEVEL === 'silent' ? false : { level: config.LOG_LEVEL },
    processMetrics: true,
    peer,
  });
  await app.listen({ host: config.HOST, port: config.PORT });
  if (opts.exitOnSignal === false) return app;
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: draining requests');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await app.close();
    process.exit(0);
  };
  if (cluster.isWorker) {
    // The primary decides when workers stop (SIGTERM); Ctrl-C reaches the whole process group,
    // and a worker leaving on its own would be "replaced". Without a primary there is no cluster.
    process.on('SIGINT', () => {});
    process.once('disconnect', () => void shutdown('primary gone'));
  } else {
    process.once('SIGINT', () => void shutdown('SIGINT'));
  }
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  const parent = Number(env.LOADLAB_PARENT_PID);
  // A worker's parent is the primary (its 'disconnect' covers it); the primary watches loadlab.
  if (parent > 0 && !cluster.isWorker) {
    // Reparented (our parent died, even by SIGKILL): ppid changes. Checked twice a second.
    const watch = setInterval(() => {
      if (process.ppid !== parent) void shutdown('parent gone');
    }, 500);
    watch.unref();
  }
  return app;
}

// Run directly: `tsx server/main.ts` (env from the environment, .env loaded by the CLI).
if (import.meta.url === `file://${process.argv[1]}`) {
  const fail = (err: Error) => {
    // A cluster worker tells the primary why, which stops the cluster with that one line (every
    // worker would fail the same way: one line, not one per worker).
    if (cluster.isWorker && process.send) {
      process.send({ loadlab: 'start-failed', reason: err.message }, () => process.exit(1));
      return;
    }
    console.error(`server failed to start: ${err.message}`);
    process.exit(1);
  };
  let workers = 1;
  try {
    workers = cluster.isWorker ? 1 : loadConfig().WORKERS;
  } catch (err) {
    fail(err as Error);
  }
  if (workers > 1) {
    const nodeFlags = (process.env.LOADLAB_SERVER_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
    const running = startCluster({ workers, env: process.env, nodeFlags });
    running.ready.then(
      () => console.log(`${CLUSTER_READY}: ${workers} workers (pids ${[...running.pids().values()].join(', ')})`),
      () => {},
    );
    void running.stopped.then((code) => process.exit(code));
    const parent = Number(process.env.LOADLAB_PARENT_PID);
    if (parent > 0) {
      const watch = setInterval(() => {
        if (process.ppid !== parent) void running.stop();
      }, 500);
      watch.unref();
    }
  } else {
    startServer().catch(fail);
  }
}
