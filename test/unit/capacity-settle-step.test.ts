// The settling step (load/capacity/settle-step.ts): run only when the evidence is weak, at the
// model's ~60 % user count rounded to two digits, and only between the largest step and the target.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { settleStep } from '../../load/capacity/settle-step';
import { readRecordedRun } from '../../load/commands/capacity';
import { modelFrom } from '../support/capacity-model';

// the dev-data capacity run of 2026-12-01 (25…800 users, 5 s think; recorded with its resources)
const rec = readRecordedRun(path.join(import.meta.dirname, '..', 'fixtures', 'capacity', 'run-dev'));

describe('settleStep', () => {
  const model = modelFrom(rec.steps);
  const d = model.demand;
  if (!d.ok) throw new Error(d.reason);

  it('weak evidence: a step at the ~60 % user count (two significant digits), at most half the target', () => {
    expect(d.evidence.weak).toBe(true);
    const named = d.evidence.settle_users!;
    // this run's model puts 60 % of the CPU at ~4,900 users: beyond half of 4,000, so 2,000
    expect(named).toBeGreaterThan(2000);
    expect(settleStep(model, 4000)).toEqual({ users: 2000, why: expect.stringMatching(/^weak evidence: the steps reached 20% of the machine's CPU's capacity; a step at 2000 users \(half the 4000 asked about; 60% of it is at ~\d+\) settles the extrapolation$/) });
    // asked about 20,000 users, the 60 % point itself
    const s = settleStep(model, 20_000);
    expect(Math.abs(s.users! - named)).toBeLessThanOrEqual(0.05 * named);
    expect(String(s.users).replace(/0+$/, '').length).toBeLessThanOrEqual(2);
    expect(s.why).toMatch(/a step at \d+ users \(about 60% of it\) settles the extrapolation$/);
  });

  it('none when the evidence is not weak', () => {
    const strong = { ...model, demand: { ...d, evidence: { ...d.evidence, weak: false, max_share: 0.45 } } };
    expect(settleStep(strong, 4000)).toEqual({ users: null, why: expect.stringMatching(/reached 45% of .*: enough evidence$/) });
  });

  it('none when it would not be far beyond the largest step', () => {
    expect(settleStep(model, 1900)).toMatchObject({ users: null, why: expect.stringMatching(/would be at ~950 users, not far beyond the largest step \(800\)$/) });
    const near = { ...model, demand: { ...d, evidence: { ...d.evidence, settle_users: 1.1 * d.evidence.largest_step } } };
    expect(settleStep(near, 4000)).toMatchObject({ users: null, why: expect.stringMatching(/not far beyond the largest step/) });
  });
});
