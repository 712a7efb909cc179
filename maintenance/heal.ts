// Auto-heal: check → repair (one transaction per check) → re-check → notify.
//
// The lesson of the old system ("4,537 fixed, 100% success" while nothing changed): a repair's own
// word counts for nothing. A row counts as fixed only when a fresh integrity pass after all repairs
// no longer finds it. --dry-run runs the very same repair code inside a transaction that is rolled
// back, re-checks inside that transaction ("would fix"), and prints the exact row changes.
// Every applied change is written to the JSONL audit log before its transaction commits, so there
// is never a change without an audit line (a failed commit appends a `rolled_back` line).
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import type { CheckContext, CheckDefinition, RowId, Severity } from './checks';
import { runIntegrity, type IntegrityReport } from './integrity';
import { buildNotification, notificationPriority, type CheckOutcome, type DeliveryResult, type Notifier, type Priority } from './notifications';
import { repairFailures, type Db, type RowChange } from './sql-helpers';

export interface HealOptions {
  checks: readonly CheckDefinition[];
  ctx: CheckContext;
  dryRun: boolean;
  /** Directory of the JSONL audit log (<dir>/<YYYY-MM-DD>.jsonl). */
  auditDir: string;
  notifier?: Notifier;
  /** lock_timeout for each repair transaction: a locked table fails the repair, it does not hang. */
  lockTimeoutMs?: number;
}

export interface HealCheckOutcome extends CheckOutcome {
  title: string;
  table: string;
  auto_fixable: boolean;
  /** Offending rows found by the final re-check (may include rows a repair newly caused). */
  recheck: number;
  /** Rows changed by the repair (dry-run: that would be changed). */
  changed_rows: number;
  fixed_ids: RowId[];
  unfixed_ids: RowId[];
  /** Why the repair failed (its transaction was rolled back) or why the check could not look. */
  error?: string;
}

export interface HealChange extends RowChange {
  check_id: string;
}

export interface HealReport {
  run_id: string;
  dry_run: boolean;
  started_at: string;
  finished_at: string;
  seconds: { check: number; repair: number; recheck: number };
  checks: HealCheckOutcome[];
  changes: HealChange[];
  priority: Priority | null;
  deliveries: DeliveryResult[];
  audit_file?: string;
}

/** Thrown at the end of a dry run to roll its transaction back. */
class DryRunRollback extends Error {
  constructor() {
    super('dry run: rolled back');
  }
}

function firstLine(err: unknown): string {
  return ((err as Error)?.message ?? String(err)).split('\n')[0]!;
}

function auditFileFor(dir: string, when = new Date()): string {
  return path.join(dir, `${when.toISOString().slice(0, 10)}.jsonl`);
}

async function appendAudit(file: string, lines: object[]): Promise<void> {
  if (!lines.length) return;
  await mkdir(path.dirname(file), { recursive: true });
  await appendFile(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
}

const diff = (a: readonly RowId[], b: readonly RowId[]) => {
  const s = new Set(b);
  return a.filter((x) => !s.has(x));
};

export async function heal(db: Db, opts: HealOptions): Promise<HealReport> {
  const runId = randomUUID();
  const startedAt = new Date();
  const auditFile = auditFileFor(opts.auditDir, startedAt);
  const lockTimeout = Math.max(1, Math.floor(opts.lockTimeoutMs ?? 5000));

  const t0 = performance.now();
  const initial = await runIntegrity(db, opts.checks, opts.ctx, { sampleSize: 0 });
  const t1 = performance.now();

  // Re-checks must look again at everything found now (sampled checks included).
  const recheckCtx: CheckContext = { ...opts.ctx, contentScan: undefined, rehashAttachmentIds: new Set((initial.ids.get('file_content_mismatch') ?? []).map(Number)) };

  const changes: HealChange[] = [];
  const repairErrors = new Map<string, string>();
  const changedRows = new Map<string, number>();
  const fixable = opts.checks.filter((c) => c.autoFixable && c.repair && (initial.ids.get(c.id) ?? []).length > 0);
  let dryRunRecheck: IntegrityReport | undefined;

  if (opts.dryRun) {
    // The whole heal in ONE transaction that is rolled back: each repair in a savepoint (a failing
    // repair is undone alone, as its own transaction would be), later repairs see earlier ones (as
    // they do for real), then the re-check inside the transaction says what would be fixed.
    try {
      await db.transaction().execute(async (trx) => {
        await sql`select set_config('lock_timeout', ${`${lockTimeout}ms`}, true)`.execute(trx);
        for (const check of fixable) {
          await sql`savepoint heal_check`.execute(trx);
          try {
            const rowChanges = await check.repair!(trx, initial.ids.get(check.id)!, opts.ctx);
            await sql`release savepoint heal_check`.execute(trx);
            if (repairFailures(rowChanges).length) repairErrors.set(check.id, repairFailures(rowChanges).join('; '));
            changes.push(...rowChanges.map((c) => ({ ...c, check_id: check.id })));
            changedRows.set(check.id, rowChanges.length);
          } catch (err) {
            await sql`rollback to savepoint heal_check`.execute(trx);
            repairErrors.set(check.id, firstLine(err));
          }
        }
        dryRunRecheck = await runIntegrity(trx, opts.checks, recheckCtx, { sampleSize: 0, concurrency: 1 });
        throw new DryRunRollback();
      });
    } catch (err) {
      if (!(err instanceof DryRunRollback)) throw err;
    }
  } else {
    for (const check of fixable) {
      const ids = initial.ids.get(check.id)!;
      try {
        const applied = await db.transaction().execute(async (trx) => {
          await sql`select set_config('lock_timeout', ${`${lockTimeout}ms`}, true)`.execute(trx);
          const rowChanges = await check.repair!(trx, ids, opts.ctx);
          // Audit before commit: no change without its audit line.
          await appendAudit(
            auditFile,
            rowChanges.map((c) => ({ ts: new Date().toISOString(), run_id: runId, check_id: check.id, table: c.table, row_id: c.row_id, action: c.action, before: c.before, after: c.after })),
          );
          return rowChanges;
        });
        changes.push(...applied.map((c) => ({ ...c, check_id: check.id })));
        changedRows.set(check.id, applied.length);
        if (repairFailures(applied).length) repairErrors.set(check.id, repairFailures(applied).join('; '));
      } catch (err) {
        const message = firstLine(err);
        repairErrors.set(check.id, message);
        // The transaction was rolled back; if its audit lines were already written, say so.
        await appendAudit(auditFile, [{ ts: new Date().toISOString(), run_id: runId, check_id: check.id, event: 'rolled_back', error: message }]).catch(() => {});
      }
    }
  }
  const t2 = performance.now();

  // The re-check: a fresh pass over the same checks (dry run: nothing changed, so the in-transaction
  // re-check of each repair says what would be fixed).
  const final: IntegrityReport = dryRunRecheck ?? (await runIntegrity(db, opts.checks, recheckCtx, { sampleSize: 0 }));
  const t3 = performance.now();

  const outcomes: HealCheckOutcome[] = initial.checks.map((c) => {
    const found = initial.ids.get(c.id) ?? [];
    const remaining = final.ids.get(c.id) ?? found;
    const fixedIds = diff(found, remaining);
    const unfixedIds = diff(found, fixedIds);
    const recheck = final.checks.find((f) => f.id === c.id);
    return {
      id: c.id,
      title: c.title,
      severity: c.severity as Severity,
      table: c.table,
      auto_fixable: c.auto_fixable,
      found: found.length,
      fixed: fixedIds.length,
      unfixed: unfixedIds.length,
      recheck: recheck?.count ?? 0,
      changed_rows: changedRows.get(c.id) ?? 0,
      fixed_ids: fixedIds,
      unfixed_ids: unfixedIds,
      error: repairErrors.get(c.id) ?? c.error ?? recheck?.error,
    };
  });

  const priority = notificationPriority(outcomes);
  let deliveries: DeliveryResult[] = [];
  if (priority && opts.notifier && !opts.dryRun) {
    deliveries = await opts.notifier.notify(buildNotification({ run_id: runId, dry_run: opts.dryRun, checks: outcomes.map(outcomeForNotification) }, priority));
  }
  const finishedAt = new Date();
  const report: HealReport = {
    run_id: runId,
    dry_run: opts.dryRun,
    started_at: startedAt.toISOString(),
    finished_at: finishedAt.toISOString(),
    seconds: { check: (t1 - t0) / 1000, repair: (t2 - t1) / 1000, recheck: (t3 - t2) / 1000 },
    checks: outcomes,
    changes,
    priority,
    deliveries,
    audit_file: !opts.dryRun && changes.length ? auditFile : undefined,
  };
  if (!opts.dryRun) await recordRun(db, report);
  return report;
}

function outcomeForNotification(o: HealCheckOutcome): CheckOutcome {
  return { id: o.id, severity: o.severity, found: o.found, fixed: o.fixed, unfixed: o.unfixed, ...(o.error ? { error: o.error } : {}) };
}

async function recordRun(db: Db, r: HealReport): Promise<void> {
  const totals = r.checks.reduce((t, c) => ({ found: t.found + c.found, fixed: t.fixed + c.fixed, unfixed: t.unfixed + c.unfixed }), { found: 0, fixed: 0, unfixed: 0 });
  await db
    .insertInto('maintenance_runs')
    .values({
      run_id: r.run_id,
      kind: 'heal',
      dry_run: r.dry_run,
      started_at: r.started_at,
      finished_at: r.finished_at,
      issues_found: totals.found,
      issues_fixed: totals.fixed,
      issues_unfixed: totals.unfixed,
      priority: r.priority,
      checks: JSON.stringify(
        r.checks.map((c) => ({ id: c.id, severity: c.severity, found: c.found, fixed: c.fixed, unfixed: c.unfixed, recheck: c.recheck, error: c.error ?? null })),
      ),
      notifications: JSON.stringify(r.deliveries),
    })
    .execute();
}

export interface RunSummaryRow {
  run_id: string;
  started_at: string;
  seconds: number;
  issues_found: number;
  issues_fixed: number;
  issues_unfixed: number;
  priority: string | null;
  failed_channels: string[];
}

/** Heal runs of the last `days` days, newest first. */
export async function recentHealRuns(db: Db, days = 7): Promise<RunSummaryRow[]> {
  const { rows } = await sql<RunSummaryRow>`
    select run_id, started_at, extract(epoch from finished_at - started_at)::float8 as seconds,
           issues_found, issues_fixed, issues_unfixed, priority,
           coalesce((select array_agg(d->>'channel') from jsonb_array_elements(notifications) d where (d->>'ok')::boolean is false), '{}') as failed_channels
      from maintenance_runs
     where kind = 'heal' and started_at > now() - make_interval(days => ${days})
     order by started_at desc`.execute(db);
  return rows;
}
