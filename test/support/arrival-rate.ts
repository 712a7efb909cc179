// How many iterations k6's constant-arrival-rate executor starts in a run, against the plan, with
// the slack its timing allows; shared by the level tests (test/e2e/level.test.ts) and the level run
// split over k6 instances (test/e2e/instances.test.ts).
import { expect } from 'vitest';

/**
 * Iterations started (sent + dropped) against the plan (rate x duration). Not exact: k6's
 * constant-arrival-rate loop (lib/executor/constant_arrival_rate.go, v2.2.0) selects between the
 * next iteration's timer and the end of the duration, so when it runs late at the end (a busy
 * machine) it starts a few more or fewer than planned: 603 of 600 were seen at load average 2.6.
 * The bound is 2% (at least 3) per k6 instance, since each instance runs that loop for its own
 * segment of the rate and can miss the plan by as much on its own; that is far below what a wrong
 * rate would give (a 1 s error is 100 at 100/s, a segment given the whole rate twice as many).
 */
export function expectStartedAtRate(started: number, planned: number, instances = 1): void {
  const slack = instances * Math.max(3, Math.ceil((planned / instances) * 0.02));
  expect(started, `${started} iterations started, ${planned} planned (± ${slack})`).toBeGreaterThanOrEqual(planned - slack);
  expect(started, `${started} iterations started, ${planned} planned (± ${slack})`).toBeLessThanOrEqual(planned + slack);
}
