// Data Safety: every write the API acknowledged (2xx) during the run was recorded by the scenario
// as a `writes_acked` sample naming the row and what must be found there. After the run each one
// is checked over HTTP. An update later overwritten by the same user's next update is checked by
// the final value (users only update their own rows, so the last acknowledged value must win).
// A run cut by a signal (interrupt.ts), or whose API server died, had requests in flight whose
// answers k6 never received, and the database may have committed them: when such a write changed a
// row after its last acknowledged write (the row's updated_at is later than that acknowledgement),
// the acknowledged value was superseded, not lost; it is counted as verified and reported apart
// (changed_unanswered). Only in such runs: otherwise k6 sees every answer.
// A row that could not be read because the database (or the API) was unreachable at verify time
// (503 "unavailable", or no answer at all) proves nothing either way: that write is counted as
// unverified, with the reason, never as lost.
import { API_PREFIX } from '../../server/domain/routes';
import { mapLimit } from '../../maintenance/concurrency';
import type { ApiClient } from '../lib/data-pool';

export interface AckedWrite {
  t: number;
  op: string;
  ref: string;
  expect: string;
}

export interface DataSafety {
  acknowledged: number;
  verified: number;
  lost: number;
  by_op: Record<string, OpSafety>;
  /** Up to 20 examples of lost writes, for the report. */
  lost_examples: { op: string; ref: string; expect: string; found: string }[];
  /** Set when the writes could not be checked: then `lost` is not known. */
  unverified_reason?: string;
  /** Cut runs / dead servers: acknowledged values superseded by a write whose answer never came (see above). */
  changed_unanswered?: number;
  /** Writes whose row could not be read (database or API unreachable at verify time): neither verified nor lost. */
  unverified?: number;
  /** Why they could not be read (distinct reasons, at most 5). */
  unverified_reasons?: string[];
}

/** Per operation: acknowledged, verified, lost and (when some could not be read) unverified. */
export interface OpSafety {
  acknowledged: number;
  verified: number;
  lost: number;
  unverified?: number;
}

export interface VerifyOptions {
  /** The run was cut by a signal, or its server died: some writes were sent whose answers never came. */
  unansweredWrites?: boolean;
}

type Row = Record<string, unknown>;

/** A referenced row as read back: the row (undefined: not there), or why it could not be read. */
type ReadBack = { row: Row | undefined; unreachable?: undefined } | { row?: undefined; unreachable: string };

/** The current state of one referenced row, fetched once per row (or per parent list). */
class RowReader {
  private cache = new Map<string, Promise<ReadBack>>();
  constructor(private api: ApiClient) {}

  private fetchJson(path: string): Promise<ReadBack> {
    let p = this.cache.get(path);
    if (!p) {
      const url = `${API_PREFIX}${path}`;
      p = this.api.get<Row>(url).then(
        (r): ReadBack => {
          if (r.status === 200) return { row: r.body };
          // 503 is what the API answers when it cannot reach its database: the row's fate is unknown.
          if (r.status === 503) {
            const message = (r.body as { error?: { message?: string } } | undefined)?.error?.message;
            const what = !message || /database/i.test(message) ? 'database unreachable' : 'API unavailable';
            return { unreachable: `${what}: GET ${url.replace(/\/\d+/g, '/:id')} answered 503${message ? ` (${message})` : ''}` };
          }
          return { row: undefined };
        },
        (err: Error): ReadBack => ({ unreachable: `API unreachable: GET ${url.replace(/\/\d+/g, '/:id')} failed (${(err.cause as Error | undefined)?.message ?? err.message})` }),
      );
      this.cache.set(path, p);
    }
    return p;
  }

  private async inList(path: string, id: string | undefined): Promise<ReadBack> {
    const list = await this.fetchJson(path);
    if (list.unreachable) return list;
    const body = list.row as unknown;
    const items = Array.isArray(body) ? body : ((body as { items?: Row[] } | undefined)?.items ?? []);
    return { row: (items as Row[]).find((e) => String(e.id) === id) };
  }

  async row(ref: string): Promise<ReadBack> {
    const [kind, a, b] = ref.split(':');
    switch (kind) {
      case 'member':
        return this.fetchJson(`/members/${a}`);
      case 'file':
        return this.fetchJson(`/files/${a}`);
      case 'employment':
        return this.inList(`/members/${a}/employments`, b);
      case 'contact':
        return this.inList(`/organizations/${a}/contacts`, b);
      default:
        return { row: undefined };
    }
  }
}

/** True when the row was written after `t` (epoch ms), by its updated_at. */
function changedAfter(row: Row | undefined, t: number): boolean {
  const u = row?.updated_at;
  return typeof u === 'string' && Date.parse(u) > t;
}

function satisfied(row: Row | undefined, expect: string): { ok: boolean; found: string } {
  if (!row) return { ok: false, found: 'row not found' };
  if (expect === 'exists') return { ok: true, found: 'exists' };
  const i = expect.indexOf('=');
  const field = expect.slice(0, i);
  const want = expect.slice(i + 1);
  const have = row[field];
  const haveText = have === null || have === undefined ? 'null' : String(have);
  return { ok: haveText === want, found: `${field}=${haveText}` };
}

export async function verifyAckedWrites(api: ApiClient, writes: AckedWrite[], o: VerifyOptions = {}): Promise<DataSafety> {
  // For each (row, field) only the last acknowledged value can be current.
  const lastOf = new Map<string, number>();
  writes.forEach((w, i) => {
    const key = `${w.ref}|${w.expect === 'exists' ? 'exists' : w.expect.slice(0, w.expect.indexOf('='))}`;
    const prev = lastOf.get(key);
    if (prev === undefined || writes[prev]!.t <= w.t) lastOf.set(key, i);
  });
  const reader = new RowReader(api);
  const results = await mapLimit(writes, 16, async (w): Promise<{ ok: boolean; found: string; unanswered?: true; unreachable?: string }> => {
    const read = await reader.row(w.ref);
    if (read.unreachable) return { ok: false, found: 'not read', unreachable: read.unreachable };
    const row = read.row;
    if (w.expect === 'exists') return satisfied(row, 'exists');
    const key = `${w.ref}|${w.expect.slice(0, w.expect.indexOf('='))}`;
    const last = writes[lastOf.get(key)!]!;
    // A superseded update counts as kept when the row exists and the final value is the last one.
    const r = satisfied(row, last.expect);
    if (!r.ok && o.unansweredWrites && changedAfter(row, last.t)) return { ok: true, found: r.found, unanswered: true };
    return r;
  });
  const out: DataSafety = { acknowledged: writes.length, verified: 0, lost: 0, by_op: {}, lost_examples: [] };
  writes.forEach((w, i) => {
    const r = results[i]!;
    const s = (out.by_op[w.op] ??= { acknowledged: 0, verified: 0, lost: 0 });
    s.acknowledged++;
    if (r.unreachable) {
      out.unverified = (out.unverified ?? 0) + 1;
      s.unverified = (s.unverified ?? 0) + 1;
      out.unverified_reasons ??= [];
      if (!out.unverified_reasons.includes(r.unreachable) && out.unverified_reasons.length < 5) out.unverified_reasons.push(r.unreachable);
    } else if (r.ok) {
      if (r.unanswered) out.changed_unanswered = (out.changed_unanswered ?? 0) + 1;
      out.verified++;
      s.verified++;
    } else {
      out.lost++;
      s.lost++;
      if (out.lost_examples.length < 20) out.lost_examples.push({ op: w.op, ref: w.ref, expect: w.expect, found: r.found });
    }
  });
  return out;
}

/**
 * Verifies the acknowledged writes of several k6 instances, one instance's list at a time. Every
 * referenced row was created by one VU, updated only by that VU, and each VU runs in exactly one
 * execution segment, so checking instance by instance is checking the union.
 */
export async function verifyAckedWritesByInstance(api: ApiClient, lists: Iterable<AckedWrite[]>, o: VerifyOptions = {}): Promise<DataSafety> {
  const out: DataSafety = { acknowledged: 0, verified: 0, lost: 0, by_op: {}, lost_examples: [] };
  for (const writes of lists) {
    const d = await verifyAckedWrites(api, writes, o);
    if (d.changed_unanswered) out.changed_unanswered = (out.changed_unanswered ?? 0) + d.changed_unanswered;
    if (d.unverified) out.unverified = (out.unverified ?? 0) + d.unverified;
    for (const reason of d.unverified_reasons ?? []) {
      out.unverified_reasons ??= [];
      if (!out.unverified_reasons.includes(reason) && out.unverified_reasons.length < 5) out.unverified_reasons.push(reason);
    }
    out.acknowledged += d.acknowledged;
    out.verified += d.verified;
    out.lost += d.lost;
    for (const [op, c] of Object.entries(d.by_op)) {
      const s = (out.by_op[op] ??= { acknowledged: 0, verified: 0, lost: 0 });
      s.acknowledged += c.acknowledged;
      s.verified += c.verified;
      s.lost += c.lost;
      if (c.unverified) s.unverified = (s.unverified ?? 0) + c.unverified;
    }
    for (const e of d.lost_examples) if (out.lost_examples.length < 20) out.lost_examples.push(e);
  }
  return out;
}

/** Data Safety when nobody could check: the acknowledged writes counted, none verified, lost unknown. */
export function unverifiedDataSafety(lists: Iterable<AckedWrite[]>, reason: string): DataSafety {
  const out: DataSafety = { acknowledged: 0, verified: 0, lost: 0, by_op: {}, lost_examples: [], unverified_reason: reason };
  for (const writes of lists) {
    for (const w of writes) {
      out.acknowledged++;
      (out.by_op[w.op] ??= { acknowledged: 0, verified: 0, lost: 0 }).acknowledged++;
    }
  }
  return out;
}
