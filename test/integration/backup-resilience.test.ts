// Resilience and backups on real servers. Resilience: a file deleted or altered on disk is reported
// by name, an unreferenced file is listed, each run adds a growth snapshot. Backup: on the test
// server (embedded PostgreSQL 17) the pg_dump found must be new enough — or the command says in one
// line why it cannot run. The full backup → restore --verify round trip runs on a real PostgreSQL
// whose major version matches the installed client tools, started here from /usr/lib/postgresql/N
// when that exists (Debian's server package), so the round trip is exercised wherever it can be.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../load/cli';
import { findPgTools, serverMajor } from '../../maintenance/backup';
import { runResilience } from '../../maintenance/resilience';
import { usingDatabase } from '../../server/db/database';
import { freePort } from '../../server/db/embedded-postgres';
import { migrateToLatest } from '../../server/db/migrate';
import { insertCleanBase, tempFilesDir } from '../support/care-fixtures';
import { createTestDatabase, type TestDatabase } from '../support/database';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

async function cli(argv: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { ...process.env };
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  Object.assign(process.env, env);
  try {
    return { code: await main(argv), out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    process.env = saved;
  }
}

describe('resilience', () => {
  it('names a deleted file, an altered file and an unreferenced file; adds a growth snapshot per run', async () => {
    const filesDir = await tempFilesDir();
    const base = await insertCleanBase(t.db, filesDir);
    const backupDir = path.join(filesDir, 'no-backups');

    const clean = await runResilience(t.db, { filesDir, backupDir, queryRuns: 1 });
    expect(clean.content).toMatchObject({ referenced: 1, hashed: 1, missing: [], mismatched: [] });
    expect(clean.findings.filter((f) => /content|orphan|on disk/.test(f))).toEqual([]);
    expect(clean.queries.length).toBeGreaterThanOrEqual(5);
    expect(clean.queries.every((q) => q.plan_nodes.length > 0)).toBe(true);
    expect(clean.findings).toContain(`no backup found in ${backupDir} (run loadlab backup)`);

    // Alter one byte in the middle of the file (not in its first kilobyte).
    const content = await readFile(base.storedFile.file);
    content[1500] = content[1500]! ^ 0x01;
    await writeFile(base.storedFile.file, content);
    const altered = await runResilience(t.db, { filesDir, backupDir, queryRuns: 1 });
    expect(altered.content.mismatched.map((m) => m.path)).toEqual([base.storedFile.file]);
    expect(altered.findings.some((f) => f.includes(base.storedFile.file) && f.startsWith('altered content'))).toBe(true);

    // An extra file nobody references, then delete the stored one.
    await writeFile(path.join(filesDir, 'stray.bin'), 'stray');
    await unlink(base.storedFile.file);
    const deleted = await runResilience(t.db, { filesDir, backupDir, queryRuns: 1, sample: 5 });
    expect(deleted.content.missing.map((m) => m.path)).toEqual([base.storedFile.file]);
    expect(deleted.findings).toContain(`missing content: ${base.storedFile.file} (attachments ${deleted.content.missing[0]!.attachment_ids[0]})`);
    expect(deleted.orphaned_files.files).toEqual(['stray.bin']);
    expect(deleted.growth.snapshots).toHaveLength(3);
    expect(deleted.growth.bytes_per_day).not.toBeNull();
  });

  it('resilience --export writes the report to the file', async () => {
    const dir = await tempFilesDir();
    const file = path.join(dir, 'resilience.txt');
    const r = await cli(['resilience', '--export', file], { DATABASE_URL: t.url, FILES_DIR: dir, BACKUP_DIR: dir });
    expect([0, 1]).toContain(r.code);
    const text = await readFile(file, 'utf8');
    for (const section of ['Disk headroom', 'Stored content', 'Database growth', 'Stale records', 'Outliers', 'Canonical queries', 'Unused indexes', 'Backups', 'Findings']) {
      expect(text).toContain(section);
    }
  });
});

describe('backup on the test server', () => {
  it('backs up when a new-enough pg_dump exists, otherwise says why in one line and writes nothing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'loadlab-backup-'));
    const server = await serverMajor(t.db);
    const best = (await findPgTools('pg_dump', ROOT))[0];
    const r = await cli(['backup', '--dir', dir], { DATABASE_URL: t.url });
    if (best && best.major >= server.major) {
      expect(r.code).toBe(0);
      expect(readdirSync(dir).some((f) => f.endsWith('.dump'))).toBe(true);
    } else {
      expect(r.code).toBe(2);
      expect(r.err.split('\n')).toHaveLength(1);
      expect(r.err).toMatch(best ? /is older than the PostgreSQL 17\.\d+ server and cannot dump it/ : /pg_dump not found/);
      expect(readdirSync(dir)).toEqual([]);
    }
  });
});

// A real PostgreSQL matching the installed client tools, when Debian's server package is present.
function matchingServerBin(): string | undefined {
  if (!existsSync('/usr/lib/postgresql')) return undefined;
  for (const v of readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))) {
    const bin = path.join('/usr/lib/postgresql', v, 'bin');
    if (['initdb', 'pg_ctl', 'postgres', 'pg_dump', 'pg_restore'].every((b) => existsSync(path.join(bin, b)))) return bin;
  }
  return undefined;
}
const serverBin = matchingServerBin();

describe.skipIf(!serverBin)('backup → restore --verify round trip (PostgreSQL from /usr/lib/postgresql)', () => {
  let dataRoot: string;
  let url: string;
  const asPg = (cmd: string, args: string[]) =>
    process.getuid?.() === 0 ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' }) : execFileSync(cmd, args, { stdio: 'pipe' });

  beforeAll(async () => {
    dataRoot = await mkdtemp(path.join(tmpdir(), 'loadlab-pgdump-'));
    await chmod(dataRoot, 0o777);
    const port = await freePort();
    asPg(path.join(serverBin!, 'initdb'), ['-D', path.join(dataRoot, 'data'), '-U', 'postgres', '--auth=trust']);
    asPg(path.join(serverBin!, 'pg_ctl'), ['-D', path.join(dataRoot, 'data'), '-w', '-l', path.join(dataRoot, 'log'), '-o', `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`, 'start']);
    const admin = `postgres://postgres@127.0.0.1:${port}/postgres`;
    await usingDatabase(admin, async (db) => {
      const { sql } = await import('kysely');
      await sql`create database care_backup`.execute(db);
    });
    url = `postgres://postgres@127.0.0.1:${port}/care_backup`;
    await usingDatabase(url, async (db) => {
      await migrateToLatest(db);
      await insertCleanBase(db, await tempFilesDir());
    });
  });
  afterAll(async () => {
    if (dataRoot) {
      try {
        asPg(path.join(serverBin!, 'pg_ctl'), ['-D', path.join(dataRoot, 'data'), '-m', 'fast', 'stop']);
      } catch {
        // already stopped
      }
      await rm(dataRoot, { recursive: true, force: true });
    }
  });

  it('backs up, restores into a scratch database with equal row counts, and catches a count that differs', async () => {
    const dir = path.join(dataRoot, 'backups');
    const b = await cli(['backup', '--dir', dir], { DATABASE_URL: url });
    expect(b.err).toBe('');
    expect(b.code).toBe(0);
    const dump = readdirSync(dir).find((f) => f.endsWith('.dump'))!;
    const file = path.join(dir, dump);
    const v = await cli(['restore', '--verify', file], { DATABASE_URL: url });
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/ok\s+members\s+backup\s+5\s+restored\s+5\n/);
    expect(v.out).toContain('verified:');

    // The recorded counts say 6 members: the restore no longer matches.
    const countsFile = `${file}.counts.json`;
    const counts = JSON.parse(await readFile(countsFile, 'utf8'));
    counts.counts.members = 6;
    await writeFile(countsFile, JSON.stringify(counts));
    const bad = await cli(['restore', '--verify', file], { DATABASE_URL: url });
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/DIFF\s+members\s+backup\s+6\s+restored\s+5\n/);
  });
});
