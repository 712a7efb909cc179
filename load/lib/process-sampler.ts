// Samples a process's CPU (from /proc/<pid>/stat) and memory (VmRSS / VmHWM from
// /proc/<pid>/status) once a second: the harness uses it to tell when k6 itself was the
// bottleneck, and to measure k6 memory per VU.
import { readFileSync } from 'node:fs';

const TICKS_PER_S = 100; // USER_HZ on Linux

function cpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return undefined;
  }
}

function memoryKb(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { rss, hwm };
  } catch {
    return undefined;
  }
}

export interface ProcessStats {
  samples: number;
  /** CPU in cores (1.0 = one core busy), average and peak 1-s value. */
  cpu_avg_cores: number;
  cpu_peak_cores: number;
  rss_peak_mb: number;
  series: { t: number; cpu: number; rss_mb: number }[];
}

export class ProcessSampler {
  private timer?: NodeJS.Timeout;
  private last?: { t: number; ticks: number };
  private series: { t: number; cpu: number; rss_mb: number }[] = [];
  private hwmKb = 0;

  constructor(
    private pid: number,
    private intervalMs = 1000,
  ) {}

  start(): this {
    const tick = () => {
      const ticks = cpuTicks(this.pid);
      const mem = memoryKb(this.pid);
      const t = Date.now();
      if (mem) this.hwmKb = Math.max(this.hwmKb, mem.hwm, mem.rss);
      if (ticks !== undefined && this.last) {
        const cpu = (ticks - this.last.ticks) / TICKS_PER_S / ((t - this.last.t) / 1000);
        this.series.push({ t, cpu, rss_mb: (mem?.rss ?? 0) / 1024 });
      }
      if (ticks !== undefined) this.last = { t, ticks };
    };
    tick();
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): ProcessStats {
    if (this.timer) clearInterval(this.timer);
    const cpus = this.series.map((s) => s.cpu);
    return {
      samples: this.series.length,
      cpu_avg_cores: cpus.length ? cpus.reduce((a, b) => a + b, 0) / cpus.length : 0,
      cpu_peak_cores: cpus.length ? Math.max(...cpus) : 0,
      rss_peak_mb: this.hwmKb / 1024,
      series: this.series,
    };
  }
}
