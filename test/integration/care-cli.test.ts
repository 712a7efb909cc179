// The care commands through the real CLI entry (main), on a real database: bad input gives one
// clear line and exit 2 (unknown check, kind or channel; unreachable database), an unreadable
// files directory is a reported finding (not "clean", not a crash), and a dry run lists row ids.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../load/cli';
import { insertCleanBase, tableChecksums, changedRows, tempFilesDir } from '../support/care-fixtures';
import { createTestDatabase, type TestDatabase } from '../support/database';

let t: TestDatabase;
let filesDir: string;
const saved = { ...process.env };

async function run(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  Object.assign(process.env, { DATABASE_URL: t.url, FILES_DIR: filesDir, HEAL_AUDIT_DIR: path.join(filesDir, 'audit'), NOTIFY_LOG_FILE: path.join(filesDir, 'n.jsonl') }, env);
  try {
    const code = await main(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    process.env = { ...saved };
  }
}

beforeAll(async () => {
  t = await createTestDatabase();
  filesDir = await tempFilesDir();
  await insertCleanBase(t.db, filesDir);
});
afterAll(async () => t?.drop());
afterEach(() => {
  process.env = { ...saved };
});

describe('bad input', () => {
  it('an unknown check id: one line naming it, exit 2', async () => {
    const r = await run(['integrity', '--checks', 'employment_overlap,no_such_check']);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toContain("unknown check id 'no_such_check'");
  });
  it('an unknown anomaly kind: one line, exit 2, nothing planted', async () => {
    const before = await tableChecksums(t.db);
    const r = await run(['inject-anomalies', '--kinds', 'gremlins']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown anomaly kind 'gremlins'");
    expect(changedRows(before, await tableChecksums(t.db))).toEqual([]);
  });
  it('an unknown notification channel: one line, exit 2, nothing repaired', async () => {
    const before = await tableChecksums(t.db);
    const r = await run(['heal'], { NOTIFY_CHANNELS: 'log,pager' });
    expect(r.code).toBe(2);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(r.err).toContain("unknown channel 'pager'");
    expect(changedRows(before, await tableChecksums(t.db))).toEqual([]);
  });
  it('an unreachable database: one line naming host and port, exit 2', async () => {
    for (const cmd of [['integrity'], ['heal'], ['resilience'], ['inject-anomalies']]) {
      const r = await run(cmd, { DATABASE_URL: 'postgres://nobody:pw@127.0.0.1:1/nowhere' });
      expect(r.code, cmd[0]).toBe(2);
      expect(r.err.split('\n'), cmd[0]).toHaveLength(1);
      expect(r.err).toMatch(/cannot reach PostgreSQL at 127\.0\.0\.1:1\/nowhere/);
    }
  });
  it('an unreadable files directory is a reported finding, not clean and not a crash', async () => {
    const notADir = path.join(filesDir, 'plain-file');
    await writeFile(notADir, 'x');
    const r = await run(['integrity', '--json'], { FILES_DIR: notADir });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    for (const id of ['file_content_missing', 'file_content_mismatch']) {
      expect(report.checks.find((c: { id: string }) => c.id === id).error).toContain('is unreadable: not a directory');
    }
  });
});

describe('the commands', () => {
  it('integrity --json, inject-anomalies, heal --dry-run with row ids, heal, heal --summary', async () => {
    expect((await run(['integrity'])).code).toBe(0);
    const planted = await run(['inject-anomalies', '--kinds', 'employment_overlap,employment_rate_out_of_range', '--count', '1', '--json']);
    expect(planted.code).toBe(0);
    const kinds = JSON.parse(planted.out);
    const overlapId = kinds[0].findings.employment_overlap[0];
    const json = JSON.parse((await run(['integrity', '--json'])).out);
    expect(json.checks.find((c: { id: string }) => c.id === 'employment_overlap')).toMatchObject({ count: 1, sample_ids: [overlapId], severity: 'warning', auto_fixable: true });
    expect(json.checks.length).toBeGreaterThanOrEqual(15);

    const before = await tableChecksums(t.db);
    const dry = await run(['heal', '--dry-run']);
    expect(dry.out).toContain(`[employment_overlap] update member_employments id=${overlapId}`);
    expect(dry.out).toContain('"end_date":"2003-12-31"');
    expect(dry.out).toMatch(/nothing was changed/);
    expect(changedRows(before, await tableChecksums(t.db))).toEqual([]);

    const real = await run(['heal']);
    expect(real.code).toBe(0);
    // overlap + rate + their two bypassed guards (the rate check, the no-overlap exclusion)
    expect(real.out).toMatch(/found 4, fixed 4 \(verified by re-check\), unfixed 0, re-check finds 0/);
    expect((await run(['integrity'])).code).toBe(0);
    const summary = await run(['heal', '--summary']);
    expect(summary.out).toMatch(/1 heal run\(s\) in the last 7 days: found 4, fixed 4/);
  });
});
