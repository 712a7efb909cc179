// transactionWithRetry against real PostgreSQL: a real deadlock (40P01) and a real serialization
// failure (40001) are retried until the work commits; any other error (a unique violation) is not.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transactionWithRetry } from '../../server/db/retry';
import { createTestDatabase, type TestDatabase } from '../support/database';

let t: TestDatabase;
let a: number;
let b: number;

beforeAll(async () => {
  t = await createTestDatabase();
  const rows = await t.db.insertInto('locations').values([{ name: 'A', capacity: 0 }, { name: 'B', capacity: 0 }]).returning('id').execute();
  a = rows[0]!.id;
  b = rows[1]!.id;
});
afterAll(async () => t?.drop());

/** Resolves when both sides have reached it. */
function barrier() {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((r) => (release = r));
  return async () => {
    if (++arrived === 2) release();
    await all;
  };
}

describe('transactionWithRetry', () => {
  it('retries a deadlock victim (40P01) and both transactions commit', async () => {
    const retried: string[] = [];
    const meet = barrier();
    let firstTry = true;
    const bump = (first: number, second: number) =>
      transactionWithRetry(
        t.db,
        async (trx) => {
          await trx.updateTable('locations').set((eb) => ({ capacity: eb('capacity', '+', 1) })).where('id', '=', first).execute();
          if (firstTry) await meet(); // both hold their first lock before asking for the second
          await trx.updateTable('locations').set((eb) => ({ capacity: eb('capacity', '+', 1) })).where('id', '=', second).execute();
        },
        { onRetry: (_n, code) => { firstTry = false; retried.push(code); } },
      );
    await Promise.all([bump(a, b), bump(b, a)]);
    expect(retried).toEqual(['40P01']);
    const caps = await t.db.selectFrom('locations').select('capacity').where('id', 'in', [a, b]).execute();
    expect(caps.map((c) => c.capacity)).toEqual([2, 2]);
  });

  it('retries a serialization failure (40001) under SERIALIZABLE', async () => {
    const retried: string[] = [];
    const meet = barrier();
    let attempts = 0;
    const readThenWrite = () =>
      transactionWithRetry(
        t.db,
        async (trx) => {
          attempts++;
          await sql`set transaction isolation level serializable`.execute(trx);
          const total = await trx.selectFrom('locations').select((eb) => eb.fn.sum<number>('capacity').as('s')).executeTakeFirstOrThrow();
          if (attempts <= 2) await meet();
          await trx.insertInto('locations').values({ name: `sum ${total.s}`, capacity: 0 }).execute();
        },
        { onRetry: (_n, code) => retried.push(code) },
      );
    await Promise.all([readThenWrite(), readThenWrite()]);
    expect(retried).toEqual(['40001']);
    expect(attempts).toBe(3);
  });

  it('does not retry other errors (a unique violation fails at once)', async () => {
    let attempts = 0;
    await t.db.insertInto('instructors').values({ first_name: 'A', last_name: 'B', email: 'dup@example.org' }).execute();
    const err = await transactionWithRetry(t.db, async (trx) => {
      attempts++;
      await trx.insertInto('instructors').values({ first_name: 'A', last_name: 'B', email: 'dup@example.org' }).execute();
    }).catch((e: { code?: string }) => e);
    expect((err as { code?: string }).code).toBe('23505');
    expect(attempts).toBe(1);
  });
});
