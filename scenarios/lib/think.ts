// Think time: jittered around the mean (uniform 0.5x–1.5x), so users do not march in lockstep.
import { sleep } from 'k6';

export function thinkTime(meanMs: number): void {
  if (meanMs <= 0) return;
  sleep((meanMs * (0.5 + Math.random())) / 1000);
}

/** Delay of user `vu` (1-based) so that `users` users start evenly spread over `rampUpS`. */
export function rampUpDelayS(vu: number, users: number, rampUpS: number): number {
  if (users <= 1 || rampUpS <= 0) return 0;
  return (rampUpS * (vu - 1)) / users;
}
