// The capacity model's what-if for another server shape (load/capacity/server-what-if.ts, shown by
// `loadlab bench-scale`), on a recorded real dev capacity run: the measured shape gives the model's
// own prediction back, 2 workers double the event loops and pools but not the cores, and a replica
// doubles the pool only.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverWhatIf } from '../../load/capacity/server-what-if';
import { readRecordedRun } from '../../load/commands/capacity';
import { modelFrom } from '../support/capacity-model';

const rec = readRecordedRun(path.join(import.meta.dirname, '..', 'fixtures', 'capacity', 'run-dev'));
const model = modelFrom(rec.steps, { resamples: 20 });

describe('the server-shape what-if', () => {
  it('the shape the steps ran (1 process, no replica) is the demand model itself', () => {
    const w = serverWhatIf(model, { workers: 1, replica: false });
    if (!w.ok || !model.demand.ok) throw new Error(`no model: ${w.ok ? '' : w.reason}`);
    expect(w.throughput_rps).toBeCloseTo(model.demand.prediction.throughput_rps, 9);
    expect(w.mean_ms).toBeCloseTo(model.demand.prediction.mean_ms, 9);
    expect(w.p95_ms).toBeCloseTo(model.demand.prediction.p95_ms, 9);
    expect(w.saturations).toEqual(model.demand.saturations);
  });

  // On this recording the cores run out first at every shape (1,847 req/s), so the event loop and the
  // pool are not among the saturations: more loops or pools cannot move the limit, only the waits.
  it('2 workers: 2 event loops and 2 pools on the same cores; the CPU limit stays where it was, the waits shrink', () => {
    const one = serverWhatIf(model, { workers: 1, replica: false });
    const two = serverWhatIf(model, { workers: 2, replica: false });
    if (!one.ok || !two.ok) throw new Error('no model');
    const sat = (w: typeof one, name: string) => w.saturations.find((s) => s.resource === name);
    const [cpu1, cpu2] = [sat(one, "the machine's CPU")!, sat(two, "the machine's CPU")!];
    expect({ x80: cpu2.x80, x100: cpu2.x100, users100: cpu2.users100 }).toEqual({ x80: cpu1.x80, x100: cpu1.x100, users100: cpu1.users100 });
    // with shorter waits the same throughput comes at no more users
    expect(cpu2.users80!).toBeLessThanOrEqual(cpu1.users80!);
    expect(sat(one, "the machine's CPU")!.x100).toBeGreaterThan(0);
    expect(two.mean_ms).toBeLessThan(one.mean_ms);
    expect(two.p95_ms).toBeLessThanOrEqual(one.p95_ms);
    expect(two.throughput_rps).toBeGreaterThanOrEqual(one.throughput_rps - 1e-9);
    expect(two.assumptions.join(' ')).toContain('2 event loops');
    expect(two.assumptions.join(' ')).toContain('the same 2 cores');
  });

  it('a replica doubles the pool only, and says that this is the upper bound of its gain', () => {
    const one = serverWhatIf(model, { workers: 1, replica: false });
    const rep = serverWhatIf(model, { workers: 1, replica: true });
    if (!one.ok || !rep.ok) throw new Error('no model');
    expect(rep.saturations).toEqual(one.saturations);
    expect(rep.mean_ms).toBeLessThanOrEqual(one.mean_ms);
    expect(rep.assumptions.at(-1)).toMatch(/upper bound of the gain/);
  });
});
