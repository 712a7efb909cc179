// The server a run loads: either `--target URL` (checked through /health; a production target
// needs --force) or our own API process on our own database (embedded unless DATABASE_URL),
// migrated and seeded with the dev profile when empty. Closed when the callback is done.
import path from 'node:path';
import { isDatabaseEmpty, seedDatabase } from '../../seeds/seed';
import { CliError } from './cli-error';
import { ApiClient } from './data-pool';
import { usingDatabaseTarget, usingMigratedDb } from './database-target';
import { ensureLocalEnv } from './local-env';
import { startServerProcess } from './server-process';

export interface LoadTarget {
  baseUrl: string;
  token: string;
  ownServer: boolean;
  /** What data the target holds, for the report. */
  data: string;
  api: ApiClient;
  /** PID of our own API process (for CPU/memory sampling), when ownServer. */
  serverPid?: number;
  /** Database URL when we own the database (for post-run verification). */
  databaseUrl?: string;
}

export interface LoadTargetOptions {
  target?: string;
  force?: boolean;
  seed?: number;
  /** Directory for server.log. */
  logDir: string;
  /** Extra env for our own server (e.g. CACHE_ENABLED=false). */
  serverEnv?: Record<string, string>;
  log?: (line: string) => void;
}

export async function checkTargetHealth(api: ApiClient, force: boolean): Promise<{ env?: string }> {
  const health = await api.get<{ env?: string; status?: string }>('/health').catch((err: Error) => {
    throw new CliError(`target ${api.baseUrl} is unreachable: ${(err.cause as Error)?.message ?? err.message}`);
  });
  if (health.status !== 200) throw new CliError(`target ${api.baseUrl}/health answered ${health.status}`);
  if (health.body?.env === 'production' && !force) {
    throw new CliError(`target ${api.baseUrl} says env=production; pass --force to load-test it anyway`);
  }
  const probe = await api.get('/api/v1/members?limit=1');
  if (probe.status === 401) throw new CliError(`target ${api.baseUrl} rejected the API token (set LOADLAB_TARGET_TOKEN)`);
  return health.body ?? {};
}

export async function usingLoadTarget<T>(o: LoadTargetOptions, cb: (t: LoadTarget) => Promise<T>): Promise<T> {
  const { apiToken } = ensureLocalEnv();
  const log = o.log ?? console.log;
  if (o.target) {
    const token = process.env.LOADLAB_TARGET_TOKEN ?? apiToken;
    const api = new ApiClient(o.target.replace(/\/$/, ''), token);
    await checkTargetHealth(api, o.force ?? false);
    return cb({ baseUrl: api.baseUrl, token, ownServer: false, data: 'as found on the target', api });
  }
  return usingDatabaseTarget(async ({ url, embedded }) => {
    let data = 'existing rows';
    await usingMigratedDb(url, async (db) => {
      if (await isDatabaseEmpty(db)) {
        await seedDatabase(url, { profile: 'dev', seed: o.seed ?? 46, truncate: false, log });
        data = `dev profile, seed ${o.seed ?? 46}, seeded for this run`;
      }
      // Runs write (members, jobs, contacts), so a reused database grows from run to run: say how big it is.
      const { members, employments } = await db
        .selectNoFrom((eb) => [
          eb.selectFrom('members').select((e) => e.fn.countAll<number>().as('n')).as('members'),
          eb.selectFrom('member_employments').select((e) => e.fn.countAll<number>().as('n')).as('employments'),
        ])
        .executeTakeFirstOrThrow();
      data += `: ${Number(members).toLocaleString('en-US')} members, ${Number(employments).toLocaleString('en-US')} employments at the start`;
    });
    const server = await startServerProcess({
      databaseUrl: url,
      apiToken,
      logFile: path.join(o.logDir, 'server.log'),
      env: o.serverEnv,
    });
    try {
      return await cb({
        baseUrl: server.baseUrl,
        token: apiToken,
        ownServer: true,
        data: `${data} (${embedded ? 'embedded PostgreSQL' : 'DATABASE_URL'})`,
        api: new ApiClient(server.baseUrl, apiToken),
        serverPid: server.pid,
        databaseUrl: url,
      });
    } finally {
      await server.stop();
    }
  }, log);
}
