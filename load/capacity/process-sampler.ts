// Samples CPU time and resident memory of a process (k6, our API server) and the whole machine's
// CPU from /proc once a second, so a capacity step can say whether the load generator itself
// ran out of CPU during the measured window. Linux only; elsewhere the samples stay empty and
// the step says "not measured".
import { readFileSync } from 'node:fs';

export interface ProcessSample {
  /** ms since epoch */
  t: number;
  /** utime + stime of the process, seconds */
  cpuS: number;
  rssMb: number;
}

export interface MachineSample {
  t: number;
  busyTicks: number;
  totalTicks: number;
}

const CLOCK_TICKS = 100; // USER_HZ: 100 on every Linux ABI node runs on

export function readProcessSample(pid: number, now = Date.now()): ProcessSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3; utime/stime are fields 14/15 (1-based).
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuS = (Number(rest[11]) + Number(rest[12])) / CLOCK_TICKS;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    return { t: now, cpuS, rssMb: rssKb / 1024 };
  } catch {
    return undefined;
  }
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

export interface UsageSummary {
  /** average CPU cores used over the window (1.0 = one core busy) */
  cpuCores: number | null;
  /** highest 1-s CPU use in the window, cores */
  cpuCoresMax: number | null;
  rssMbPeak: number | null;
}

/** CPU cores used between the samples nearest to [from, to]. */
export function usageInWindow(samples: ProcessSample[], from: number, to: number): UsageSummary {
  const inWin = samples.filter((s) => s.t >= from && s.t <= to);
  const rssAll = samples.map((s) => s.rssMb).filter(Number.isFinite);
  const rssMbPeak = rssAll.length ? Math.max(...rssAll) : null;
  if (inWin.length < 2) return { cpuCores: null, cpuCoresMax: null, rssMbPeak };
  const first = inWin[0]!;
  const last = inWin.at(-1)!;
  let max = 0;
  for (let i = 1; i < inWin.length; i++) {
    const dt = (inWin[i]!.t - inWin[i - 1]!.t) / 1000;
    if (dt > 0) max = Math.max(max, (inWin[i]!.cpuS - inWin[i - 1]!.cpuS) / dt);
  }
  return { cpuCores: (last.cpuS - first.cpuS) / ((last.t - first.t) / 1000), cpuCoresMax: max, rssMbPeak };
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

export interface Sampler {
  watch(name: string, pid: number): void;
  process(name: string): ProcessSample[];
  machine(): MachineSample[];
  stop(): void;
}

/** Samples every `intervalMs` until stop(); processes are added with watch(). */
export function startSampler(intervalMs = 1000): Sampler {
  const pids = new Map<string, number>();
  const series = new Map<string, ProcessSample[]>();
  const machine: MachineSample[] = [];
  const tick = () => {
    const now = Date.now();
    const m = readMachineSample(now);
    if (m) machine.push(m);
    for (const [name, pid] of pids) {
      const s = readProcessSample(pid, now);
      if (s) series.get(name)!.push(s);
    }
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    watch(name, pid) {
      pids.set(name, pid);
      series.set(name, []);
      const s = readProcessSample(pid);
      if (s) series.get(name)!.push(s);
    },
    process: (name) => series.get(name) ?? [],
    machine: () => machine,
    stop: () => clearInterval(timer),
  };
}
