// File attachment metadata. Content bookkeeping runs under a transaction-scoped advisory lock on
// the sha256, so "write the content file + reference it" and "no row references it any more ->
// delete the content file" never interleave for the same content.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema';
import type { FileOwnerType } from '../domain/enums';
import type { CreateFileInput, ListFilesInput } from '../domain/files';
import { commitUpload, discardUpload, removeContent, storageKeyOf, type StoredUpload } from '../files/content-store';
import { auditCte, recordAudit } from './audit.repository';
import { pageTotal } from './paging';

export const FILE_COLUMNS = [
  'id',
  'owner_type',
  'owner_id',
  'category',
  'file_name',
  'mime_type',
  'size_bytes',
  'sha256',
  'storage_key',
  'description',
  'created_at',
  'updated_at',
] as const;

export type OwnerType = Exclude<FileOwnerType, 'grievance'>;

/** The owner row of a polymorphic attachment, as an EXISTS-able subquery (members: not soft-deleted). */
function ownerRow(db: Kysely<Database>, ownerType: OwnerType, id: number) {
  switch (ownerType) {
    case 'member':
      return db.selectFrom('members').select('id').where('id', '=', id).where('deleted_at', 'is', null);
    case 'organization':
      return db.selectFrom('organizations').select('id').where('id', '=', id);
    case 'student':
      return db.selectFrom('students').select('id').where('id', '=', id);
  }
}

export async function ownerExists(db: Kysely<Database>, ownerType: OwnerType, id: number): Promise<boolean> {
  return (await ownerRow(db, ownerType, id).executeTakeFirst()) !== undefined;
}

/**
 * A page of the owner's files, or undefined when the owner does not exist. One query in the usual
 * case: the owner's existence is part of it, and asked on its own only when the page is empty.
 */
export async function listFiles(db: Kysely<Database>, ownerType: OwnerType, ownerId: number, page: ListFilesInput) {
  const base = db
    .selectFrom('file_attachments')
    .where('owner_type', '=', ownerType)
    .where('owner_id', '=', ownerId)
    .where((eb) => eb.exists(ownerRow(db, ownerType, ownerId)));
  const items = await base.select(FILE_COLUMNS).orderBy('id').limit(page.limit).offset(page.offset).execute();
  if (items.length === 0 && !(await ownerExists(db, ownerType, ownerId))) return undefined;
  const total = await pageTotal(items.length, page, async () => (await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { items, total, limit: page.limit, offset: page.offset };
}

export async function findFileById(db: Kysely<Database>, id: number) {
  return db.selectFrom('file_attachments').select(FILE_COLUMNS).where('id', '=', id).executeTakeFirst();
}

/** One statement with its audit row. */
export async function createFile(db: Kysely<Database>, ownerType: OwnerType, ownerId: number, input: CreateFileInput) {
  return db
    .with('written', (qb) => qb.insertInto('file_attachments').values({ ...input, owner_type: ownerType, owner_id: ownerId }).returning(FILE_COLUMNS))
    .with('audit', auditCte('file_attachments', 'insert'))
    .selectFrom('written')
    .selectAll()
    .executeTakeFirstOrThrow();
}

async function lockContent(trx: Transaction<Database>, sha256: string) {
  await sql`select pg_advisory_xact_lock(hashtextextended(${sha256}, 0))`.execute(trx);
}

/**
 * Reference an uploaded body from file `id`: move it to its content address and record sha256,
 * size and storage key. Undefined (and the upload discarded) when the file row is gone.
 */
export async function attachContent(db: Kysely<Database>, filesDir: string, id: number, upload: StoredUpload) {
  let previousSha: string | null = null;
  let row;
  try {
    row = await db.transaction().execute(async (trx) => {
      const before = await trx.selectFrom('file_attachments').select(FILE_COLUMNS).where('id', '=', id).forUpdate().executeTakeFirst();
      if (!before) return undefined;
      await lockContent(trx, upload.sha256);
      const storageKey = await commitUpload(filesDir, upload);
      const after = await trx
        .updateTable('file_attachments')
        .set({ sha256: upload.sha256, size_bytes: upload.sizeBytes, storage_key: storageKey })
        .where('id', '=', id)
        .returning(FILE_COLUMNS)
        .executeTakeFirstOrThrow();
      await recordAudit(trx, {
        table: 'file_attachments',
        recordId: id,
        action: 'update',
        oldValues: { sha256: before.sha256, size_bytes: before.size_bytes, storage_key: before.storage_key },
        newValues: { sha256: after.sha256, size_bytes: after.size_bytes, storage_key: after.storage_key },
      });
      previousSha = before.sha256 !== upload.sha256 ? before.sha256 : null;
      return after;
    });
  } finally {
    await discardUpload(upload); // no-op once moved
  }
  if (previousSha) await removeContentIfUnreferenced(db, filesDir, previousSha);
  return row;
}

/** Delete the metadata; the content goes too when no other row references its sha256. */
export async function deleteFile(db: Kysely<Database>, filesDir: string, id: number): Promise<boolean> {
  const deleted = await db.transaction().execute(async (trx) => {
    const row = await trx.deleteFrom('file_attachments').where('id', '=', id).returning(FILE_COLUMNS).executeTakeFirst();
    if (!row) return undefined;
    await recordAudit(trx, { table: 'file_attachments', recordId: id, action: 'delete', oldValues: row });
    return row;
  });
  if (!deleted) return false;
  if (deleted.sha256) await removeContentIfUnreferenced(db, filesDir, deleted.sha256);
  return true;
}

export async function removeContentIfUnreferenced(db: Kysely<Database>, filesDir: string, sha256: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await lockContent(trx, sha256);
    const ref = await trx.selectFrom('file_attachments').select('id').where('sha256', '=', sha256).limit(1).executeTakeFirst();
    if (ref) return false;
    await removeContent(filesDir, storageKeyOf(sha256));
    return true;
  });
}
