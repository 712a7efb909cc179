// One capacity model from recorded steps, with the fixed run identity the unit tests share
// (runId, createdAt, k6 version, own target, 4,000 users, 500 ms, seed 46); `over` changes any input.
import { buildCapacityModel, type BuildModelInput } from '../../load/capacity/capacity-model';
import type { StepSummary } from '../../load/capacity/step-summary';

export function modelFrom(steps: StepSummary[], over: Partial<BuildModelInput> = {}) {
  return buildCapacityModel({
    runId: '20261122T180000Z-capacity',
    createdAt: '2026-11-22T18:00:00.000Z',
    k6Version: 'v2.2.0',
    target: 'http://127.0.0.1:3000',
    targetIsOwnServer: true,
    steps,
    thinkMs: steps[0]!.think_time_ms,
    rampUpS: steps[0]!.ramp_up_s,
    holdS: steps[0]!.hold_s,
    targetUsers: 4000,
    rtTargetMs: 500,
    seed: 46,
    ...over,
  });
}
