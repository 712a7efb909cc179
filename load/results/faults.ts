// Faults during a run, reported rather than just survived: the API server dying (when, how, the
// tail of its log, the errors that followed, from k6's raw samples) and PostgreSQL going away and
// coming back (the intervals /health answered 503 or could not say the database was ok, polled
// once a second during the run, and the 503s k6 received inside them).
import { readFileSync } from 'node:fs';
import { forEachK6Row } from './k6-samples';

export interface HealthPoll {
  /** epoch ms the poll was sent and answered */
  sentMs: number;
  doneMs: number;
  /** HTTP status, or 0 when the server did not answer */
  status: number;
  dbOk: boolean | null;
}

export interface DownInterval {
  /** epoch ms of the first poll that found the database down, and of the first that found it back (null: down to the end) */
  fromMs: number;
  toMs: number | null;
  polls: number;
}

/** Runs of consecutive polls where the server answered but said the database was not ok. */
export function databaseDownIntervals(polls: HealthPoll[]): DownInterval[] {
  const out: DownInterval[] = [];
  let open: DownInterval | undefined;
  for (const p of polls) {
    if (p.status === 0) continue; // no answer at all: the server, not the database (reported separately)
    const down = p.status === 503 || p.dbOk === false;
    if (down && !open) {
      open = { fromMs: p.sentMs, toMs: null, polls: 0 };
      out.push(open);
    }
    if (down) open!.polls++;
    else if (open) {
      open.toMs = p.doneMs;
      open = undefined;
    }
  }
  return out;
}

/** The last `n` non-empty lines of a log file ([] when unreadable). */
export function logTail(file: string, n = 15): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).slice(-n);
  } catch {
    return [];
  }
}

export interface FaultCounts {
  /** failed requests at or after `afterMs`, by status ("0" = no response) */
  failedAfter: Record<string, number>;
  /** per interval: 503s and all failed requests whose response ended inside it */
  inside: { status503: number; failed: number }[];
}

/** One pass over the runs' k6 CSVs counting the failures after a moment and inside intervals. */
export async function countFaultErrors(csvs: string[], afterMs: number | null, intervals: { fromMs: number; toMs: number }[]): Promise<FaultCounts> {
  const out: FaultCounts = { failedAfter: {}, inside: intervals.map(() => ({ status503: 0, failed: 0 })) };
  for (const csv of csvs) {
    await forEachK6Row(csv, [], (row) => {
      if (row.kind !== 'request') return;
      const r = row.request;
      if (afterMs !== null && r.failed && r.t >= afterMs) out.failedAfter[String(r.status)] = (out.failedAfter[String(r.status)] ?? 0) + 1;
      intervals.forEach((iv, k) => {
        if (r.t < iv.fromMs || r.t > iv.toMs) return;
        if (r.status === 503) out.inside[k]!.status503++;
        if (r.failed) out.inside[k]!.failed++;
      });
    });
  }
  return out;
}

/** How a process ended, in words: "killed by SIGKILL" or "exited with code 1". */
export function howItEnded(e: { code: number | null; signal: string | null }): string {
  return e.signal ? `killed by ${e.signal}` : `exited with code ${e.code}`;
}
