// The 4,000-user benchmark's arithmetic on synthetic samples: who is active when (ramp-up schedule
// and k6's running VUs), the full-load window, delivered vs demanded throughput, and the verdicts.
import { describe, expect, it } from 'vitest';
import { fullLoadWindow, joinedUsers } from '../../load/bench/bench-4000';
import type { RequestSample } from '../../load/results/k6-samples';

const req = (t: number, ms: number): RequestSample => ({ t, ms, status: 200, op: 'read_member_detail', name: '', scenario: 'users', failed: false, errorCode: '' });

describe('bench-4000 figures', () => {
  it('joins users on the ramp-up schedule of the scenario', () => {
    expect(joinedUsers(0, 100, 10)).toBe(1);
    expect(joinedUsers(5_000, 100, 10)).toBe(51);
    expect(joinedUsers(20_000, 100, 10)).toBe(100);
    expect(joinedUsers(0, 100, 0)).toBe(100);
  });

  it('compares delivered with N/(Z+R) over the seconds where at least 90% of the users are active', () => {
    // 100 users, ramp-up 10 s, Z = 1 s. All joined from +9.9 s; k6 says 100 run until +20 s, then 50.
    const vus = Array.from({ length: 31 }, (_, s) => ({ t: 1_000_000 + s * 1000, value: s < 20 ? 100 : 50 }));
    // From +10 s to +20 s: 95 requests a second of 50 ms each (demanded: 100 / 1.05 = 95.2 req/s).
    const requests: RequestSample[] = [req(1_000_000, 50)];
    for (let s = 10; s < 20; s++) for (let i = 0; i < 95; i++) requests.push(req(1_000_000 + s * 1000 + i, 50));
    requests.push(req(1_000_000 + 30_000, 50));
    const w = fullLoadWindow(requests, vus, { users: 100, rampUpS: 10, thinkTimeMs: 1000 })!;
    expect(w.startMs).toBe(9_000); // 91 users joined at +9 s
    expect(w.seconds).toBe(11);
    expect(w.requests).toBe(950);
    expect(w.meanResponseMs).toBe(50);
    expect(w.deliveredRps).toBeCloseTo(950 / 11, 6);
    expect(w.demandedRps).toBeCloseTo((91 + 10 * 100) / 11 / 1.05, 6);
    expect(w.allUsersRps).toBeCloseTo(100 / 1.05, 6);
  });

  it('has no window when fewer than 90% of the users were ever active at once', () => {
    const vus = [{ t: 0, value: 10 }];
    expect(fullLoadWindow([req(0, 1), req(5000, 1)], vus, { users: 100, rampUpS: 0, thinkTimeMs: 1000 })).toBeUndefined();
  });
});
