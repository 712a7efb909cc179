// A capacity step's numbers come from its steady-state window only, and a step where the load
// generator ran out of CPU or fell behind its users' schedule is flagged (and later left out).
import { describe, expect, it } from 'vitest';
import { SATURATION, steadyStateWindow, summarizeStep, type StepInput } from '../../load/capacity/step-summary';
import type { RequestSample } from '../../load/results/k6-samples';
import { machineBusyInWindow, readMachineSample, usageInWindow, type ProcessSeries } from '../../load/capacity/window-usage';

const T0 = 1_800_000_000_000;

/** A closed loop of `users` users: each does one request of `rMs` then thinks `zMs`, for `seconds`. */
function closedLoop(users: number, rMs: number, zMs: number, seconds: number, extra: Partial<RequestSample> = {}): RequestSample[] {
  const out: RequestSample[] = [];
  for (let u = 0; u < users; u++) {
    for (let t = T0 + (u * (rMs + zMs)) / users; t < T0 + seconds * 1000; t += rMs + zMs) {
      out.push({ t: t + rMs, ms: rMs, status: 200, op: 'read_member_list', name: 'GET /members', scenario: 'capacity_step', failed: false, errorCode: '', ...extra });
    }
  }
  return out;
}

const base = (over: Partial<StepInput>): StepInput => ({
  users: 10,
  thinkMs: 1000,
  rampUpS: 5,
  holdS: 40,
  runTag: 'Ltest',
  startedAt: new Date(T0).toISOString(),
  k6ExitCode: 0,
  requests: [],
  ...over,
});

describe('steady-state window', () => {
  it('starts after ramp + one think time (capped at hold/4) and ends before the scheduled end', () => {
    const w = steadyStateWindow(T0, 10, 60, 5000);
    expect(w.start).toBe(T0 + 15_000);
    expect(w.end).toBe(T0 + 68_000);
    const short = steadyStateWindow(T0, 1, 4, 5000);
    expect(short.start).toBe(T0 + 2_000); // settle capped at hold/4 = 1 s
    expect(short.end).toBe(T0 + 4_600); // tail min(2 s, hold/10)
  });

  it('anchors the window at the end of setup() when the step has its health check', () => {
    const setup = { t: T0 - 3000, ms: 2, status: 200, op: 'setup', name: 'GET /health', scenario: '', failed: false, errorCode: '' };
    const s = summarizeStep(base({ requests: [setup, ...closedLoop(10, 20, 980, 45)], thinkMs: 980 }));
    expect(s.window.start).toBe(T0 - 3000 + (5 + 0.98) * 1000);
    expect(s.requests).toBeGreaterThan(0);
    expect(s.window.rule).toMatch(/^scenario start \+ ramp 5 s/);
  });

  it('leaves the ramp out: throughput and latency come from the window only', () => {
    // During the "ramp" (first 5 s) requests are slow and sparse; afterwards 10 users, R 20 ms, Z 980 ms.
    const ramp = Array.from({ length: 5 }, (_, i) => ({ t: T0 + i * 1000, ms: 900, status: 200, op: 'read_member_list', name: 'GET /members', scenario: 's', failed: false, errorCode: '' }));
    const steady = closedLoop(10, 20, 980, 45).filter((r) => r.t >= T0 + 5000);
    const s = summarizeStep(base({ requests: [...ramp, ...steady], thinkMs: 980 }));
    expect(s.latency_ms.avg).toBeCloseTo(20, 6);
    expect(s.throughput_rps).toBeGreaterThan(9.5);
    expect(s.throughput_rps).toBeLessThan(10.5);
    expect(s.pacing).toBeGreaterThan(0.95);
    expect(s.saturated).toBe(false);
    expect(s.notes).toEqual([]);
    expect(s.window.rule).toMatch(/ramp 5 s/);
  });
});

describe('saturation flags', () => {
  const requests = closedLoop(10, 20, 980, 45);

  it('flags k6 CPU at or above the limit with the measured figure', () => {
    // k6 burning 0.95 cores (0.95 s of CPU per wall second) throughout.
    const k6Samples: ProcessSeries = Array.from({ length: 46 }, (_, i) => ({ t: T0 + i * 1000, cpu: 0.95, rss_mb: 120 }));
    const s = summarizeStep(base({ requests, thinkMs: 980, k6Samples, k6PeakMb: 120 }));
    expect(s.k6.cpu_cores).toBeCloseTo(0.95, 6);
    expect(s.saturated).toBe(true);
    expect(s.saturation_reasons.join()).toMatch(/k6 used 0\.95 CPU cores \(limit 0\.9\)/);
    expect(s.k6.mb_per_vu).toBeCloseTo(12, 6);
  });

  it('does not flag a k6 that uses little CPU', () => {
    const k6Samples: ProcessSeries = Array.from({ length: 46 }, (_, i) => ({ t: T0 + i * 1000, cpu: 0.2, rss_mb: 50 }));
    expect(summarizeStep(base({ requests, thinkMs: 980, k6Samples })).saturated).toBe(false);
  });

  it('flags users waking late from think time (generator lag)', () => {
    const late = requests.map((r) => ({ t: r.t, value: SATURATION.vuLagMs * 3 }));
    const s = summarizeStep(base({ requests, thinkMs: 100, vuLag: late }));
    expect(s.vu_lag_ms!.avg).toBeCloseTo(60, 6);
    expect(s.saturated).toBe(true);
    expect(s.saturation_reasons.join()).toMatch(/60 ms late on average \(limit 20 ms\)/);
    // The same lag is within 5% of a 5 s think time: not flagged.
    expect(summarizeStep(base({ requests, thinkMs: 5000, vuLag: late })).saturated).toBe(false);
  });

  it('a step with no requests in the window is flagged, with numbers that are not NaN', () => {
    const s = summarizeStep(base({ requests: [] }));
    expect(s.saturated).toBe(true);
    expect(s.saturation_reasons).toContain('no requests completed in the steady-state window');
    for (const v of [s.throughput_rps, s.latency_ms.avg, s.latency_ms.p95, s.pacing, s.error_pct]) expect(Number.isNaN(v)).toBe(false);
  });

  it('notes failures (counted, not excluded) and an unbalanced Little\'s law', () => {
    const failing = closedLoop(10, 20, 980, 45, { failed: true, status: 503 });
    const s = summarizeStep(base({ requests: failing, thinkMs: 980 }));
    expect(s.errors).toBe(s.requests);
    expect(s.saturated).toBe(false);
    expect(s.notes.join()).toMatch(/100\.0% of requests failed/);
    // Half the requests the loop allows: pacing ~0.5.
    const sparse = requests.filter((_, i) => i % 2 === 0);
    const p = summarizeStep(base({ requests: sparse, thinkMs: 980 }));
    expect(p.pacing).toBeLessThan(0.6);
    expect(p.notes.join()).toMatch(/X·\(R\+Z\)\/N = 0\.\d\d/);
  });
});

describe('CPU inside the window', () => {
  it('averages only the samples inside the window and reads the machine from /proc/stat', () => {
    const series: ProcessSeries = [
      { t: T0 + 1000, cpu: 2, rss_mb: 10 }, // before the window
      { t: T0 + 6000, cpu: 0.5, rss_mb: 10 },
      { t: T0 + 7000, cpu: 0.7, rss_mb: 10 },
      { t: T0 + 60_000, cpu: 3, rss_mb: 10 }, // after it
    ];
    const u = usageInWindow(series, T0 + 5000, T0 + 50_000);
    expect(u.cpuCores).toBeCloseTo(0.6, 9);
    expect(u.cpuCoresMax).toBe(0.7);
    expect(usageInWindow([], T0, T0 + 1000)).toEqual({ cpuCores: null, cpuCoresMax: null });
    const m1 = readMachineSample(T0)!;
    expect(m1.totalTicks).toBeGreaterThan(0);
    const m2 = { ...m1, t: T0 + 1000, busyTicks: m1.busyTicks + 50, totalTicks: m1.totalTicks + 200 };
    expect(machineBusyInWindow([m1, m2], T0, T0 + 1000)).toBeCloseTo(0.25, 9);
  });
});
