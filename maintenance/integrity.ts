// One integrity pass: every selected check's detection query, a few in parallel on one pool, each
// timed. A check that cannot look (e.g. unreadable files directory) is reported with its error —
// never as clean.
import path from 'node:path';
import { CheckUnavailableError, contentScan, type CheckContext, type CheckDefinition, type RowId, type Severity } from './checks';
import { mapLimit } from './concurrency';
import type { Db } from './sql-helpers';

export interface CheckResult {
  id: string;
  title: string;
  severity: Severity;
  table: string;
  auto_fixable: boolean;
  count: number;
  sample_ids: RowId[];
  seconds: number;
  /** Why the check could not run; count is 0 and meaningless then. */
  error?: string;
  /** What the check covered when it did not look at everything. */
  coverage?: string;
}

export interface IntegrityReport {
  started_at: string;
  seconds: number;
  checks: CheckResult[];
  /** Every offending id per check (heal repairs exactly these); not part of --json. */
  ids: Map<string, RowId[]>;
}

export function defaultCheckContext(env: NodeJS.ProcessEnv = process.env, root = process.cwd()): CheckContext {
  return {
    filesDir: path.resolve(root, env.FILES_DIR ?? '.data/files'),
    hashBudgetBytes: Number(env.INTEGRITY_HASH_BUDGET_MB ?? 16) * 1024 * 1024,
    staleUploadHours: Number(env.STALE_UPLOAD_HOURS ?? 24),
  };
}


export async function runIntegrity(
  db: Db,
  checks: readonly CheckDefinition[],
  ctx: CheckContext,
  opts: { sampleSize?: number; concurrency?: number } = {},
): Promise<IntegrityReport> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const sampleSize = opts.sampleSize ?? 10;
  // A fresh content scan per pass: a re-check must look at the disk again.
  const passCtx: CheckContext = { ...ctx, contentScan: undefined };
  // The disk scan is I/O: start it now so it overlaps the SQL checks instead of queueing behind them.
  if (checks.some((c) => c.id.startsWith('file_content_'))) contentScan(db, passCtx).catch(() => {});
  const ids = new Map<string, RowId[]>();
  const results = await mapLimit(checks, opts.concurrency ?? 4, async (check): Promise<CheckResult> => {
    const t0 = performance.now();
    const base = { id: check.id, title: check.title, severity: check.severity, table: check.table, auto_fixable: check.autoFixable };
    try {
      const found = await check.detect(db, passCtx);
      ids.set(check.id, found);
      const coverage = await check.coverage?.(db, passCtx);
      return { ...base, count: found.length, sample_ids: found.slice(0, sampleSize), seconds: (performance.now() - t0) / 1000, ...(coverage ? { coverage } : {}) };
    } catch (err) {
      if (!(err instanceof CheckUnavailableError) && isConnectionError(err)) throw err;
      return { ...base, count: 0, sample_ids: [], seconds: (performance.now() - t0) / 1000, error: (err as Error).message };
    }
  });
  return { started_at: startedAt, seconds: (performance.now() - started) / 1000, checks: results, ids };
}

/** Errors that mean "no database" rather than "this check failed". */
export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return ['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(code) || code.startsWith('08') || code === '57P01' || code === '3D000' || code === '28P01';
}

export function summarize(checks: readonly CheckResult[]) {
  const found = checks.reduce((n, c) => n + c.count, 0);
  const bySeverity = { critical: 0, warning: 0, info: 0 } as Record<Severity, number>;
  for (const c of checks) bySeverity[c.severity] += c.count;
  return { found, bySeverity, errors: checks.filter((c) => c.error).length };
}
