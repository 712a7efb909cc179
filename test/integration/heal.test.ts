// Every check, end to end on a real PostgreSQL: plant its anomaly with inject-anomalies → integrity
// finds exactly the planted rows → heal --dry-run changes nothing (row checksums and schema guards)
// → heal fixes what is fixable → the re-check is clean → no unrelated row changed → every change is
// in the JSONL audit log → the notification carries the right priority.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANOMALY_KIND_IDS, mergeFindings, plantAnomalies, type Findings } from '../../maintenance/anomalies';
import { CHECKS, checkById, type CheckContext } from '../../maintenance/checks';
import { heal, type HealChange } from '../../maintenance/heal';
import { runIntegrity, type IntegrityReport } from '../../maintenance/integrity';
import { loadNotifyConfig, Notifier } from '../../maintenance/notifications';
import { guardStates } from '../../maintenance/schema-guards';
import { careContext, changedRows, insertCleanBase, tableChecksums, tempFilesDir } from '../support/care-fixtures';
import { createTestDatabase, type TestDatabase } from '../support/database';

function found(r: IntegrityReport): Findings {
  const out: Findings = {};
  for (const c of r.checks) {
    expect(c.error, `${c.id} could not run`).toBeUndefined();
    if (c.count) out[c.id] = r.ids.get(c.id)!;
  }
  return out;
}

/** A change without its volatile updated_at, to compare dry run with the real run. */
function stable(c: HealChange) {
  const strip = (v: unknown) => (v && typeof v === 'object' ? { ...(v as object), updated_at: undefined } : v);
  return { check: c.check_id, table: c.table, row: c.row_id, action: c.action, before: strip(c.before), after: strip(c.after) };
}

// Kinds whose anomaly heal must leave alone (needs a person), and what stays behind.
const UNFIXABLE = new Set(CHECKS.filter((c) => !c.autoFixable).map((c) => c.id));
const CRITICAL_WHEN_LEFT = new Set(['employment_organization_missing', 'file_content_missing', 'file_content_mismatch', 'member_impossible_dates']);

describe.each(ANOMALY_KIND_IDS)('%s', (kind) => {
  let t: TestDatabase;
  let ctx: CheckContext;
  let filesDir: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    filesDir = await tempFilesDir();
    await insertCleanBase(t.db, filesDir);
    ctx = careContext(filesDir);
  });
  afterAll(async () => t?.drop());

  it('is planted, found exactly, dry-run changes nothing, healed (or reported unfixed), re-checked, nothing else touched', async () => {
    expect(found(await runIntegrity(t.db, CHECKS, ctx))).toEqual({});

    const planted = mergeFindings(await plantAnomalies(t.db, [kind], 2, { filesDir }));
    expect(planted[kind]).toHaveLength(2);
    expect(found(await runIntegrity(t.db, CHECKS, ctx))).toEqual(planted);

    // Dry run: the same repairs, rolled back.
    const auditDir = path.join(filesDir, 'audit');
    const rowsBefore = await tableChecksums(t.db);
    const guardsBefore = await guardStates(t.db);
    const dry = await heal(t.db, { checks: CHECKS, ctx, dryRun: true, auditDir });
    expect(changedRows(rowsBefore, await tableChecksums(t.db))).toEqual([]);
    expect(await guardStates(t.db)).toEqual(guardsBefore);
    expect(existsSync(auditDir)).toBe(false);
    expect(await t.db.selectFrom('maintenance_runs').select('id').execute()).toEqual([]);
    expect(found(await runIntegrity(t.db, CHECKS, ctx))).toEqual(planted);

    // The real heal.
    const notifyFile = path.join(filesDir, 'notifications.jsonl');
    const notifier = new Notifier(loadNotifyConfig({ NOTIFY_CHANNELS: 'log', NOTIFY_LOG_FILE: notifyFile }));
    const real = await heal(t.db, { checks: CHECKS, ctx, dryRun: false, auditDir, notifier });
    notifier.close();
    expect(real.changes.map(stable)).toEqual(dry.changes.map(stable));

    // What remains: the unfixable kind's rows (and, for impossible dates, the guard that cannot be
    // validated while those rows exist); everything else is clean.
    const expectedLeft: Findings = {};
    if (UNFIXABLE.has(kind)) expectedLeft[kind] = planted[kind]!;
    if (kind === 'member_impossible_dates') expectedLeft.schema_guard_missing = ['members_hire_after_birth'];
    expect(found(await runIntegrity(t.db, CHECKS, ctx))).toEqual(expectedLeft);

    // The report counts a fix only where the re-check agrees.
    for (const [check, ids] of Object.entries(planted)) {
      const o = real.checks.find((c) => c.id === check)!;
      const left = expectedLeft[check] ?? [];
      expect({ check, found: o.found, fixed: o.fixed, unfixed: o.unfixed, recheck: o.recheck }).toEqual({
        check,
        found: ids.length,
        fixed: ids.length - left.length,
        unfixed: left.length,
        recheck: left.length,
      });
    }
    expect(real.checks.filter((c) => !planted[c.id]).every((c) => c.found === 0 && c.fixed === 0)).toBe(true);

    // Only the rows heal says it changed were changed.
    const rowsAfter = await tableChecksums(t.db);
    const reported = [...new Set(real.changes.filter((c) => c.action !== 'ddl').map((c) => `${c.table}:${c.row_id}`))].sort();
    expect(changedRows(rowsBefore, rowsAfter)).toEqual(reported);
    if (!UNFIXABLE.has(kind)) expect(reported.length).toBeGreaterThan(0);

    // Every change is in the audit log, with before and after.
    if (real.changes.length) {
      const lines = (await readFile(real.audit_file!, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
      const ours = lines.filter((l) => l.run_id === real.run_id && !l.event);
      expect(ours.map((l) => `${l.check_id}:${l.table}:${l.row_id}`)).toEqual(real.changes.map((c) => `${c.check_id}:${c.table}:${c.row_id}`));
      for (const l of ours) expect(l).toHaveProperty('before');
    } else {
      expect(real.audit_file).toBeUndefined();
    }

    // The run is kept, and the notification went out at the right priority.
    const runs = await t.db.selectFrom('maintenance_runs').selectAll().execute();
    expect(runs).toHaveLength(1);
    expect(runs[0]!.run_id).toBe(real.run_id);
    const expectedPriority = CRITICAL_WHEN_LEFT.has(kind) ? 'critical' : 'low';
    expect(real.priority).toBe(expectedPriority);
    const notes = (await readFile(notifyFile, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ run_id: real.run_id, priority: expectedPriority, totals: { found: real.checks.reduce((n, c) => n + c.found, 0) } });
    expect(real.deliveries).toEqual([expect.objectContaining({ channel: 'log', ok: true })]);
    expect(checkById(kind)).toBeDefined();
  });
});
