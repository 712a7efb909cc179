// The Performance Assessment's resource findings for a single run: pool waits are a warning, and
// "where it breaks" names the first resource to run out and the next, with the load at 80% and
// 100% scaled from the run's own use (users of a closed loop, req/s of a level).
import { describe, expect, it } from 'vitest';
import { breakPoints, resourceFindings, type ResourceUse } from '../../load/report/assessment';

const use = (mean: Record<string, number>, max: Record<string, number> = {}): ResourceUse => ({ samples: 60, cores: 2, sources: { machine: '/proc/stat' }, mean, max });

describe('where a single run breaks', () => {
  it('orders the resources by the users where they run out: 400 users at 50% pool, 25% CPU, 40% event loop', () => {
    const r = use({ machine_busy_cores: 0.5, api_cpu_cores: 0.2, postgres_cpu_cores: 0.1, k6_cpu_cores: 0.15, harness_cpu_cores: 0.05, event_loop_utilization: 0.4, pool_busy: 10, pool_max: 20, pool_waiting: 0 }, { pool_waiting: 0 });
    const b = breakPoints(r, { amount: 400, unit: 'users' });
    expect(b.map((p) => p.resource)).toEqual(['the database connection pool', "the API's event loop", "the machine's CPU"]);
    expect(b[0]!.users80).toBeCloseTo(640, 6);
    expect(b[0]!.users100).toBeCloseTo(800, 6);
    expect(b[1]!.users100).toBeCloseTo(1000, 6);
    expect(b[2]!.users100).toBeCloseTo(1600, 6);
    const notes = resourceFindings(r, { amount: 400, unit: 'users' }).notes;
    expect(notes).toContain(
      "where it breaks, from this run's use per user (its idle baseline included, so the figures are lower bounds): first the database connection pool (80% at ~640 users, 100% at ~800 users); then the API's event loop (80% at ~800 users, 100% at ~1,000 users). Same mix, think time and data as this run; `loadlab capacity` separates the baseline and models the queues",
    );
  });

  it('a pool that made requests wait has already broken: warning, and named first without a user count', () => {
    const r = use({ machine_busy_cores: 1.2, event_loop_utilization: 0.7, pool_busy: 19.5, pool_max: 20, pool_waiting: 300 }, { pool_waiting: 1770 });
    const f = resourceFindings(r, { amount: 4000, unit: 'users' });
    expect(f.warnings[0]).toMatch(/^requests waited for a database connection: up to 1770 at once \(mean 300\.0\), pool of 20/);
    expect(f.notes[1]).toMatch(/first the database connection pool, already at its limit in this run at 4,000 users \(98% used\); then the API's event loop \(80% at ~4,571 users, 100% at ~5,714 users\)/);
  });

  it('an arrival-rate run scales by req/s; nothing measured says nothing, never NaN', () => {
    const r = use({ machine_busy_cores: 1, event_loop_utilization: 0.25 });
    expect(resourceFindings(r, { amount: 200, unit: 'req/s' }).notes[1]).toMatch(/first the machine's CPU \(80% at ~320 req\/s, 100% at ~400 req\/s\); then the API's event loop \(80% at ~640 req\/s/);
    expect(resourceFindings(use({}), { amount: 200, unit: 'users' })).toEqual({ warnings: [], notes: [] });
    expect(breakPoints({ ...r, samples: 0 }, { amount: 10, unit: 'users' })).toEqual([]);
    expect(JSON.stringify(breakPoints(use({ machine_busy_cores: 0, pool_busy: 0, pool_max: 20 }), { amount: 10, unit: 'users' }))).toBe('[]');
  });
});
