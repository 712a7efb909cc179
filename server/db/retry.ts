// Transactions retried on SQLSTATE serialization_failure (40001) and deadlock_detected (40P01)
// only, with capped exponential backoff and full jitter. Never matches message text.
import type { Kysely, Transaction } from 'kysely';

export const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);

export interface RetryOptions {
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Hook for metrics/tests: called before each retry. */
  onRetry?: (attempt: number, code: string) => void;
}

export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isRetryable(err: unknown): boolean {
  const code = sqlState(err);
  return code !== undefined && RETRYABLE_SQLSTATES.has(code);
}

export function backoffDelayMs(attempt: number, baseDelayMs: number, maxDelayMs: number, random = Math.random): number {
  const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * cap);
}

export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const maxAttempts = opts.maxAttempts ?? 5;
  const base = opts.baseDelayMs ?? 10;
  const max = opts.maxDelayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isRetryable(err) || attempt >= maxAttempts) throw err;
      opts.onRetry?.(attempt, sqlState(err)!);
      await new Promise((r) => setTimeout(r, backoffDelayMs(attempt, base, max)));
    }
  }
}

/** A transaction that is re-run from the start when PostgreSQL asks us to retry it. */
export function transactionWithRetry<DB, T>(
  db: Kysely<DB>,
  fn: (trx: Transaction<DB>) => Promise<T>,
  opts: RetryOptions = {},
): Promise<T> {
  return withRetry(() => db.transaction().execute(fn), opts);
}
