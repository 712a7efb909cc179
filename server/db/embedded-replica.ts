// A real streaming replica of an embedded PostgreSQL, from the same binaries, made the way a DBA
// makes one by hand: a physical replication slot (so the primary keeps the WAL the replica still
// needs), the low-level base backup (pg_backup_start, a copy of the data folder, pg_backup_stop's
// backup_label), standby.signal and primary_conninfo (with application_name, so the primary's
// pg_stat_replication names it). Used by `loadlab load --read-replica` and the replica tests.
import { statSync } from 'node:fs';
import { appendFile, chmod, chown, cp, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded-postgres';
import { placedDataDir, runsAsPostgresUser } from './embedded-postgres-home';

export interface EmbeddedReplica extends EmbeddedPostgresHandle {
  /** the primary's replication slot this replica streams from */
  slot: string;
  /** primary_conninfo's application_name */
  applicationName: string;
}

/** Not copied from a running primary: its WAL (streamed instead), pid file, slots, temporary files. */
const SKIP_CONTENTS = new Set(['pg_wal', 'pg_replslot', 'pg_stat_tmp', 'pg_dynshmem', 'pg_notify', 'pg_serial', 'pg_snapshots', 'pg_subtrans']);
const SKIP_FILES = new Set(['postmaster.pid', 'postmaster.opts', 'backup_label', 'tablespace_map', 'standby.signal', 'recovery.signal']);

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await chown(dir, uid, gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(p, uid, gid);
    else await chown(p, uid, gid);
  }
}

export async function startEmbeddedReplica(
  primary: EmbeddedPostgresHandle,
  o: { dataDir: string; applicationName?: string; settings?: Record<string, string | number> },
): Promise<EmbeddedReplica> {
  const dir = placedDataDir(o.dataDir);
  const applicationName = o.applicationName ?? 'loadlab-replica';
  const slot = `loadlab_replica_${process.pid}_${Date.now() % 1_000_000}`;
  const admin = new URL(primary.adminUrl);
  await rm(dir, { recursive: true, force: true });
  const client = new pg.Client({ connectionString: primary.adminUrl });
  await client.connect();
  try {
    await client.query('select pg_create_physical_replication_slot($1, true)', [slot]);
    await client.query('select pg_backup_start($1, true)', [`loadlab replica ${slot}`]);
    await cp(primary.dataDir, dir, {
      recursive: true,
      filter: (src) => {
        const rel = path.relative(primary.dataDir, src);
        if (rel === '') return true;
        const parts = rel.split(path.sep);
        if (parts.length === 1 && SKIP_FILES.has(parts[0]!)) return false;
        return !(parts.length > 1 && SKIP_CONTENTS.has(parts[0]!));
      },
    });
    const { rows } = await client.query<{ labelfile: string; spcmapfile: string | null }>('select labelfile, spcmapfile from pg_backup_stop(true)');
    await writeFile(path.join(dir, 'backup_label'), rows[0]!.labelfile);
    if (rows[0]!.spcmapfile) await writeFile(path.join(dir, 'tablespace_map'), rows[0]!.spcmapfile);
  } catch (err) {
    await client.query('select pg_drop_replication_slot($1)', [slot]).catch(() => {});
    throw err;
  } finally {
    await client.end();
  }
  for (const d of SKIP_CONTENTS) await mkdir(path.join(dir, d), { recursive: true });
  await mkdir(path.join(dir, 'pg_wal', 'archive_status'), { recursive: true });
  await writeFile(path.join(dir, 'standby.signal'), '');
  const conninfo = `host=127.0.0.1 port=${primary.port} user=${decodeURIComponent(admin.username)} password=${decodeURIComponent(admin.password)} application_name=${applicationName}`;
  await appendFile(path.join(dir, 'postgresql.auto.conf'), `\n# streaming replica of 127.0.0.1:${primary.port}\nprimary_conninfo = '${conninfo}'\nprimary_slot_name = '${slot}'\n`);
  if (runsAsPostgresUser()) {
    const owner = statSync(primary.dataDir);
    await chownTree(dir, owner.uid, owner.gid);
  }
  await chmod(dir, 0o700);
  await stat(dir);
  const handle = await startEmbeddedPostgres({ dataDir: o.dataDir, ephemeral: true, standby: true, settings: { hot_standby: 'on', ...o.settings } });
  return {
    ...handle,
    slot,
    applicationName,
    async stop() {
      await handle.stop();
      const c = new pg.Client({ connectionString: primary.adminUrl });
      await c
        .connect()
        .then(() => c.query('select pg_drop_replication_slot($1)', [slot]))
        .catch(() => {})
        .finally(() => c.end().catch(() => {}));
    },
  };
}
