// The database's own ceiling for the member-detail read: the same SQL statement the API runs for
// GET /members/:id (compiled from the same Kysely builder, a named prepared statement on a pool
// from the API's createPool, as the API sends it), issued with plain `pg` at a fixed
// arrival rate (open loop: latency counts from the scheduled start, so queueing is included, as
// with k6's constant-arrival-rate).
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../../server/db/schema';
import { memberDetailStatement } from '../../server/repositories/members.repository';
import { percentile } from '../results/stats';

export interface StepResult {
  targetRate: number;
  achievedRate: number;
  p95Ms: number;
  failures: number;
  dropped: number;
  requests: number;
}

/** The statement of getMemberDetailJson(), with the id as $1 (registered as a prepared statement). */
export function memberDetailSql(): string {
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ max: 0 }) }) });
  return memberDetailStatement(db).sql;
}

/**
 * Run the member-detail read at `rate` per second for `seconds` against `pool` (from createPool()).
 * `stopped` ends the step early (an interrupted benchmark): what was issued is waited for and counted.
 */
export async function runRawPgStep(pool: pg.Pool, ids: number[], rate: number, seconds: number, maxInFlight: number, stopped: () => boolean = () => false): Promise<StepResult> {
  const q = memberDetailSql();
  const latencies: number[] = [];
  let failures = 0;
  let dropped = 0;
  let inFlight = 0;
  const t0 = performance.now();
  const total = Math.round(rate * seconds);
  const pending: Promise<void>[] = [];
  let issued = 0;
  while (issued < total && !stopped()) {
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
            await pool.query(q, [id]);
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
