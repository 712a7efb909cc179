// Reads to a streaming replica (DATABASE_READ_URL) without a stale read after a write.
//
// Which reads: those of the read-through cache (member and organization detail, the lists), the
// reads whose writes the API already names (every write invalidates their cache keys). Every other
// read, and every write, stays on the primary.
//
// Read-your-writes, by replay position rather than by a time window: every POLL_MS the router
// samples the primary's WAL insert position (pg_current_wal_insert_lsn(), taken at time t) and the
// replica's replay position (pg_last_wal_replay_lsn()). Once the replica has replayed a position
// sampled at t, it holds every commit made before t. A write marks the keys it invalidates with
// the time it committed (on every cluster worker, through the cache relay, before the write
// answers); a read of a key goes to the replica only when the replica holds a position sampled
// after that key's last write, otherwise to the primary. So a read after a write (anyone's, not
// only the writer's) never sees the replica's older state, however far behind it is; keys nobody
// wrote recently are read from the replica. A time window would be a guess about lag; this waits
// for the evidence, and costs no query on the write path.
//
// Health: lag_ms = time since the newest primary position the replica has replayed was sampled
// (0 when it has replayed the latest sample); over REPLICA_MAX_LAG_MS, unreachable, or no longer
// in recovery: every read goes to the primary and /health says degraded with the reason. Polling
// goes on, and reads return to the replica when it is back and caught up.
//
// At start: a DATABASE_READ_URL that answers but is not a standby (the primary itself or another
// primary), is another major version, or replicates another cluster (system identifier) is
// refused with one line (ReplicaConfigError). One that does not answer yet is started degraded.
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import type { Database } from './schema';

export class ReplicaConfigError extends Error {}

export interface ReplicaStatus {
  ok: boolean;
  /** reads are being sent to the replica now */
  used: boolean;
  latency_ms: number | null;
  lag_ms: number | null;
  max_lag_ms: number;
  /** why reads are not going to the replica (absent when used) */
  reason?: string;
}

export interface ReadRouterOptions {
  primary: Kysely<Database>;
  replica: { db: Kysely<Database>; pool: pg.Pool };
  maxLagMs: number;
  pollMs: number;
}

/** pg_lsn text (X/Y) as a number: both halves are 32-bit, so it fits below 2^53 for any real WAL. */
export function lsnValue(text: string | null): number | null {
  if (!text) return null;
  const [hi, lo] = text.split('/');
  return parseInt(hi!, 16) * 2 ** 32 + parseInt(lo!, 16);
}

interface Sample {
  t: number;
  lsn: number;
}

const errorText = (err: unknown) => {
  const e = err as { code?: string; message?: string };
  return (e.code ? `${e.code}: ${e.message ?? ''}` : (e.message ?? String(err))).trim();
};

export interface ServerIdentity {
  recovery: boolean;
  /** server_version_num */
  version: number;
  /** pg_control_system().system_identifier */
  system: string;
}

/** Why `replica` cannot serve the reads of `primary` (one line), or undefined when it can. */
export function refuseReplica(primary: ServerIdentity, replica: ServerIdentity): string | undefined {
  const major = (v: number) => Math.floor(v / 10_000);
  if (!replica.recovery) return 'DATABASE_READ_URL is not a standby (pg_is_in_recovery() is false): it points at the primary or at another primary, not a streaming replica';
  if (major(replica.version) !== major(primary.version)) return `DATABASE_READ_URL is PostgreSQL ${major(replica.version)}, DATABASE_URL is PostgreSQL ${major(primary.version)}: a streaming replica has the primary's major version`;
  if (replica.system !== primary.system) return `DATABASE_READ_URL replicates another cluster (system identifier ${replica.system}, the primary's is ${primary.system})`;
  return undefined;
}

async function identity(db: Kysely<Database>): Promise<ServerIdentity> {
  const { rows } = await sql<ServerIdentity>`
    select pg_is_in_recovery() as recovery, current_setting('server_version_num')::int as version,
           (select system_identifier::text from pg_control_system()) as system`.execute(db);
  return rows[0]!;
}

export class ReadRouter {
  readonly replica: ReadRouterOptions['replica'];
  private readonly primary: Kysely<Database>;
  private readonly maxLagMs: number;
  private readonly pollMs: number;
  /** recent primary positions, oldest first */
  private samples: Sample[] = [];
  /** the replica holds every commit made before this time (performance.now()) */
  private safeTime = -Infinity;
  /** key -> time of its last write, while the replica may not hold it yet */
  private readonly written = new Map<string, number>();
  private reachable = false;
  /** the start-up check passed (done at the first answer when the replica was away at start) */
  private verified = false;
  private refused: string | undefined;
  private inRecovery = true;
  private lagMs: number | null = null;
  private latencyMs: number | null = null;
  private error: string | undefined = 'not checked yet';
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(o: ReadRouterOptions) {
    this.primary = o.primary;
    this.replica = o.replica;
    this.maxLagMs = o.maxLagMs;
    this.pollMs = o.pollMs;
  }

  /** The start-up check: refuses a URL that is not a standby of this primary's major version and cluster. */
  async verify(): Promise<void> {
    const primary = await identity(this.primary);
    let replica;
    try {
      replica = await identity(this.replica.db);
    } catch (err) {
      this.error = `unreachable: ${errorText(err)}`;
      return;
    }
    const refused = refuseReplica(primary, replica);
    if (refused) throw new ReplicaConfigError(refused);
    this.verified = true;
    await this.poll();
  }

  start(): void {
    const tick = () => {
      this.polling = this.poll().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.pollMs);
      });
    };
    this.timer = setTimeout(tick, this.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  /** One observation of both servers. */
  async poll(): Promise<void> {
    const t = performance.now();
    try {
      const { rows } = await sql<{ lsn: string }>`select pg_current_wal_insert_lsn()::text as lsn`.execute(this.primary);
      this.samples.push({ t, lsn: lsnValue(rows[0]!.lsn)! });
      if (this.samples.length > 600) this.samples.shift();
    } catch {
      // The primary is away: nothing new to compare with; the replica's figures stay as they were.
    }
    if (this.refused) return;
    const t0 = performance.now();
    try {
      if (!this.verified) {
        const refused = refuseReplica(await identity(this.primary), await identity(this.replica.db));
        if (refused) {
          this.refused = this.error = refused;
          return;
        }
        this.verified = true;
      }
      const { rows } = await sql<{ recovery: boolean; replay: string | null }>`
        select pg_is_in_recovery() as recovery, pg_last_wal_replay_lsn()::text as replay`.execute(this.replica.db);
      this.latencyMs = Math.round((performance.now() - t0) * 100) / 100;
      this.reachable = true;
      this.inRecovery = rows[0]!.recovery;
      this.error = this.inRecovery ? undefined : 'no longer in recovery (promoted?): not a replica of the primary any more';
      const replay = lsnValue(rows[0]!.replay);
      // The newest primary position the replica has replayed.
      let i = this.samples.length - 1;
      while (i >= 0 && (replay === null || this.samples[i]!.lsn > replay)) i--;
      if (i >= 0) {
        this.safeTime = Math.max(this.safeTime, this.samples[i]!.t);
        this.samples = this.samples.slice(i);
      }
      const newest = this.samples.at(-1);
      this.lagMs = newest && this.safeTime >= newest.t ? 0 : Number.isFinite(this.safeTime) ? Math.round(performance.now() - this.safeTime) : null;
      for (const [key, at] of this.written) if (at < this.safeTime) this.written.delete(key);
    } catch (err) {
      this.reachable = false;
      this.latencyMs = null;
      this.error = `unreachable: ${errorText(err)}`;
    }
  }

  /** Keys a write changed (after its commit). */
  markWritten(key: string): void {
    this.written.set(key, performance.now());
  }

  private usable(): string | undefined {
    if (this.error) return this.error;
    if (this.lagMs === null) return 'has not caught up with the primary yet';
    if (this.lagMs > this.maxLagMs) return `lag ${this.lagMs} ms is over REPLICA_MAX_LAG_MS ${this.maxLagMs} ms`;
    return undefined;
  }

  /** Where to read `key` from now. */
  readerFor(key: string): { db: Kysely<Database>; from: 'replica' | 'primary' } {
    const at = this.written.get(key);
    if (this.usable() !== undefined || (at !== undefined && at >= this.safeTime)) return { db: this.primary, from: 'primary' };
    return { db: this.replica.db, from: 'replica' };
  }

  status(): ReplicaStatus {
    const reason = this.usable();
    return {
      ok: reason === undefined,
      used: reason === undefined,
      latency_ms: this.latencyMs,
      lag_ms: this.reachable ? this.lagMs : null,
      max_lag_ms: this.maxLagMs,
      ...(reason ? { reason } : {}),
    };
  }
}
