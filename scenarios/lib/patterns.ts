// User patterns: which operations each kind of user does, and how a run's users are split
// between kinds. Pure (no k6 imports) so the harness and unit tests use the same numbers.

const READ_OPERATIONS = [
  'read_member_list',
  'read_member_detail',
  'search_members',
  'list_organizations',
  'list_students',
  'list_file_attachments',
  'read_file_metadata',
  'download_file_content',
] as const;

const WRITES = [
  'create_member',
  'update_member',
  'create_employment',
  'end_employment',
  'create_org_contact',
  'create_file_attachment',
  'upload_file_content',
] as const;

export const OPERATIONS = [...READ_OPERATIONS, ...WRITES] as const;
export type Operation = (typeof OPERATIONS)[number];

export const WRITE_OPERATIONS: ReadonlySet<Operation> = new Set(WRITES);

export const USER_KINDS = ['read_heavy', 'write_heavy', 'mixed', 'file_operations'] as const;
export type UserKind = (typeof USER_KINDS)[number];
export const PATTERNS = [...USER_KINDS, 'distributed'] as const;
export type Pattern = (typeof PATTERNS)[number];

/** Operation weights (percent) per kind of user. */
export const USER_MIX: Record<UserKind, Partial<Record<Operation, number>>> = {
  // ~90% reads: viewers, searchers, managers
  read_heavy: {
    read_member_list: 20,
    read_member_detail: 30,
    search_members: 20,
    list_organizations: 10,
    list_students: 5,
    list_file_attachments: 5,
    create_member: 4,
    update_member: 3,
    create_employment: 2,
    create_org_contact: 1,
  },
  // ~70% writes: data entry staff, HR
  write_heavy: {
    read_member_list: 8,
    read_member_detail: 12,
    search_members: 5,
    list_organizations: 5,
    create_member: 20,
    update_member: 15,
    create_employment: 15,
    end_employment: 10,
    create_org_contact: 10,
  },
  // ~60/40: everyday users
  mixed: {
    read_member_list: 15,
    read_member_detail: 20,
    search_members: 15,
    list_organizations: 5,
    list_students: 5,
    create_member: 12,
    update_member: 10,
    create_employment: 8,
    end_employment: 5,
    create_org_contact: 5,
  },
  // document processors
  file_operations: {
    list_file_attachments: 25,
    read_file_metadata: 20,
    download_file_content: 10,
    create_file_attachment: 25,
    upload_file_content: 20,
  },
};

/** The split of the `distributed` pattern: read-heavy / write-heavy / mixed / file users. */
export const DISTRIBUTED_SHARES: Record<UserKind, number> = { read_heavy: 50, write_heavy: 20, mixed: 25, file_operations: 5 };

/**
 * How many users of each kind: largest-remainder rounding of the shares, so the counts add up to
 * `users` exactly (ties go to the kind listed first).
 */
export function splitUsers(pattern: Pattern, users: number): Record<UserKind, number> {
  const out: Record<UserKind, number> = { read_heavy: 0, write_heavy: 0, mixed: 0, file_operations: 0 };
  if (pattern !== 'distributed') {
    out[pattern] = users;
    return out;
  }
  const exact = USER_KINDS.map((k) => ({ k, v: (users * DISTRIBUTED_SHARES[k]) / 100 }));
  let given = 0;
  for (const e of exact) {
    out[e.k] = Math.floor(e.v);
    given += out[e.k];
  }
  const byRemainder = [...exact].sort((a, b) => b.v - Math.floor(b.v) - (a.v - Math.floor(a.v)) || USER_KINDS.indexOf(a.k) - USER_KINDS.indexOf(b.k));
  for (let i = 0; given < users; i++, given++) out[byRemainder[i % byRemainder.length]!.k] += 1;
  return out;
}

/** The kind of user number `vu` (1-based): users are assigned in kind order, in blocks. */
export function kindOfUser(vu: number, split: Record<UserKind, number>): UserKind {
  let upTo = 0;
  for (const k of USER_KINDS) {
    upTo += split[k];
    if (vu <= upTo) return k;
  }
  return USER_KINDS[USER_KINDS.length - 1]!;
}

/** Cumulative weight table for fast weighted choice. */
export function weightTable(kind: UserKind): { ops: Operation[]; cumulative: number[]; total: number } {
  const ops: Operation[] = [];
  const cumulative: number[] = [];
  let total = 0;
  for (const [op, w] of Object.entries(USER_MIX[kind]) as [Operation, number][]) {
    total += w;
    ops.push(op);
    cumulative.push(total);
  }
  return { ops, cumulative, total };
}

export function chooseOperation(table: { ops: Operation[]; cumulative: number[]; total: number }, random: number): Operation {
  const x = random * table.total;
  for (let i = 0; i < table.cumulative.length; i++) if (x < table.cumulative[i]!) return table.ops[i]!;
  return table.ops[table.ops.length - 1]!;
}

export function readShare(kind: UserKind): number {
  const t = weightTable(kind);
  const reads = t.ops.filter((op) => !WRITE_OPERATIONS.has(op)).reduce((s, op) => s + (USER_MIX[kind][op] ?? 0), 0);
  return reads / t.total;
}
