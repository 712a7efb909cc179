// The server a run loads: either `--target URL` (checked through /health; a production target
// needs --force) or our own API process on our own database (embedded unless DATABASE_URL),
// migrated and seeded with the dev profile when empty. Closed when the callback is done.
import path from 'node:path';
import type { ProfileName } from '../../seeds/profiles';
import { isDatabaseEmpty, seedDatabase } from '../../seeds/seed';
import { CliError } from './cli-error';
import { ApiClient } from './data-pool';
import { embeddedDataDir, usingDatabaseTarget, usingFreshDatabase, usingMigratedDb } from './database-target';
import { ensureLocalEnv } from './local-env';
import { locatePostgres, type PostgresVisibility } from './postgres-process';
import { startServerProcess, type ServerProcess } from './server-process';
import { startEmbeddedReplica, type EmbeddedReplica } from '../../server/db/embedded-replica';

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
  /** Where the database's resource use can be seen from (own database only). */
  postgres?: PostgresVisibility;
  /** Our own API process: how and when it exited, if it died during the run. */
  server?: ServerProcess;
  /** After our server died: a new API process on the same database (server-after-fault.log), to verify writes. */
  reviveServer?: () => Promise<ApiClient>;
}

export interface LoadTargetOptions {
  target?: string;
  force?: boolean;
  seed?: number;
  /** Directory for server.log. */
  logDir: string;
  /** Extra env for our own server (e.g. CACHE_ENABLED=false). */
  serverEnv?: Record<string, string>;
  /** Processes of our own server (--server-workers; default 1). */
  serverWorkers?: number;
  /**
   * --read-replica: a streaming replica of the embedded PostgreSQL (server/db/embedded-replica.ts),
   * started before the data is seeded, and our server's DATABASE_READ_URL pointing at it.
   */
  readReplica?: boolean;
  /**
   * A new database of its own (in the embedded cluster, or on DATABASE_URL's server), migrated and
   * seeded with this profile, dropped afterwards: every run with it starts from the same data.
   */
  freshDatabase?: { profile: ProfileName };
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

/** --read-replica needs our own server on the embedded PostgreSQL: refused in one line before anything starts. */
export function checkReadReplica(o: { target?: string; readReplica?: boolean }): void {
  if (!o.readReplica) return;
  if (o.target) throw new CliError('--read-replica runs our own server on a replica of the embedded PostgreSQL; with --target the target decides where it reads');
  if (process.env.DATABASE_URL) throw new CliError('--read-replica makes a replica of the embedded PostgreSQL; with DATABASE_URL set, set DATABASE_READ_URL to your own replica instead');
}

export async function usingLoadTarget<T>(o: LoadTargetOptions, cb: (t: LoadTarget) => Promise<T>): Promise<T> {
  checkReadReplica(o);
  const { apiToken } = ensureLocalEnv();
  const log = o.log ?? console.log;
  if (o.target) {
    const token = process.env.LOADLAB_TARGET_TOKEN ?? apiToken;
    const api = new ApiClient(o.target.replace(/\/$/, ''), token);
    await checkTargetHealth(api, o.force ?? false);
    return cb({ baseUrl: api.baseUrl, token, ownServer: false, data: 'as found on the target', api });
  }
  return usingDatabaseTarget(async (server) => {
    let replica: EmbeddedReplica | undefined;
    if (o.readReplica) {
      if (!server.handle) throw new CliError('--read-replica makes a replica of the embedded PostgreSQL; with DATABASE_URL set, set DATABASE_READ_URL to your own replica instead');
      log('starting a streaming replica of the embedded PostgreSQL (base backup + standby.signal) ...');
      // Beside the primary's folder (pg → pg-replica), so a run on LOADLAB_PG_DIR has its own.
      replica = await startEmbeddedReplica(server.handle, { dataDir: `${embeddedDataDir()}-replica`, applicationName: 'loadlab-replica' });
      log(`streaming replica on 127.0.0.1:${replica.port} (slot ${replica.slot})`);
    }
    try {
      return await onDatabase(server, replica);
    } finally {
      await replica?.stop();
    }
  }, log);

  async function onDatabase(server: { url: string; embedded: boolean }, replica: EmbeddedReplica | undefined): Promise<T> {
    const readUrl = (url: string) => {
      if (!replica) return undefined;
      const u = new URL(url);
      u.port = String(replica.port);
      return u.toString();
    };
    const withServer = (url: string, embedded: boolean, initial: string) => startOwnServer(url, embedded, initial, readUrl(url), replica?.pid());
    if (!o.freshDatabase) return withServer(server.url, server.embedded, 'existing rows');
    const { profile } = o.freshDatabase;
    return usingFreshDatabase(server.url, async (url, name) => {
      await usingMigratedDb(url, async () => {});
      log(`seeding a fresh database ${name} with the ${profile} profile (seed ${o.seed ?? 46}) ...`);
      await seedDatabase(url, { profile, seed: o.seed ?? 46, truncate: false, log });
      return withServer(url, server.embedded, `${profile} profile, seed ${o.seed ?? 46}, in a fresh database ${name} seeded for this run`);
    });
  }

  async function startOwnServer(url: string, embedded: boolean, initial: string, readUrl: string | undefined, replicaPid: number | undefined): Promise<T> {
    let data = initial;
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
      env: { ...o.serverEnv, ...(readUrl ? { DATABASE_READ_URL: readUrl } : {}) },
      workers: o.serverWorkers,
    });
    let postgres: PostgresVisibility | undefined;
    let revived: ServerProcess | undefined;
    const reviveServer = async () => {
      revived ??= await startServerProcess({ databaseUrl: url, apiToken, logFile: path.join(o.logDir, 'server-after-fault.log'), env: o.serverEnv });
      return new ApiClient(revived.baseUrl, apiToken);
    };
    try {
      postgres = await locatePostgres(url).catch(() => undefined);
      if (postgres?.kind === 'local' && replicaPid) postgres = { ...postgres, replicaPid, note: `${postgres.note}; with the streaming replica: postmaster pid ${replicaPid} and all its children` };
      return await cb({
        baseUrl: server.baseUrl,
        token: apiToken,
        ownServer: true,
        data: `${data} (${embedded ? 'embedded PostgreSQL' : 'DATABASE_URL'}; own API: ${o.serverWorkers ?? 1} ${(o.serverWorkers ?? 1) > 1 ? 'cluster workers' : 'process'}${readUrl ? '; cached reads from a streaming replica' : ''})`,
        api: new ApiClient(server.baseUrl, apiToken),
        serverPid: server.pid,
        databaseUrl: url,
        postgres,
        server,
        reviveServer,
      });
    } finally {
      if (postgres?.kind === 'remote') await postgres.close().catch(() => {});
      await server.stop();
      await revived?.stop();
    }
  }
}

/** What the resource sampler can see of the target's PostgreSQL. */
export function samplerPostgres(t: LoadTarget): { postmasterPid: number; replicaPid?: number; note: string } | { activeBackends: () => Promise<number | null>; note: string } | { note: string } {
  if (!t.ownServer) return { note: 'the database behind --target is not known to the harness: no figures' };
  if (!t.postgres) return { note: 'the database could not be located: no figures' };
  return t.postgres.kind === 'local' ? { postmasterPid: t.postgres.postmasterPid, replicaPid: t.postgres.replicaPid, note: t.postgres.note } : { activeBackends: t.postgres.activeBackends, note: t.postgres.note };
}
