// The audit trail: every API write records one row, in the same transaction as the write.
// Hot writes do both in ONE statement (a data-modifying CTE: the write `returning` its row, the
// audit insert selecting from it), which is atomic on its own and saves the BEGIN/COMMIT and
// audit round trips; multi-step writes call recordAudit inside their transaction.
import { sql, type Kysely, type QueryCreator, type RawBuilder } from 'kysely';
import type { Database } from '../db/schema';

export type AuditAction = 'insert' | 'update' | 'delete';

export async function recordAudit(
  trx: Kysely<Database>,
  entry: { table: keyof Database; recordId: number; action: AuditAction; oldValues?: unknown; newValues?: unknown; changedBy?: string },
): Promise<void> {
  await trx
    .insertInto('audit_logs')
    .values({
      table_name: entry.table,
      record_id: entry.recordId,
      action: entry.action,
      old_values: entry.oldValues === undefined ? null : JSON.stringify(entry.oldValues),
      new_values: entry.newValues === undefined ? null : JSON.stringify(entry.newValues),
      changed_by: entry.changedBy ?? 'api',
    })
    .execute();
}

/**
 * The audit insert of a one-statement write, as a CTE body: one audit row per row of the CTE
 * `written` (the write's `returning`), with `to_jsonb` of that row as new_values and, for
 * updates, of the CTE `before` (the row as locked before the change) as old_values.
 */
export function auditCte(table: keyof Database, action: AuditAction, o: { old?: 'before'; newValues?: RawBuilder<unknown> } = {}) {
  // The CTE names are only known at run time: the builder is untyped on purpose.
  return (qb: QueryCreator<any>) =>
    qb
      .insertInto('audit_logs')
      .columns(['table_name', 'record_id', 'action', 'old_values', 'new_values', 'changed_by'])
      .expression(
        qb
          .selectFrom(o.old ? ['written', 'before'] : ['written'])
          .select([
            sql.lit(table).as('table_name'),
            sql.ref('written.id').as('record_id'),
            sql.lit(action).as('action'),
            (o.old ? sql`to_jsonb(before)` : sql`null::jsonb`).as('old_values'),
            (o.newValues ?? sql`to_jsonb(written)`).as('new_values'),
            sql.lit('api').as('changed_by'),
          ]),
      );
}
