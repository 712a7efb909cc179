// The database's own ceiling for the member-detail read: the same two SQL statements the API runs
// for GET /members/:id (compiled from the same Kysely builders), issued with plain `pg` at a fixed
// arrival rate (open loop: latency counts from the scheduled start, so queueing is included, as
// with k6's constant-arrival-rate).
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from '../../server/db/schema';
import { EMPLOYMENT_COLUMNS, MEMBER_COLUMNS } from '../../server/repositories/members.repository';
import { percentile } from '../results/stats';

export interface StepResult {
  targetRate: number;
  achievedRate: number;
  p95Ms: number;
  failures: number;
  dropped: number;
  requests: number;
}

/** The two statements of getMemberDetail(), with the id as $1. */
export function memberDetailSql(): { member: string; employments: string } {
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ max: 0 }) }) });
  const member = db.selectFrom('members').select(MEMBER_COLUMNS).where('id', '=', 0).where('deleted_at', 'is', null).compile().sql;
  const employments = db
    .selectFrom('member_employments')
    .select(EMPLOYMENT_COLUMNS)
    .select(sql<boolean>`end_date is null`.as('is_current'))
    .where('member_id', '=', 0)
    .orderBy('start_date', 'desc')
    .orderBy('id', 'desc')
    .compile().sql;
  return { member, employments };
}


/** Run the member-detail read at `rate` per second for `seconds` against `pool`. */
export async function runRawPgStep(pool: pg.Pool, ids: number[], rate: number, seconds: number, maxInFlight: number): Promise<StepResult> {
  const q = memberDetailSql();
  const latencies: number[] = [];
  let failures = 0;
  let dropped = 0;
  let inFlight = 0;
  const t0 = performance.now();
  const total = Math.round(rate * seconds);
  const pending: Promise<void>[] = [];
  let issued = 0;
  while (issued < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - t0) / 1000) * rate) + 1);
    for (; issued < due; issued++) {
      const scheduled = t0 + (issued / rate) * 1000;
      if (inFlight >= maxInFlight) {
        dropped++; // like k6 running out of VUs: the generator cannot keep the rate
        continue;
      }
      const id = ids[issued % ids.length]!;
      inFlight++;
      pending.push(
        (async () => {
          try {
            // In parallel, as getMemberDetail() does.
            await Promise.all([pool.query(q.member, [id]), pool.query(q.employments, [id])]);
            latencies.push(performance.now() - scheduled);
          } catch {
            failures++;
          } finally {
            inFlight--;
          }
        })(),
      );
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { targetRate: rate, achievedRate: latencies.length / elapsed, p95Ms: percentile(latencies, 95), failures, dropped, requests: latencies.length + failures };
}
