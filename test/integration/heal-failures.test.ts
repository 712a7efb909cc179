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

async function runHeal() {
  const notifyFile = path.join(filesDir, 'notify.jsonl');
  const notifier = new Notifier(loadNotifyConfig({ NOTIFY_CHANNELS: 'log', NOTIFY_LOG_FILE: notifyFile }));
  const report = await heal(t.db, { checks: CHECKS, ctx: careContext(filesDir), dryRun: false, auditDir: path.join(filesDir, 'audit'), notifier });
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
    // The unique index cannot come back while two current jobs remain: unfixed too.
    expect(report.checks.find((c) => c.id === 'schema_guard_missing')).toMatchObject({ found: 1, fixed: 0, unfixed: 1 });
    expect(changedRows(before, await tableChecksums(t.db))).toEqual([]);
    expect(report.changes).toEqual([]);
    expect(report.priority).toBe('critical');
    expect(notes[0]).toMatchObject({ priority: 'critical', totals: { found: 3, fixed: 0, unfixed: 3 } });
    const audit = (await readFile(path.join(filesDir, 'audit', `${report.started_at.slice(0, 10)}.jsonl`), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(audit.filter((l) => l.check_id === 'employment_multiple_current').map((l) => l.event)).toEqual(['rolled_back']);
  });

  it('leaving more than 10 warnings unfixed notifies high', async () => {
    await plantAnomalies(t.db, ['employment_overlap'], 11, { filesDir });
    await blockEmploymentUpdates();
    const { report, notes } = await runHeal();
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
