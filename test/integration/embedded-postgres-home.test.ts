// The embedded PostgreSQL from a private folder: as root it must run as the postgres OS user from
// binaries and data that user can reach, even when the requested data folder is inside a mode-700
// folder (a clone under /root, a `mktemp -d` folder). The root case runs only when the tests run as
// root. And loading the library must not swallow a process's exit code.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { firstClosedAncestor, homeFor, placedDataDir, postgresHome } from '../../server/db/embedded-postgres-home';
import { startEmbeddedPostgres } from '../../server/db/embedded-postgres';

const isRoot = process.getuid?.() === 0;
const privateDir = mkdtempSync(path.join(os.tmpdir(), 'loadlab-private-')); // mode 700
const home = mkdtempSync(path.join(os.tmpdir(), 'loadlab-pg-home-'));
rmSync(home, { recursive: true }); // created by the code under test, open to others
const env = { LOADLAB_PG_HOME: home };

afterAll(() => {
  rmSync(privateDir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

describe('loading embedded-postgres', () => {
  it('keeps the exit code of a process that ends by draining its event loop (as vitest does)', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', "await import('./server/db/embedded-postgres.ts'); process.exitCode = 3;"], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(3);
  });
});

describe('where the embedded PostgreSQL lives', () => {
  it('names one stable folder per checkout, different for different checkouts', () => {
    const a = homeFor('/root/loadlab/.data', env);
    expect(homeFor('/root/loadlab/.data', env)).toBe(a);
    expect(path.dirname(a)).toBe(home);
    expect(path.basename(a)).toMatch(/^root-loadlab-data-[0-9a-f]{10}$/);
    expect(homeFor('/root/loadlab2/.data', env)).not.toBe(a);
  });

  it('finds the folder that others may not enter', () => {
    expect(statSync(privateDir).mode & 0o777).toBe(0o700);
    expect(firstClosedAncestor(path.join(privateDir, '.data', 'pg'))).toBe(privateDir);
    expect(firstClosedAncestor(os.tmpdir())).toBeUndefined();
  });

  it('keeps the data in place for a non-root user, moves it under LOADLAB_PG_HOME for root', () => {
    const requested = path.join(privateDir, '.data', 'pg');
    expect(placedDataDir(requested, env)).toBe(isRoot ? path.join(homeFor(path.dirname(requested), env), 'pg') : requested);
  });
});

describe.runIf(isRoot)('as root, from a mode-700 folder', () => {
  it('runs as the postgres user from binaries and data it can reach, and removes ephemeral data', async () => {
    process.env.LOADLAB_PG_HOME = home;
    expect(postgresHome()).toBe(home);
    const requested = path.join(privateDir, '.data', 'pg-root-test');
    mkdirSync(path.dirname(requested));
    const handle = await startEmbeddedPostgres({ dataDir: requested, ephemeral: true, settings: { fsync: 'off' } });
    try {
      expect(handle.dataDir.startsWith(home + path.sep)).toBe(true);
      expect(firstClosedAncestor(path.dirname(handle.dataDir))).toBeUndefined();
      const postgresUid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
      const st = statSync(handle.dataDir);
      expect(st.uid).toBe(postgresUid);
      expect(st.mode & 0o777).toBe(0o700);
      expect(existsSync(requested)).toBe(false);

      const client = new pg.Client({ connectionString: handle.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ dir: string; pid: number }>("select current_setting('data_directory') as dir, pg_backend_pid() as pid");
        expect(rows[0]!.dir).toBe(handle.dataDir);
        // The server process: the postgres OS user, executing the reachable copy of the binaries.
        const status = readFileSync(`/proc/${rows[0]!.pid}/status`, 'utf8');
        expect(Number(/^Uid:\s+(\d+)/m.exec(status)![1])).toBe(postgresUid);
        const exe = readlinkSync(`/proc/${rows[0]!.pid}/exe`);
        expect(exe.startsWith(path.dirname(handle.dataDir) + path.sep)).toBe(true);
        expect(firstClosedAncestor(exe)).toBeUndefined();
      } finally {
        await client.end();
      }
    } finally {
      await handle.stop();
    }
    expect(existsSync(handle.dataDir)).toBe(false);
  });
});
