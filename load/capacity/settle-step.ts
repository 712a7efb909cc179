// The settling step. When every measured step stayed below ~30 % of the first bottleneck's capacity,
// the demand model extrapolates the demands a long way (on this machine the per-request CPU at 4,000
// users came out half of what 25…800 users had measured, 2026-12-01), and the report says so and
// names the step that would settle it: about 60 % of that capacity. `loadlab capacity` then runs that
// step itself (unless --no-settle), so the answer rests on a measurement near the question — but at
// no more than half the target users: a step is not the validation run, and with it the target is
// within 2× the largest step, where the USL counts as reliable too (USL_RELIABLE_FACTOR).
import type { CapacityModel } from './capacity-model';

/** A settling step must be at least this much larger than the largest step to add anything. */
const MIN_GAIN = 1.25;

export type SettleDecision = { users: number; why: string } | { users: null; why: string };

/** Two significant digits: a step of 2,734 users is run as 2,700. */
function round2(n: number): number {
  const p = 10 ** Math.max(0, Math.floor(Math.log10(n)) - 1);
  return Math.round(n / p) * p;
}

/** Whether to run a settling step after the model of `model`'s steps, and at how many users. */
export function settleStep(model: CapacityModel, targetUsers: number): SettleDecision {
  const d = model.demand;
  if (!d.ok) return { users: null, why: `no demand model (${d.reason})` };
  const e = d.evidence;
  const share = e.max_share === null ? 'no measured share' : `${Math.round(100 * e.max_share)}%`;
  if (!e.weak) return { users: null, why: `the steps reached ${share} of ${e.bottleneck}'s capacity: enough evidence` };
  if (e.settle_users === null) return { users: null, why: `the model names no user count at 60% of ${e.bottleneck}'s capacity` };
  const at60 = round2(e.settle_users);
  const half = round2(targetUsers / 2);
  const users = Math.min(at60, half);
  const where = users === at60 ? 'about 60% of it' : `half the ${targetUsers} asked about; 60% of it is at ~${at60}`;
  if (users < MIN_GAIN * e.largest_step) return { users: null, why: `a settling step (${where}) would be at ~${users} users, not far beyond the largest step (${e.largest_step})` };
  return { users, why: `weak evidence: the steps reached ${share} of ${e.bottleneck}'s capacity; a step at ${users} users (${where}) settles the extrapolation` };
}
