// Text output of the care commands (kept apart from the work so the work stays testable as data).
import { table as formatTable } from '../common/text-format';
import type { HealReport, RunSummaryRow } from './heal';
import type { IntegrityReport } from './integrity';

function table(headers: string[], rows: string[][], right: Set<number> = new Set()): string {
  return formatTable([headers, ...rows], headers.map((_, i) => (right.has(i) ? 'r' : 'l')), { headerRule: true });
}

export function formatIntegrity(r: IntegrityReport): string {
  const rows = r.checks.map((c) => [
    c.id,
    c.severity,
    c.error ? 'ERROR' : String(c.count),
    c.auto_fixable ? 'yes' : 'no',
    c.seconds.toFixed(3),
    c.error ? c.error : `${c.sample_ids.join(' ')}${c.coverage ? `${c.sample_ids.length ? ' ' : ''}(${c.coverage})` : ''}`,
  ]);
  const found = r.checks.reduce((n, c) => n + c.count, 0);
  const failing = r.checks.filter((c) => c.count > 0).length;
  const errors = r.checks.filter((c) => c.error).length;
  return [
    table(['check', 'severity', 'count', 'fixable', 'seconds', 'sample ids'], rows, new Set([2, 4])),
    '',
    `${r.checks.length} checks in ${r.seconds.toFixed(3)} s: ${found} issue(s) in ${failing} check(s)${errors ? `, ${errors} check(s) could not run` : ''}`,
  ].join('\n');
}

export function formatHeal(r: HealReport, opts: { changes: boolean }): string {
  const out: string[] = [];
  if (opts.changes && r.changes.length) {
    out.push(r.dry_run ? `changes heal WOULD make (rolled back, nothing changed):` : 'changes made:');
    for (const c of r.changes) {
      out.push(`  [${c.check_id}] ${c.action} ${c.table} id=${c.row_id}`);
      out.push(`      before: ${JSON.stringify(c.before)}`);
      out.push(`      after:  ${JSON.stringify(c.after)}`);
    }
    out.push('');
  }
  const shown = r.checks.filter((c) => c.found > 0 || c.recheck > 0 || c.error);
  const fixedHeader = r.dry_run ? 'would fix' : 'fixed';
  out.push(
    shown.length
      ? table(
          ['check', 'severity', 'found', 'changed rows', fixedHeader, 'unfixed', r.dry_run ? 'still found' : 're-check', 'note'],
          shown.map((c) => [
            c.id,
            c.severity,
            String(c.found),
            String(c.changed_rows),
            String(c.fixed),
            String(c.unfixed),
            String(r.dry_run ? c.unfixed : c.recheck),
            c.error ? `repair failed: ${c.error}` : !c.auto_fixable && c.found ? 'not auto-fixable: needs a person' : c.unfixed && c.auto_fixable ? 'repair did not resolve every row' : '',
          ]),
          new Set([2, 3, 4, 5, 6]),
        )
      : 'no issues found',
  );
  const t = r.checks.reduce((a, c) => ({ found: a.found + c.found, fixed: a.fixed + c.fixed, unfixed: a.unfixed + c.unfixed, recheck: a.recheck + c.recheck }), { found: 0, fixed: 0, unfixed: 0, recheck: 0 });
  out.push('');
  out.push(
    r.dry_run
      ? `dry run ${r.run_id}: found ${t.found}, would fix ${t.fixed} (verified inside a rolled-back transaction), would remain ${t.unfixed}; nothing was changed`
      : `heal ${r.run_id}: found ${t.found}, fixed ${t.fixed} (verified by re-check), unfixed ${t.unfixed}, re-check finds ${t.recheck}`,
  );
  out.push(`time: check ${r.seconds.check.toFixed(3)} s, repair ${r.seconds.repair.toFixed(3)} s, re-check ${r.seconds.recheck.toFixed(3)} s`);
  if (r.audit_file) out.push(`audit log: ${r.audit_file} (${r.changes.length} change(s))`);
  if (r.dry_run) out.push(`notification: not sent on a dry run (would be priority ${r.priority ?? 'none'})`);
  else if (!r.priority) out.push('notification: none (nothing found)');
  else if (!r.deliveries.length) out.push(`notification: priority ${r.priority}, below NOTIFY_MIN_PRIORITY or no channel`);
  else for (const d of r.deliveries) out.push(`notification: priority ${r.priority} via ${d.channel}: ${d.ok ? `delivered in ${d.ms} ms` : `FAILED (${d.error})`}`);
  return out.join('\n');
}

export function formatRunSummary(rows: readonly RunSummaryRow[], days: number): string {
  if (!rows.length) return `no heal runs in the last ${days} days`;
  const totals = rows.reduce((a, r) => ({ found: a.found + r.issues_found, fixed: a.fixed + r.issues_fixed, unfixed: a.unfixed + r.issues_unfixed }), { found: 0, fixed: 0, unfixed: 0 });
  return [
    table(
      ['started (UTC)', 'seconds', 'found', 'fixed', 'unfixed', 'priority', 'failed channels', 'run id'],
      rows.map((r) => [r.started_at.slice(0, 19).replace('T', ' '), r.seconds.toFixed(2), String(r.issues_found), String(r.issues_fixed), String(r.issues_unfixed), r.priority ?? '-', r.failed_channels.join(',') || '-', r.run_id]),
      new Set([1, 2, 3, 4]),
    ),
    '',
    `${rows.length} heal run(s) in the last ${days} days: found ${totals.found}, fixed ${totals.fixed} (re-checked), unfixed ${totals.unfixed}`,
  ].join('\n');
}
