// Where the database's CPU can be seen from: a PostgreSQL server on this machine is found through
// one of its own backends (pg_backend_pid(), whose parent process is the postmaster), so the
// sampler can add up the whole cluster (postmaster, backends, background workers). A server on
// another host cannot be seen in /proc: then only its statistics views can say anything (active
// backends from pg_stat_activity), and the report says so.
import pg from 'pg';
import { readProc } from './process-tree';

export type PostgresVisibility =
  | { kind: 'local'; postmasterPid: number; /** a streaming replica on this machine (--read-replica): its CPU counts as PostgreSQL's too */ replicaPid?: number; note: string }
  | { kind: 'remote'; note: string; activeBackends: () => Promise<number | null>; close: () => Promise<void> };

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]', '']);

/** Finds the postmaster of the server behind `url` when it runs here; otherwise a remote probe. */
export async function locatePostgres(url: string): Promise<PostgresVisibility> {
  const host = new URL(url).hostname;
  const client = new pg.Client({ connectionString: url, application_name: 'loadlab-sampler' });
  await client.connect();
  let keep = false;
  try {
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    const backend = readProc(Number(rows[0]!.pid));
    const postmaster = backend ? readProc(backend.ppid) : undefined;
    if (LOCAL_HOSTS.has(host) && backend && postmaster && /postgres|postmaster/.test(postmaster.comm)) {
      return { kind: 'local', postmasterPid: postmaster.pid, note: `local cluster: postmaster pid ${postmaster.pid} and all its children` };
    }
    keep = true;
    return {
      kind: 'remote',
      note: `PostgreSQL at ${host} is not a process on this machine: no CPU figures; active backends from pg_stat_activity only`,
      activeBackends: async () => {
        try {
          const r = await client.query<{ n: string }>(
            "select count(*) as n from pg_stat_activity where datname = current_database() and state = 'active' and pid <> pg_backend_pid()",
          );
          return Number(r.rows[0]!.n);
        } catch {
          return null;
        }
      },
      close: () => client.end(),
    };
  } finally {
    if (!keep) await client.end();
  }
}
