// Organizations and their contacts. Lock order for writes that touch several rows: the
// organization row first (FOR NO KEY UPDATE, so it does not block foreign-key inserts of
// employments/contacts), then contact rows. The partial unique index keeps one primary contact.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema';
import { transactionWithRetry } from '../db/retry';
import type {
  CreateContactInput,
  CreateOrganizationInput,
  ListOrganizationsInput,
  UpdateOrganizationInput,
} from '../domain/organizations';
import { auditCte, recordAudit } from './audit.repository';
import { pageTotal } from './paging';
import { likePrefix } from './members.repository';

export const ORGANIZATION_COLUMNS = [
  'id',
  'name',
  'org_type',
  'address',
  'city',
  'state',
  'postal_code',
  'phone',
  'email',
  'website',
  'salting_score',
  'notes',
  'created_at',
  'updated_at',
] as const;

export const CONTACT_COLUMNS = [
  'id',
  'organization_id',
  'first_name',
  'last_name',
  'title',
  'phone',
  'email',
  'is_primary',
  'notes',
  'created_at',
  'updated_at',
] as const;

export async function listOrganizations(db: Kysely<Database>, f: ListOrganizationsInput) {
  let base = db.selectFrom('organizations');
  if (f.type) base = base.where('org_type', '=', f.type);
  if (f.q) base = base.where(sql`lower(name)`, 'like', likePrefix(f.q));
  const items = await base.select(ORGANIZATION_COLUMNS).orderBy('id').limit(f.limit).offset(f.offset).execute();
  const total = await pageTotal(items.length, f, async () => (await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { items, total, limit: f.limit, offset: f.offset };
}

export async function findOrganizationById(db: Kysely<Database>, id: number) {
  return db.selectFrom('organizations').select(ORGANIZATION_COLUMNS).where('id', '=', id).executeTakeFirst();
}

/** Contacts of an organization, the primary first. */
export async function listContacts(db: Kysely<Database>, organizationId: number) {
  return db
    .selectFrom('organization_contacts')
    .select(CONTACT_COLUMNS)
    .where('organization_id', '=', organizationId)
    .orderBy('is_primary', 'desc')
    .orderBy('id')
    .execute();
}

export async function getOrganizationDetail(db: Kysely<Database>, id: number) {
  const [org, contacts] = await Promise.all([findOrganizationById(db, id), listContacts(db, id)]);
  return org ? { ...org, contacts } : undefined;
}

export async function createOrganization(db: Kysely<Database>, input: CreateOrganizationInput) {
  return db.transaction().execute(async (trx) => {
    const row = await trx.insertInto('organizations').values(input).returning(ORGANIZATION_COLUMNS).executeTakeFirstOrThrow();
    await recordAudit(trx, { table: 'organizations', recordId: row.id, action: 'insert', newValues: row });
    return row;
  });
}

async function lockOrganization(trx: Transaction<Database>, id: number) {
  return trx.selectFrom('organizations').select(ORGANIZATION_COLUMNS).where('id', '=', id).forNoKeyUpdate().executeTakeFirst();
}

export async function updateOrganization(db: Kysely<Database>, id: number, patch: UpdateOrganizationInput) {
  return db.transaction().execute(async (trx) => {
    const before = await lockOrganization(trx, id);
    if (!before) return undefined;
    const after = await trx.updateTable('organizations').set(patch).where('id', '=', id).returning(ORGANIZATION_COLUMNS).executeTakeFirstOrThrow();
    await recordAudit(trx, { table: 'organizations', recordId: id, action: 'update', oldValues: before, newValues: after });
    return after;
  });
}

/**
 * Undefined when the organization does not exist. A primary newcomer demotes the old primary (a
 * transaction that locks the organization first, like the primary swap); any other contact is one
 * statement with its audit row, the foreign key answering for the organization.
 */
export async function createContact(db: Kysely<Database>, organizationId: number, input: CreateContactInput) {
  if (!input.is_primary) {
    try {
      return await db
        .with('written', (qb) => qb.insertInto('organization_contacts').values({ ...input, organization_id: organizationId }).returning(CONTACT_COLUMNS))
        .with('audit', auditCte('organization_contacts', 'insert'))
        .selectFrom('written')
        .selectAll()
        .executeTakeFirstOrThrow();
    } catch (err) {
      if ((err as { constraint?: string }).constraint === 'organization_contacts_organization_id_fkey') return undefined;
      throw err;
    }
  }
  return transactionWithRetry(db, async (trx) => {
    if (!(await lockOrganization(trx, organizationId))) return undefined;
    await trx
      .updateTable('organization_contacts')
      .set({ is_primary: false })
      .where('organization_id', '=', organizationId)
      .where('is_primary', '=', true)
      .execute();
    const row = await trx
      .insertInto('organization_contacts')
      .values({ ...input, organization_id: organizationId })
      .returning(CONTACT_COLUMNS)
      .executeTakeFirstOrThrow();
    await recordAudit(trx, { table: 'organization_contacts', recordId: row.id, action: 'insert', newValues: row });
    return row;
  });
}

export type PrimarySwapResult = { kind: 'no_organization' } | { kind: 'no_contact' } | { kind: 'ok'; contact: Awaited<ReturnType<typeof listContacts>>[number] };

/**
 * Make `contactId` the organization's only primary contact, atomically: lock the organization
 * row (serializes swaps of one organization), demote the current primary, promote the new one.
 */
export async function setPrimaryContact(db: Kysely<Database>, organizationId: number, contactId: number): Promise<PrimarySwapResult> {
  return transactionWithRetry(db, async (trx) => {
    if (!(await lockOrganization(trx, organizationId))) return { kind: 'no_organization' as const };
    const contact = await trx
      .selectFrom('organization_contacts')
      .select(CONTACT_COLUMNS)
      .where('id', '=', contactId)
      .where('organization_id', '=', organizationId)
      .forUpdate()
      .executeTakeFirst();
    if (!contact) return { kind: 'no_contact' as const };
    if (contact.is_primary) return { kind: 'ok' as const, contact };
    const demoted = await trx
      .updateTable('organization_contacts')
      .set({ is_primary: false })
      .where('organization_id', '=', organizationId)
      .where('is_primary', '=', true)
      .returning('id')
      .execute();
    const promoted = await trx
      .updateTable('organization_contacts')
      .set({ is_primary: true })
      .where('id', '=', contactId)
      .returning(CONTACT_COLUMNS)
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      table: 'organization_contacts',
      recordId: contactId,
      action: 'update',
      oldValues: { is_primary: false, primary_contact_id: demoted[0]?.id ?? null },
      newValues: { is_primary: true, primary_contact_id: contactId },
    });
    return { kind: 'ok' as const, contact: promoted };
  });
}
