// `loadlab load --read-replica` end to end (issue 15): the CLI's own embedded PostgreSQL, a real
// streaming replica made from it (base backup + standby.signal), the API with DATABASE_READ_URL on
// it, real k6. What the run's own report must show: the cached reads' database reads were answered
// by the replica (the server's db_reads_total in Server View), the writes went to the primary and
// every acknowledged write reads back exactly through the API while the replica serves (Data
// Safety, lost 0), and afterwards nothing is left: no process, no replica folder, no replication
// slot on the primary. One short run on a data folder of its own (LOADLAB_PG_DIR), removed at the end.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { readSummary } from '../../load/report/summary';
import { startEmbeddedPostgres } from '../../server/db/embedded-postgres';
import { placedDataDir } from '../../server/db/embedded-postgres-home';
import { tempReportsDir } from '../support/cli';
import { noneLeft, QUIET, registryOf, reportDirIn, startCliJob, tempRunsDir, waitFor, type Registry } from '../support/run-process';

const pgDir = path.resolve('.data', `pg-replica-run-${process.pid}`);
afterAll(() => {
  for (const d of [pgDir, `${pgDir}-replica`]) rmSync(placedDataDir(d), { recursive: true, force: true });
});

describe('loadlab load --read-replica', () => {
  it('reads from the replica, writes to the primary, no write lost or read stale, nothing left behind', async () => {
    const runsDir = tempRunsDir();
    const reportsDir = tempReportsDir();
    const job = startCliJob(['load', '--users', '6', '--ops', '60', '--think-time', '20', '--ramp-up', '0', '--pattern', 'mixed', '--read-replica', '--duration', '60s'], {
      ...QUIET,
      LOADLAB_PG_DIR: pgDir,
      LOADLAB_REPORTS_DIR: reportsDir,
      LOADLAB_RUNS_DIR: runsDir,
    });
    // What the run guards while k6 runs: the watchdog, both PostgreSQL clusters, the API, k6.
    let reg: Registry | undefined;
    await waitFor('the run registry naming k6', () => {
      const r = registryOf(runsDir, job.pid);
      if (r?.children.some((c) => c.label === 'k6')) reg = r;
      return reg;
    }, 120_000, job);
    const r = await job.done;
    expect(r.status, job.output()).toBe(0);
    expect(reg!.children.filter((c) => c.label === 'embedded PostgreSQL')).toHaveLength(2);
    expect(r.stdout).toMatch(/streaming replica on 127\.0\.0\.1:\d+ \(slot loadlab_replica_\d+_\d+\)/);

    const dir = reportDirIn(reportsDir, 'load')!;
    const summary = readSummary(path.join(dir, 'summary.json'));
    expect(summary.config.data).toContain('cached reads from a streaming replica');
    // The replica is a second PostgreSQL on the same cores: its CPU counts as PostgreSQL's.
    expect(summary.resources?.sources.postgres).toMatch(/with the streaming replica: postmaster pid \d+ and all its children/);
    // Server View: the server counted every request k6 sent, and its routed reads by who answered.
    expect(summary.server_view.available).toBe(true);
    expect(summary.server_view.mismatches).toEqual([]);
    const reads = summary.server_view.reads_from!;
    expect(reads.replica).toBeGreaterThan(0);
    expect(reads.replica + reads.primary).toBeLessThanOrEqual(summary.server_view.cache_lookups_server!);
    const report = readFileSync(path.join(dir, 'report.txt'), 'utf8');
    expect(report).toMatch(new RegExp(`Read replica \\(DATABASE_READ_URL\\): the cached reads' database reads went ${reads.replica.toLocaleString('en-US')} to the replica \\(\\d+\\.\\d%\\), ${reads.primary.toLocaleString('en-US')} to the primary`));
    // Writes: a standby refuses them, so every acknowledged one went to the primary; each reads back
    // through the API, whose reads use the replica (Data Safety runs while it still serves).
    expect(summary.totals.failed).toBe(0);
    expect(summary.data_safety.acknowledged).toBeGreaterThan(0);
    expect(summary.data_safety).toMatchObject({ verified: summary.data_safety.acknowledged, lost: 0 });
    const serverLog = readFileSync(path.join(dir, 'server.log'), 'utf8');
    expect(serverLog).not.toMatch(/read-only transaction/);

    // Nothing left: processes, the replica's folder, the primary's replication slot.
    await noneLeft(reg!);
    expect(registryOf(runsDir, job.pid)).toBeUndefined();
    expect(existsSync(placedDataDir(`${pgDir}-replica`))).toBe(false);
    const primary = await startEmbeddedPostgres({ dataDir: pgDir });
    try {
      const c = new pg.Client({ connectionString: primary.adminUrl });
      await c.connect();
      try {
        expect((await c.query('select slot_name from pg_replication_slots')).rows).toEqual([]);
      } finally {
        await c.end();
      }
    } finally {
      await primary.stop();
    }
  }, 180_000);
});
