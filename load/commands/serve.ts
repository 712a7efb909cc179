// loadlab serve [--port N] [--host ADDR] [--workers N]: run the API in the foreground on the target
// database (migrated first); --workers N runs N processes sharing the port (server/cluster.ts).
import { z } from 'zod';
import { startCluster } from '../../server/cluster';
import { workersSchema } from '../../server/config';
import { startServer } from '../../server/main';
import { parseOptions } from '../lib/args';
import { CliError } from '../lib/cli-error';
import type { Command } from '../lib/command';
import { usingDatabaseTarget, usingMigratedDb } from '../lib/database-target';
import { ensureLocalEnv } from '../lib/local-env';

export const serveCommand: Command = {
  usage: '[--port N] [--host ADDR] [--workers N]',
  async run(argv) {
    const opts = parseOptions(
      argv,
      { port: { type: 'string' }, host: { type: 'string' }, workers: { type: 'string' } },
      z.object({ port: z.coerce.number().int().min(0).max(65535).optional(), host: z.string().optional(), workers: workersSchema().default(1) }),
    );
    ensureLocalEnv();
    return usingDatabaseTarget(async ({ url }) => {
      await usingMigratedDb(url, async () => undefined);
      const env = {
        ...process.env,
        DATABASE_URL: url,
        PORT: String(opts.port ?? process.env.PORT ?? 3000),
        HOST: opts.host ?? process.env.HOST ?? '127.0.0.1',
      };
      if (opts.workers > 1) return serveCluster(env, opts.workers);
      const app = await startServer(env, { exitOnSignal: false }).catch((err: Error) => {
        throw new CliError(`the API did not start: ${err.message}`);
      });
      // Graceful: drain in-flight requests and close the pool, then stop the embedded database.
      const stop = () => void app.close();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const addr = app.server.address();
      console.log(`loadlab API listening on http://${typeof addr === 'object' && addr ? `${addr.address}:${addr.port}` : addr} (token in .env)`);
      await new Promise<void>((resolve) => app.server.once('close', () => resolve()));
      return 0;
    }, console.log);
  },
};

async function serveCluster(env: NodeJS.ProcessEnv, workers: number): Promise<number> {
  const nodeFlags = (process.env.LOADLAB_SERVER_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const cluster = startCluster({ workers, env, nodeFlags, log: console.error, quietFailure: true });
  try {
    await cluster.ready;
  } catch (err) {
    await cluster.stopped;
    throw new CliError(`the API did not start: ${(err as Error).message}`);
  }
  const pids = [...cluster.pids()].map(([i, pid]) => `${i}:${pid}`).join(' ');
  console.log(`loadlab API listening on http://${env.HOST}:${env.PORT} with ${workers} workers (worker:pid ${pids}; primary ${process.pid}; token in .env)`);
  return cluster.stopped;
}
