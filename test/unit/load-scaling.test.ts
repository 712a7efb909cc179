// The "Scaling to 4,000 Users" section of a load report: Little's law on the run alone until a
// capacity model for the same target exists, then the model's prediction — never the old
// `users × 100 / avg_ms` formula as a prediction.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CAPACITY_MIX } from '../../load/capacity/capacity-model';
import { StepSummary } from '../../load/capacity/step-summary';
import { scalingSection } from '../../load/report/scaling';
import { modelFrom } from '../support/capacity-model';

const run = { users: 50, throughputRps: 120, meanResponseMs: 15, thinkTimeMs: 100, targetUsers: 4000 };
const steps = StepSummary.array().parse(JSON.parse(readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'capacity', 'steps-5s-think.json'), 'utf8')));

describe('scalingSection', () => {
  it("uses Little's law on the run alone when no capacity model exists, and says what one run cannot show", () => {
    const s = scalingSection(mkdtempSync(path.join(tmpdir(), 'll-reports-')), run);
    expect(s.method).toBe('littles_law_one_run');
    // 4000 / (0.015 + 0.100) s = 34,783 ops/s
    expect(s.required_rps).toBeCloseTo(4000 / 0.115, 3);
    expect(s.lines.join('\n')).toMatch(/does not show whether it reaches 34,783 ops\/s/);
    expect(s.lines.join('\n')).not.toMatch(/100 \/ avg|× 100/);
  });

  it('uses the latest capacity model for the same target only when mix, think time and data profile match the run', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'cap-reports-'));
    const model = modelFrom(steps, { dataProfile: 'dev' });
    mkdirSync(path.join(root, '20261122T180000Z-capacity'));
    writeFileSync(path.join(root, '20261122T180000Z-capacity', 'capacity.json'), JSON.stringify(model));
    const same = { ...run, thinkTimeMs: steps[0]!.think_time_ms, mix: CAPACITY_MIX, dataProfile: 'dev' };
    const s = scalingSection(root, same);
    expect(s.method).toBe('capacity_model');
    const text = s.lines.join('\n');
    expect(text).toContain('20261122T180000Z-capacity');
    expect(text).toMatch(/USL fit: λ/);
    expect(text).toMatch(/4,000 users: (held|not held)/);
    expect(text).toMatch(/This run \(50 users/);
    // A model made for another target is not used.
    expect(scalingSection(root, { ...same, targetUsers: 3000 }).method).toBe('littles_law_one_run');
    // Another mix, think time or data profile: says which differ, and gives the run's own answer.
    const other = scalingSection(root, { ...run, mix: 'users: distributed', dataProfile: 'stress' });
    expect(other.method).toBe('littles_law_one_run');
    const why = other.lines[0]!;
    expect(why).toMatch(/^The latest capacity model \(20261122T180000Z-capacity\) does not answer for this run: /);
    expect(why).toMatch(/operation mix differs \(model: capacity-step: .*; this run: users: distributed\)/);
    expect(why).toMatch(/think time differs \(model: 5000 ms; this run: 100 ms\)/);
    expect(why).toMatch(/data profile differs \(model: dev; this run: stress\)/);
    expect(other.lines.join('\n')).toMatch(/Little's law \(X = N \/ \(R \+ Z\)\)/);
    expect(scalingSection(root, { ...same, dataProfile: 'unknown' }).lines[0]).toMatch(/data profile differs \(model: dev; this run: unknown\)/);
  });

  it("gives the run's own Utilization-Law ceiling from its resources when there is no model", () => {
    const resources = { samples: 30, cores: 2, sources: {}, mean: { machine_busy_cores: 0.9, event_loop_utilization: 0.6, pool_busy: 18, pool_max: 20, pool_waiting: 40 }, max: { pool_waiting: 1770 } };
    const s = scalingSection(mkdtempSync(path.join(tmpdir(), 'll-reports-')), { ...run, resources });
    const text = s.lines.join('\n');
    // the pool: 18 of 20 connections = 90% at 120 ops/s -> at least 133 ops/s
    expect(text).toMatch(/the database connection pool was 90% used at 120\.0 ops\/s .* no less than ~133 ops\/s .* below the 34,783 ops\/s/);
  });

  it('an arrival-rate run (level) computes no demand for 4,000 users: it gives the ceiling and the think time that stays under it', () => {
    const resources = { samples: 30, cores: 2, sources: {}, mean: { machine_busy_cores: 0.55, event_loop_utilization: 0.11, pool_busy: 1, pool_max: 20, pool_waiting: 0 }, max: { pool_waiting: 0 } };
    const level = { users: 100, throughputRps: 100.1, meanResponseMs: 2.1, thinkTimeMs: 0, arrivalRateRps: 100, targetUsers: 4000, resources };
    const s = scalingSection(mkdtempSync(path.join(tmpdir(), 'll-reports-')), level);
    const text = s.lines.join('\n');
    expect(s.required_rps).toBeUndefined();
    expect(text).toMatch(/arrival-rate run at 100 requests\/s, 100\.1 ops\/s delivered, mean response 2\.1 ms \(100 virtual users pre-allocated/);
    // the machine: 0.55 of 2 cores = 27.5% at 100.1 ops/s -> at least 364 ops/s; 4000/364 - 0.0021 = 10.99 s
    expect(text).toMatch(/no less than ~364 ops\/s/);
    expect(text).toMatch(/each thinks at least 11\.0 s between requests/);
    expect(text).not.toMatch(/generate|think time 0 ms/);
  });
});
