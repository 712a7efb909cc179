// The seeder is reproducible and safe: the same seed gives byte-identical tables, a different seed
// different ones; it refuses data it would overwrite (unless --truncate) and production targets;
// bad input and a failure mid-load leave the database exactly as it was.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_TABLES, type Database } from '../../server/db/schema';
import { storagePath } from '../../server/files/storage-path';
import { isDatabaseEmpty, productionMarker, SEEDED_TABLES, SeedError, seedDatabase, type SeedOptions } from '../../seeds/seed';
import { createTestDatabase, type TestDatabase } from '../support/database';

/** A small but complete data set: the dev shape at 1/5 (100 members, ~4,000 jobs). */
const SMALL: SeedOptions = { profile: 'dev', scale: 0.2, seed: 7, truncate: false };

/** md5 of every data table's rows in id order (all columns, as PostgreSQL prints them). */
async function tableHashes(db: Kysely<Database>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of DATA_TABLES) {
    const r = await sql<{ h: string | null; n: number }>`
      select md5(coalesce(string_agg(t::text, E'\n' order by t.id), '')) as h, count(*) as n from ${sql.table(table)} t`.execute(db);
    out[table] = `${r.rows[0]!.n}:${r.rows[0]!.h}`;
  }
  return out;
}

const databases: TestDatabase[] = [];
async function fresh(): Promise<TestDatabase> {
  const t = await createTestDatabase();
  databases.push(t);
  return t;
}
afterAll(async () => {
  await Promise.all(databases.map((d) => d.drop()));
});

describe('reproducibility', () => {
  let a: Record<string, string>;
  let b: Record<string, string>;
  let c: Record<string, string>;
  beforeAll(async () => {
    const [da, db, dc] = [await fresh(), await fresh(), await fresh()];
    await seedDatabase(da.url, SMALL);
    await seedDatabase(db.url, SMALL);
    await seedDatabase(dc.url, { ...SMALL, seed: 8 });
    [a, b, c] = [await tableHashes(da.db), await tableHashes(db.db), await tableHashes(dc.db)];
  });

  it('gives byte-identical tables (timestamps included) for the same seed in two fresh databases', () => {
    for (const table of SEEDED_TABLES) expect(a[table], table).toMatch(/^[1-9]\d*:/);
    expect(b).toEqual(a);
  });

  it('gives different data for a different seed', () => {
    for (const table of ['members', 'member_employments', 'organizations', 'file_attachments']) expect(c[table], table).not.toBe(a[table]);
  });
});

describe('safety', () => {
  let t: TestDatabase;
  let seeded: Record<string, string>;
  beforeAll(async () => {
    t = await fresh();
    await seedDatabase(t.url, SMALL);
    seeded = await tableHashes(t.db);
  });

  it('refuses a database that already has data without --truncate, and changes nothing', async () => {
    await expect(seedDatabase(t.url, { ...SMALL, seed: 9 })).rejects.toThrow(/already has data \(.*members.*\); pass --truncate/);
    expect(await tableHashes(t.db)).toEqual(seeded);
  });

  it('counts audit rows as data too', async () => {
    const other = await fresh();
    await other.db.insertInto('audit_logs').values({ table_name: 'members', record_id: 1, action: 'insert', new_values: '{}' }).execute();
    expect(await isDatabaseEmpty(other.db)).toBe(false);
    await expect(seedDatabase(other.url, SMALL)).rejects.toThrow(/already has data \(audit_logs\)/);
  });

  it('leaves everything as it was when the seed fails mid-load (truncate included)', async () => {
    let loaded: string[] = [];
    const failing = seedDatabase(t.url, {
      ...SMALL,
      seed: 9,
      truncate: true,
      onTableLoaded: (table) => {
        loaded.push(table);
        if (table === 'member_employments') throw new Error('injected failure after member_employments');
      },
    });
    await expect(failing).rejects.toThrow('injected failure');
    expect(loaded).toContain('members');
    expect(await tableHashes(t.db)).toEqual(seeded);
    const open = await sql<{ n: number }>`select count(*) as n from pg_stat_activity where datname = ${t.name} and application_name = 'loadlab-seed'`.execute(t.db);
    expect(Number(open.rows[0]!.n)).toBe(0); // the seeder's connection is closed after a failure too
    // …and a failed seed into an empty database leaves it empty, schema intact.
    const empty = await fresh();
    loaded = [];
    await expect(
      seedDatabase(empty.url, { ...SMALL, onTableLoaded: (table) => { if (table === 'file_attachments') throw new Error('injected failure at the end'); } }),
    ).rejects.toThrow('injected failure');
    expect(await isDatabaseEmpty(empty.db)).toBe(true);
    const indexes = await sql<{ n: number }>`select count(*) as n from pg_indexes where indexname = 'member_employments_one_current_idx'`.execute(empty.db);
    expect(Number(indexes.rows[0]!.n)).toBe(1);
  });

  it('--truncate replaces every row (audit rows included) and restarts identities', async () => {
    await t.db.insertInto('audit_logs').values({ table_name: 'members', record_id: 1, action: 'update', new_values: '{}' }).execute();
    const summary = await seedDatabase(t.url, { ...SMALL, seed: 9, truncate: true });
    const after = await tableHashes(t.db);
    expect(after.audit_logs).toBe('0:d41d8cd98f00b204e9800998ecf8427e');
    expect(after.members).not.toBe(seeded.members);
    const fresh9 = await fresh();
    await seedDatabase(fresh9.url, { ...SMALL, seed: 9 });
    expect(after).toEqual(await tableHashes(fresh9.db));
    const ids = await sql<{ lo: number; hi: number }>`select min(id) as lo, max(id) as hi from members`.execute(t.db);
    expect([Number(ids.rows[0]!.lo), Number(ids.rows[0]!.hi)]).toEqual([1, summary.rows.members]);
  });

  it('refuses a database marked production, and NODE_ENV=production', async () => {
    const prod = await fresh();
    await prod.db.executeQuery(sql.raw(`alter database ${prod.name} set loadlab.environment = 'production'`).compile(prod.db));
    await expect(seedDatabase(prod.url, SMALL)).rejects.toThrow(/refusing to seed .*loadlab\.environment = 'production'/);
    expect(await isDatabaseEmpty(prod.db)).toBe(true);
    const client = new pg.Client({ connectionString: t.url });
    await client.connect();
    try {
      expect(await productionMarker(client, { NODE_ENV: 'production' })).toBe('NODE_ENV=production');
      expect(await productionMarker(client, { NODE_ENV: 'development' })).toBeNull();
    } finally {
      await client.end();
    }
  });

  it('rejects bad options with a SeedError naming the problem, before touching the database', async () => {
    const cases: [Partial<SeedOptions>, RegExp][] = [
      [{ profile: 'huge' as never }, /unknown profile 'huge'/],
      [{ scale: -1 }, /scale must be a number above 0/],
      [{ scale: 0 }, /scale must be a number above 0/],
      [{ scale: 1e6 }, /scale 1000000 is too large/],
      [{ seed: -3 }, /seed must be a whole number/],
      [{ asOf: '2026-02-30' }, /as-of: not a calendar date/],
      [{ withFiles: true, fileScale: 2 }, /file scale must be above 0 and at most 1/],
    ];
    const before = await tableHashes(t.db);
    for (const [bad, message] of cases) {
      const err = await seedDatabase(t.url, { ...SMALL, truncate: true, ...bad }).catch((e: unknown) => e);
      expect(err, JSON.stringify(bad)).toBeInstanceOf(SeedError);
      expect((err as Error).message).toMatch(message);
    }
    expect(await tableHashes(t.db)).toEqual(before);
  });

  it('reports an unreachable database in one line', async () => {
    const err = await seedDatabase('postgres://nobody:secret@127.0.0.1:1/nothing', SMALL).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SeedError);
    expect((err as Error).message).toMatch(/^cannot reach PostgreSQL at 127\.0\.0\.1:1\/nothing: ECONNREFUSED/);
    expect((err as Error).message).not.toContain('\n');
  });
});

describe('--with-files', () => {
  it('writes content-addressed files whose sha256 and size match the rows, identically for the same seed', async () => {
    const dirA = mkdtempSync(path.join(tmpdir(), 'loadlab-files-'));
    const dirB = mkdtempSync(path.join(tmpdir(), 'loadlab-files-'));
    const [a, b] = [await fresh(), await fresh()];
    const opts: SeedOptions = { ...SMALL, scale: 0.05, withFiles: true, fileScale: 0.0005 };
    const summary = await seedDatabase(a.url, { ...opts, filesDir: dirA });
    await seedDatabase(b.url, { ...opts, filesDir: dirB });
    const rows = await a.db.selectFrom('file_attachments').select(['id', 'sha256', 'storage_key', 'size_bytes', 'mime_type']).orderBy('id').execute();
    expect(rows.length).toBeGreaterThan(50);
    expect(summary.files?.written).toBe(new Set(rows.map((r) => r.sha256)).size);
    for (const r of rows) {
      expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(r.storage_key).toBe(`${r.sha256!.slice(0, 2)}/${r.sha256!.slice(2, 4)}/${r.sha256}`);
      const content = readFileSync(storagePath(dirA, r.sha256!));
      expect(content.length).toBe(r.size_bytes);
      expect(createHash('sha256').update(content).digest('hex')).toBe(r.sha256);
      if (r.mime_type === 'application/pdf') expect(content.subarray(0, 5).toString()).toBe('%PDF-');
      if (r.mime_type === 'image/jpeg') expect(content.subarray(0, 3).toString('hex')).toBe('ffd8ff');
    }
    expect(await tableHashes(b.db)).toEqual(await tableHashes(a.db));
    expect(readdirSync(dirB).sort()).toEqual(readdirSync(dirA).sort());
  });

  it('removes the files it wrote when the seed fails', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'loadlab-files-'));
    const t = await fresh();
    await expect(
      seedDatabase(t.url, {
        ...SMALL,
        scale: 0.05,
        withFiles: true,
        filesDir: dir,
        onTableLoaded: (table) => {
          if (table === 'file_attachments') throw new Error('injected failure after the files');
        },
      }),
    ).rejects.toThrow('injected failure');
    const left: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) (e.isDirectory() ? walk : (f: string) => left.push(f))(path.join(d, e.name));
    };
    if (existsSync(dir)) walk(dir);
    expect(left).toEqual([]);
  });
});

describe('loadlab seed (CLI)', () => {
  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ['bin/loadlab.mjs', 'seed', ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });

  it.each([
    [['--profile', 'huge'], /--profile: unknown profile 'huge' \(choose dev or stress\)/],
    [['--scale=-2'], /--scale: scale must be above 0/],
    [['--scale', '5000'], /--scale: scale must be at most 100/],
    [['--seed', 'abc'], /--seed: seed must be a number/],
  ])('%j → exit 2 with one line', (args, message) => {
    const run = cli(args, { DATABASE_URL: 'postgres://nobody:x@127.0.0.1:1/none' });
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('reports an unreachable database in one line, exit 2', () => {
    const run = cli(['--profile', 'dev'], { DATABASE_URL: 'postgres://nobody:x@127.0.0.1:1/none' });
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toMatch(/^loadlab seed: cannot reach PostgreSQL at 127\.0\.0\.1:1\/none/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses NODE_ENV=production', () => {
    const run = cli(['--profile', 'dev'], { DATABASE_URL: 'postgres://nobody:x@127.0.0.1:1/none', NODE_ENV: 'production' });
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe('loadlab seed: refusing to seed: NODE_ENV=production');
  });

  it('seeds a database, writes the id pool, then refuses to seed it again without --truncate', async () => {
    const t = await fresh();
    const pool = path.join(mkdtempSync(path.join(tmpdir(), 'loadlab-pool-')), 'pool.json');
    const first = cli(['--profile', 'dev', '--scale', '0.1', '--seed', '3', '--pool-file', pool], { DATABASE_URL: t.url });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toBe(''); // no progress bars when stderr is not a terminal
    expect(first.stdout).toMatch(/^total\s+[\d,]+\s+[\d.]+\s+[\d,]+$/m);
    expect(JSON.parse(readFileSync(pool, 'utf8')).memberIds).toHaveLength(50);
    const again = cli(['--profile', 'dev', '--scale', '0.1'], { DATABASE_URL: t.url });
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/already has data .*pass --truncate/);
  });
});
