// loadlab serve [--port N]: run the API in the foreground on the target database (migrated first).
import { z } from 'zod';
import { startServer } from '../../server/main';
import { parseOptions } from '../lib/args';
import type { Command } from '../lib/command';
import { usingDatabaseTarget, usingMigratedDb } from '../lib/database-target';
import { ensureLocalEnv } from '../lib/local-env';

export const serveCommand: Command = {
  summary: 'run the API server (Ctrl-C to stop)',
  usage: '[--port N] [--host ADDR]',
  async run(argv) {
    const opts = parseOptions(
      argv,
      { port: { type: 'string' }, host: { type: 'string' } },
      z.object({ port: z.coerce.number().int().min(0).max(65535).optional(), host: z.string().optional() }),
    );
    ensureLocalEnv();
    return usingDatabaseTarget(async ({ url }) => {
      await usingMigratedDb(url, async () => undefined);
      const app = await startServer(
        {
          ...process.env,
          DATABASE_URL: url,
          PORT: String(opts.port ?? process.env.PORT ?? 3000),
          HOST: opts.host ?? process.env.HOST ?? '127.0.0.1',
        },
        { exitOnSignal: false },
      );
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
