// Per-request context carried through async calls (AsyncLocalStorage): the database time spent on
// behalf of the request, summed from Kysely's query log, for Server-Timing and the db-time metric,
// and what the response must wait for (cache invalidations reaching the other cluster workers).
import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestTiming {
  /** performance.now() when the request arrived. */
  startedAt: number;
  /** Milliseconds spent in database queries for this request (summed; parallel queries add up). */
  dbMs: number;
  /** Work the response must wait for: cache invalidations other cluster workers are applying. */
  pending?: Promise<unknown>[];
}

export const requestContext = new AsyncLocalStorage<RequestTiming>();

/** Add a query's duration to the current request (no-op outside a request). */
export function addDbTime(ms: number): void {
  const timing = requestContext.getStore();
  if (timing) timing.dbMs += ms;
}
