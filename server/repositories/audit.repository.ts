// The audit trail: every API write records one row, in the same transaction as the write.
import type { Kysely } from 'kysely';
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
