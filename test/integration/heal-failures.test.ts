// Repairs that fail: a trigger in the database rejects every update of member_employments, so the
// employment repairs fail for real. Heal must roll each one back completely (no partial repair),
// report the rows as unfixed with the reason, and notify at the priority the rules give.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { plantAnomalies } from '../../maintenance/anomalies';
import { CHECKS } from '../../maintenance/checks';
import { heal } from '../../maintenance/heal';
import { runIntegrity } from '../../maintenance/integrity';
import { loadNotifyConfig, Notifier } from '../../maintenance/notifications';
import { careContext, changedRows, insertCleanBase, tableChecksums, tempFilesDir } from '../support/care-fixtures';
import { createTestDatabase, type TestDatabase } from '../support/database';

let t: TestDatabase;
let filesDir: string;

beforeEach(async () => {
  t = await createTestDatabase();
  filesDir = await tempFilesDir();
  await insertCleanBase(t.db, filesDir);
});
afterEach(async () => t?.drop());

async function blockEmploymentUpdates() {
  await sql`create function block_repairs() returns trigger language plpgsql as $$
            begin raise exception 'employment updates are blocked for this test'; end $$`.execute(t.db);
  await sql`create trigger block_repairs before update on member_employments for each row execute function block_repairs()`.execute(t.db);
}

async function runHeal(checks = CHECKS) {
  const notifyFile = path.join(filesDir, 'notify.jsonl');
  const notifier = new Notifier(loadNotifyConfig({ NOTIFY_CHANNELS: 'log', NOTIFY_LOG_FILE: notifyFile }));
  const report = await heal(t.db, { checks, ctx: careContext(filesDir), dryRun: false, auditDir: path.join(filesDir, 'audit'), notifier });
  notifier.close();
  const notes = (await readFile(notifyFile, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  return { report, notes };
}

describe('a repair that fails', () => {
  it('is rolled back whole, reported unfixed with its reason, and notified as critical', async () => {
    await plantAnomalies(t.db, ['employment_multiple_current'], 2, { filesDir });
    await blockEmploymentUpdates();
    const before = await tableChecksums(t.db);
    const { report, notes } = await runHeal();

    const multiple = report.checks.find((c) => c.id === 'employment_multiple_current')!;
    expect(multiple).toMatchObject({ found: 2, fixed: 0, unfixed: 2, recheck: 2 });
    expect(multiple.error).toContain('employment updates are blocked for this test');
    // The unique index and the no-overlap exclusion cannot come back while two current jobs remain: unfixed too.
    expect(report.checks.find((c) => c.id === 'schema_guard_missing')).toMatchObject({ found: 2, fixed: 0, unfixed: 2 });
    expect(changedRows(before, await tableChecksums(t.db))).toEqual([]);
    expect(report.changes).toEqual([]);
    expect(report.priority).toBe('critical');
    expect(notes[0]).toMatchObject({ priority: 'critical', totals: { found: 4, fixed: 0, unfixed: 4 } });
    const audit = (await readFile(path.join(filesDir, 'audit', `${report.started_at.slice(0, 10)}.jsonl`), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(audit.filter((l) => l.check_id === 'employment_multiple_current').map((l) => l.event)).toEqual(['rolled_back']);
  });

  it('leaving more than 10 warnings unfixed notifies high', async () => {
    await plantAnomalies(t.db, ['employment_overlap'], 11, { filesDir });
    await blockEmploymentUpdates();
    // Without the schema guards: the no-overlap exclusion that cannot come back would be a critical issue.
    const { report, notes } = await runHeal(CHECKS.filter((c) => c.id !== 'schema_guard_missing'));
    expect(report.checks.find((c) => c.id === 'employment_overlap')).toMatchObject({ found: 11, fixed: 0, unfixed: 11 });
    expect(report.priority).toBe('high');
    expect(notes[0].priority).toBe('high');
  });

  it('a large volume that is all fixed notifies medium; the fix is real', async () => {
    await plantAnomalies(t.db, ['employment_overlap'], 101, { filesDir });
    const { report, notes } = await runHeal();
    expect(report.checks.find((c) => c.id === 'employment_overlap')).toMatchObject({ found: 101, fixed: 101, unfixed: 0, recheck: 0 });
    expect(report.priority).toBe('medium');
    expect(notes[0].priority).toBe('medium');
  });
});

describe('a sampled check', () => {
  it('never counts a row fixed just because the re-check sampled other files', async () => {
    await plantAnomalies(t.db, ['file_content_mismatch'], 3, { filesDir });
    // A budget of one byte: each pass hashes a single random file (of 4) — plus, in heal's re-check,
    // every file the first pass found altered.
    const ctx = { ...careContext(filesDir), hashBudgetBytes: 1 };
    let seen = 0;
    for (let i = 0; i < 6; i++) {
      const report = await heal(t.db, { checks: CHECKS, ctx, dryRun: false, auditDir: path.join(filesDir, 'audit') });
      const c = report.checks.find((x) => x.id === 'file_content_mismatch')!;
      seen += c.found;
      expect(c.fixed).toBe(0);
      expect(c.unfixed).toBe(c.found);
      expect(c.recheck).toBeGreaterThanOrEqual(c.found);
    }
    expect(seen).toBeGreaterThan(0);

    // integrity says when it sampled, and says nothing when it looked at every file.
    const sampled = await runIntegrity(t.db, CHECKS, ctx);
    expect(sampled.checks.find((c) => c.id === 'file_content_mismatch')!.coverage).toMatch(/sizes checked for all 4 files; whole-file sha256 for a random 1 /);
    const full = await runIntegrity(t.db, CHECKS, careContext(filesDir));
    expect(full.checks.find((c) => c.id === 'file_content_mismatch')).toMatchObject({ count: 3 });
    expect(full.checks.find((c) => c.id === 'file_content_mismatch')!.coverage).toBeUndefined();
  });
});

describe('overlap edge cases', () => {
  it('ends a current job that overlaps a later one; leaves two jobs with the same start unfixed and says so', async () => {
    const org = (await t.db.selectFrom('organizations').select('id').where('name', '=', 'Acme Electric').executeTakeFirstOrThrow()).id;
    const member = async (n: string) =>
      (await t.db.insertInto('members').values({ member_number: n, first_name: 'E', last_name: n, classification: 'lineman', date_of_birth: '1970-01-01', hire_date: '1990-01-01' }).returning('id').executeTakeFirstOrThrow()).id;
    const job = async (memberId: number, start: string, end: string | null) =>
      (await t.db.insertInto('member_employments').values({ member_id: memberId, organization_id: org, start_date: start, end_date: end, hourly_rate: 40 }).returning('id').executeTakeFirstOrThrow()).id;
    // The database refuses overlaps itself: bypass it as inject-anomalies does.
    await sql`alter table member_employments drop constraint member_employments_no_overlap`.execute(t.db);
    const a = await member('EDGE-A');
    const currentThenClosed = await job(a, '2001-01-01', null);
    await job(a, '2004-01-01', '2006-12-31');
    const b = await member('EDGE-B');
    const sameStartFirst = await job(b, '2010-01-01', '2012-12-31');
    await job(b, '2010-01-01', '2011-06-30');

    const { report } = await runHeal();
    const o = report.checks.find((c) => c.id === 'employment_overlap')!;
    expect(o).toMatchObject({ found: 2, fixed: 1, unfixed: 1, recheck: 1 });
    expect(o.fixed_ids).toEqual([currentThenClosed]);
    expect(o.unfixed_ids).toEqual([sameStartFirst]);
    expect((await t.db.selectFrom('member_employments').select('end_date').where('id', '=', currentThenClosed).executeTakeFirstOrThrow()).end_date).toBe('2003-12-31');
  });
});
