// The API process: owns the logger, listens, and shuts down gracefully (stop accepting, drain
// in-flight requests, close the pool) on SIGINT/SIGTERM, and when the loadlab process that started
// it (LOADLAB_PARENT_PID) is gone: a server never outlives its harness.
import { buildApp } from './app';
import { loadConfig } from './config';

export async function startServer(env: NodeJS.ProcessEnv = process.env, opts: { exitOnSignal?: boolean } = {}) {
  const config = loadConfig(env);
  const app = await buildApp(config, {
    logger: config.LOG_LEVEL === 'silent' ? false : { level: config.LOG_LEVEL },
    processMetrics: true,
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
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  const parent = Number(env.LOADLAB_PARENT_PID);
  if (parent > 0) {
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
  startServer().catch((err: Error) => {
    console.error(`server failed to start: ${err.message}`);
    process.exit(1);
  });
}
