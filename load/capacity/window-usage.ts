// CPU and memory inside a capacity step's steady-state window: per-process series come from the
// harness's ProcessSampler (load/lib/process-sampler.ts, k6 and our API server); the machine's
// overall CPU comes from /proc/stat, sampled here, so a step can say how busy the box was.
import { readFileSync } from 'node:fs';
import type { ProcessStats } from '../lib/process-sampler';

export type ProcessSeries = ProcessStats['series'];

export interface MachineSample {
  t: number;
  busyTicks: number;
  totalTicks: number;
}

export function readMachineSample(now = Date.now()): MachineSample | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.slice(0, 8).reduce((s, x) => s + x, 0);
    return { t: now, busyTicks: total - idle, totalTicks: total };
  } catch {
    return undefined;
  }
}

/** Samples /proc/stat every `intervalMs` until stop(). */
export function startMachineSampler(intervalMs = 1000): { samples: MachineSample[]; stop(): void } {
  const samples: MachineSample[] = [];
  const tick = () => {
    const s = readMachineSample();
    if (s) samples.push(s);
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return { samples, stop: () => clearInterval(timer) };
}

export interface WindowUsage {
  /** average CPU cores used over the window (1.0 = one core busy) */
  cpuCores: number | null;
  /** highest 1-s CPU use in the window, cores */
  cpuCoresMax: number | null;
}

/** CPU of one process over [from, to]: each sample covers the interval that ends at its t. */
export function usageInWindow(series: ProcessSeries, from: number, to: number): WindowUsage {
  const inWin = series.filter((s) => s.t > from && s.t <= to && Number.isFinite(s.cpu));
  if (!inWin.length) return { cpuCores: null, cpuCoresMax: null };
  return { cpuCores: inWin.reduce((a, s) => a + s.cpu, 0) / inWin.length, cpuCoresMax: Math.max(...inWin.map((s) => s.cpu)) };
}

/** Share of all cores busy (0–1) over the window. */
export function machineBusyInWindow(samples: MachineSample[], from: number, to: number): number | null {
  const inWin = samples.filter((s) => s.t >= from && s.t <= to);
  if (inWin.length < 2) return null;
  const a = inWin[0]!;
  const b = inWin.at(-1)!;
  const total = b.totalTicks - a.totalTicks;
  return total > 0 ? (b.busyTicks - a.busyTicks) / total : null;
}
