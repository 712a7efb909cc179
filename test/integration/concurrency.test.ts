// Invariants under real concurrency, over a listening server (real HTTP, real sockets): the
// database constraints and the row locks decide, never a check-then-act race in the app.
//   500 creates with one member_number      -> exactly one 201 and 499 x 409
//   200 primary-contact swaps on one org     -> exactly one primary contact at the end
//   100 "add current job" for one member     -> exactly one current job
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, createTestApp, type TestApp } from '../support/app';
import { expectErrorShape } from '../support/http';

let t: TestApp;
let base: string;

beforeAll(async () => {
  t = await createTestApp({ DB_POOL_MAX: '40', DB_CONNECT_TIMEOUT_MS: '60000' });
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => t?.close());

async function send(method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { ...AUTH, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const tally = (statuses: number[]) => statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});

describe('concurrency invariants', () => {
  it('500 concurrent creates with one member_number: exactly one 201 and 499 x 409', async () => {
    const payload = { member_number: 'DUP-1', first_name: 'Same', last_name: 'Number', classification: 'journeyman' };
    const results = await Promise.all(Array.from({ length: 500 }, () => send('POST', '/members', payload)));
    expect(tally(results.map((r) => r.status))).toEqual({ 201: 1, 409: 499 });
    for (const r of results.filter((x) => x.status === 409)) {
      expectErrorShape(r.body);
      expect(r.body.error.details[0].path).toBe('member_number');
    }
    const rows = await t.database.db.selectFrom('members').select('id').where('member_number', '=', 'DUP-1').execute();
    expect(rows).toHaveLength(1);
    const audits = await t.database.db.selectFrom('audit_logs').select('id').where('table_name', '=', 'members').where('record_id', '=', rows[0]!.id).execute();
    expect(audits).toHaveLength(1);
  });

  it('200 concurrent primary-contact swaps on one organization leave exactly one primary', async () => {
    const org = await send('POST', '/organizations', { name: 'Swap Electric', org_type: 'employer' });
    const contacts: number[] = [];
    for (let i = 0; i < 20; i++) {
      contacts.push((await send('POST', `/organizations/${org.body.id}/contacts`, { first_name: `C${i}`, last_name: 'Contact', is_primary: i === 0 })).body.id);
    }
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => send('PUT', `/organizations/${org.body.id}/primary-contact`, { contact_id: contacts[(i * 7) % contacts.length] })),
    );
    expect(tally(results.map((r) => r.status))).toEqual({ 200: 200 });
    const primaries = await t.database.db
      .selectFrom('organization_contacts')
      .select('id')
      .where('organization_id', '=', org.body.id)
      .where('is_primary', '=', true)
      .execute();
    expect(primaries).toHaveLength(1);
    const detail = await send('GET', `/organizations/${org.body.id}`);
    expect(detail.body.contacts.filter((c: { is_primary: boolean }) => c.is_primary).map((c: { id: number }) => c.id)).toEqual([primaries[0]!.id]);
  });

  it('100 concurrent "add current job" for one member leave exactly one current job', async () => {
    const org = await send('POST', '/organizations', { name: 'Jobs Electric', org_type: 'employer' });
    const member = await send('POST', '/members', { member_number: 'JOB-1', first_name: 'Busy', last_name: 'Bee', classification: 'lineman' });
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        send('POST', `/members/${member.body.id}/employments`, {
          organization_id: org.body.id,
          start_date: `2020-${String((i % 12) + 1).padStart(2, '0')}-01`,
          hourly_rate: 40 + (i % 10),
        }),
      ),
    );
    expect(tally(results.map((r) => r.status))).toEqual({ 201: 1, 409: 99 });
    const current = await t.database.db
      .selectFrom('member_employments')
      .select('id')
      .where('member_id', '=', member.body.id)
      .where('end_date', 'is', null)
      .execute();
    expect(current).toHaveLength(1);
    const detail = await send('GET', `/members/${member.body.id}`);
    expect(detail.body.employments.filter((e: { is_current: boolean }) => e.is_current)).toHaveLength(1);
  });
});
