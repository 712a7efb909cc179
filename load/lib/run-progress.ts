// What a running k6 is doing, while it runs: k6 runs with --quiet, so the harness tails the raw
// samples CSV(s) k6 is writing (k6 flushes them every second) and shows elapsed / planned, active
// users, req/s, errors and p95 so far. On a terminal one updating line (every 2 s); otherwise a plain
// line every 30 s (LOADLAB_PROGRESS_EVERY_S overrides). Several CSVs (several k6 processes) merge:
// users add up, p95 comes from one merged histogram.
import { closeSync, openSync, readSync } from 'node:fs';

export interface ProgressPlan {
  /** What runs, e.g. "level 1" or "step 200 users". */
  label: string;
  /** Planned length (warm-up included) when the executor fixes it. */
  seconds?: number;
  /** Planned requests when the scenario fixes them (users x ops). */
  requests?: number;
  /** Set for an arrival-rate run: k6's `vus` gauge is then the VUs busy at that instant, not users. */
  arrivalRateRps?: number;
}

export interface ProgressSnapshot {
  elapsedS: number;
  /** Active VUs (k6's `vus` gauge, summed over the files). */
  users: number;
  requests: number;
  /** Requests per second over the last complete seconds (up to 5). */
  ratePerS: number;
  failed: number;
  /** p95 of http_req_duration so far over all requests (failures included), ±1 %; NaN before the first. */
  p95Ms: number;
}

/** Log buckets of 1 % width: the p95 read from them is within 1 % of the exact one. */
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);

/** Follows one CSV file as it grows: complete new lines only, the first three fields of each. */
class CsvTail {
  private offset = 0;
  private rest = '';
  private header?: boolean;

  constructor(readonly file: string) {}

  /** [metric_name, timestamp, metric_value] of the lines appended since the last call. */
  lines(): string[][] {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      return []; // k6 has not created it yet
    }
    const chunks: Buffer[] = [];
    try {
      const buf = Buffer.alloc(1 << 20);
      for (let n; (n = readSync(fd, buf, 0, buf.length, this.offset)) > 0; ) {
        this.offset += n;
        chunks.push(Buffer.from(buf.subarray(0, n)));
      }
    } finally {
      closeSync(fd);
    }
    const parts = (this.rest + Buffer.concat(chunks).toString('utf8')).split('\n');
    this.rest = parts.pop() ?? '';
    const out: string[][] = [];
    for (const line of parts) {
      if (this.header === undefined) {
        // k6's CSV output starts metric_name,timestamp,metric_value; those three are never quoted.
        this.header = line.startsWith('metric_name,timestamp,metric_value');
        continue;
      }
      if (this.header && line) out.push(line.split(',', 3));
    }
    return out;
  }
}

/** Reads the samples k6 has written so far and keeps the running figures. */
export class LiveSamples {
  private readonly tails: CsvTail[];
  private readonly buckets = new Map<number, number>();
  private readonly perSecond = new Map<number, number>();
  private readonly vus = new Map<string, { t: number; v: number }>();
  private requests = 0;
  private failed = 0;
  private latestSecond = -Infinity;
  private firstSecond = Infinity;

  constructor(files: string[]) {
    this.tails = files.map((f) => new CsvTail(f));
  }

  /** Take in whatever was appended since the last call. */
  poll(): void {
    for (const tail of this.tails) {
      for (const [metric, ts, value] of tail.lines()) {
        const t = Number(ts);
        const v = Number(value);
        if (metric === 'http_req_duration') {
          this.requests++;
          const b = v > 0 ? Math.ceil(Math.log(v) / LOG_GROWTH) : -Infinity;
          this.buckets.set(b, (this.buckets.get(b) ?? 0) + 1);
          const s = Math.floor(t / 1000);
          this.perSecond.set(s, (this.perSecond.get(s) ?? 0) + 1);
          if (s > this.latestSecond) this.latestSecond = s;
          if (s < this.firstSecond) this.firstSecond = s;
        } else if (metric === 'http_req_failed') {
          if (v === 1) this.failed++;
        } else if (metric === 'vus') {
          const last = this.vus.get(tail.file);
          if (!last || t >= last.t) this.vus.set(tail.file, { t, v });
        }
      }
    }
  }

  snapshot(elapsedS: number): ProgressSnapshot {
    // The newest second is still filling; rate over the complete ones before it (at most 5).
    const to = this.latestSecond;
    const from = Math.max(this.firstSecond, to - 5);
    let n = 0;
    for (let s = from; s < to; s++) n += this.perSecond.get(s) ?? 0;
    for (const s of this.perSecond.keys()) if (s < to - 10) this.perSecond.delete(s);
    const ratePerS = to > from ? n / (to - from) : 0;
    return {
      elapsedS,
      users: [...this.vus.values()].reduce((a, x) => a + x.v, 0),
      requests: this.requests,
      ratePerS,
      failed: this.failed,
      p95Ms: this.quantileMs(0.95),
    };
  }

  private quantileMs(q: number): number {
    if (this.requests === 0) return Number.NaN;
    const rank = Math.ceil(q * this.requests);
    let seen = 0;
    for (const b of [...this.buckets.keys()].sort((a, c) => a - c)) {
      seen += this.buckets.get(b)!;
      if (seen >= rank) return b === -Infinity ? 0 : GROWTH ** b;
    }
    return Number.NaN;
  }
}

const clock = (s: number) => {
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
};

/** One progress line. */
export function formatProgress(plan: ProgressPlan, s: ProgressSnapshot): string {
  const time = plan.seconds ? `${clock(s.elapsedS)} / ${clock(plan.seconds)}` : clock(s.elapsedS);
  const reqs = plan.requests ? `${s.requests.toLocaleString('en-US')} / ${plan.requests.toLocaleString('en-US')} requests` : `${s.requests.toLocaleString('en-US')} requests`;
  const errPct = s.requests ? ` (${((100 * s.failed) / s.requests).toFixed(2)}%)` : '';
  const p95 = Number.isFinite(s.p95Ms) ? `${s.p95Ms.toFixed(s.p95Ms < 100 ? 1 : 0)} ms` : '-';
  const who = plan.arrivalRateRps !== undefined ? `target ${plan.arrivalRateRps} req/s  VUs busy ${s.users}` : `users ${s.users}`;
  return `${plan.label}: ${time}  ${who}  ${s.ratePerS.toFixed(1)} req/s  ${reqs}  errors ${s.failed}${errPct}  p95 ${p95}`;
}

export interface ProgressOutput {
  write(s: string): unknown;
  isTTY?: boolean;
}

/**
 * Show progress of the k6 run(s) writing `files` until stop() is called. A terminal gets one line
 * rewritten every 2 s; anything else a plain line every 30 s (or LOADLAB_PROGRESS_EVERY_S).
 */
export function startProgress(plan: ProgressPlan, files: string[], out: ProgressOutput = process.stderr, env: NodeJS.ProcessEnv = process.env): { stop(): void } {
  const live = new LiveSamples(files);
  const t0 = performance.now();
  const tty = Boolean(out.isTTY);
  const everyS = tty ? 2 : Number(env.LOADLAB_PROGRESS_EVERY_S) > 0 ? Number(env.LOADLAB_PROGRESS_EVERY_S) : 30;
  let lastShown = 0;
  let shown = false;
  const show = () => {
    const line = formatProgress(plan, live.snapshot((performance.now() - t0) / 1000));
    out.write(tty ? `\r\x1b[2K${line}` : `progress ${line}\n`);
    shown = true;
  };
  // Read every second (small steady chunks), show on the line's schedule.
  const timer = setInterval(() => {
    live.poll();
    const now = performance.now();
    if (now - t0 >= everyS * 1000 && now - lastShown >= everyS * 1000 - 500) {
      lastShown = now;
      show();
    }
  }, 1000);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      if (tty && shown) {
        live.poll();
        show();
        out.write('\n');
      }
    },
  };
}
