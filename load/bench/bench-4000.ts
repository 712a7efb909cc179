// The 4,000-user benchmark: the stress data set seeded afresh, then exactly the command a user
// types (`loadlab load --users 4000 --ops 15 --think-time 5000 --ramp-up 60`, distributed users)
// against our own API and database, with k6 on the same machine; the goal's figures are computed
// from the run's own report and raw k6 samples and judged against the goal.
//
// Delivered vs demanded throughput: a closed system of N users thinking Z between requests asks
// for N/(Z+R) requests per second while all N are in their cycle. Users join over the ramp-up and
// leave when their operations are done, so the comparison is made over the full-load window: the
// seconds in which at least 90% of the users are active (joined, per the ramp-up schedule, and not
// yet done, per k6's `vus`), with R the mean response time of that window's requests. Delivered =
// requests completed in the window / its length; demanded = mean active users / (Z + R).
//
// Interrupted while it seeds, the seed stops (between 64 KB chunks) and rolls back: the database is
// as it was before, never presented as seeded; no load run starts, and bench-4000.txt says so.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { table } from '../../common/text-format';
import { seedDatabase, SeedStopped } from '../../seeds/seed';
import { readK6Csv, type RequestSample } from '../results/k6-samples';
import { buildScenarios } from '../build-scenarios';
import { resolveK6 } from '../lib/k6';
import { usingDatabaseTarget, usingMigratedDb } from '../lib/database-target';
import { usingLoadTarget } from '../lib/load-target';
import { benchInterruptedLine, interruption } from '../lib/interrupt';
import { createReportDir } from '../lib/report-dir';
import { readGateConfig } from '../lib/thresholds';
import type { RunSummary } from '../report/summary';
import { interruptedLines } from '../report/text-report';
import { runUsers } from '../users-run';

export const GOAL = { p95Ms: 100, p99Ms: 250, errorPct: 0.1, deliveredShare: 0.95 } as const;

export interface Bench4000Options {
  users: number;
  ops: number;
  thinkTimeMs: number;
  rampUpS: number;
  seed: number;
  /** Seed the stress profile first (--truncate); false only to re-run on data already seeded. */
  reseed: boolean;
}

export interface FullLoadWindow {
  startMs: number;
  seconds: number;
  meanActiveUsers: number;
  requests: number;
  meanResponseMs: number;
  deliveredRps: number;
  demandedRps: number;
  /** N / (Z + R) with every user active and R of the window. */
  allUsersRps: number;
}

export interface Bench4000Result {
  dir: string;
  summary: RunSummary;
  window?: FullLoadWindow;
  checks: { name: string; actual: string; goal: string; pass: boolean }[];
  pass: boolean;
}

/** Users whose ramp-up delay has passed `atMs` after the first request (rampUpDelayS of the scenario). */
export function joinedUsers(atMs: number, users: number, rampUpS: number): number {
  if (rampUpS <= 0 || users <= 1) return users;
  return Math.min(users, Math.floor((atMs / 1000) * (users / rampUpS)) + 1);
}

/**
 * The full-load window of a users run: whole seconds (from the first request) in which joined
 * users still running (k6 `vus`) are at least `share` of all users. Undefined when no second is.
 */
export function fullLoadWindow(
  requests: RequestSample[],
  vus: { t: number; value: number }[],
  o: { users: number; rampUpS: number; thinkTimeMs: number },
  share = 0.9,
): FullLoadWindow | undefined {
  if (!requests.length || !vus.length) return undefined;
  const t0 = Math.min(...requests.map((r) => r.t));
  const sorted = [...vus].sort((a, b) => a.t - b.t);
  const running = (t: number) => {
    let v = sorted[0]!.value;
    for (const s of sorted) {
      if (s.t > t) break;
      v = s.value;
    }
    return v;
  };
  const end = Math.max(...requests.map((r) => r.t));
  const seconds: { start: number; active: number }[] = [];
  for (let s = t0; s < end; s += 1000) {
    // Not yet joined users are running in k6 too (sleeping their ramp-up delay): take them off.
    const active = running(s) - (o.users - joinedUsers(s - t0, o.users, o.rampUpS));
    if (active >= share * o.users) seconds.push({ start: s, active });
  }
  if (!seconds.length) return undefined;
  // The longest run of consecutive qualifying seconds.
  let best = [seconds[0]!];
  let cur = [seconds[0]!];
  for (let i = 1; i < seconds.length; i++) {
    cur = seconds[i]!.start - seconds[i - 1]!.start === 1000 ? [...cur, seconds[i]!] : [seconds[i]!];
    if (cur.length > best.length) best = cur;
  }
  const from = best[0]!.start;
  const to = best.at(-1)!.start + 1000;
  const inWindow = requests.filter((r) => r.t >= from && r.t < to);
  const len = (to - from) / 1000;
  const meanActive = best.reduce((a, s) => a + s.active, 0) / best.length;
  const meanR = inWindow.length ? inWindow.reduce((a, r) => a + r.ms, 0) / inWindow.length : 0;
  const cycleS = (o.thinkTimeMs + meanR) / 1000;
  return {
    startMs: from - t0,
    seconds: len,
    meanActiveUsers: meanActive,
    requests: inWindow.length,
    meanResponseMs: meanR,
    deliveredRps: inWindow.length / len,
    demandedRps: meanActive / cycleS,
    allUsersRps: o.users / cycleS,
  };
}

export function judge(summary: RunSummary, window: FullLoadWindow | undefined): Bench4000Result['checks'] {
  const fmt = (n: number, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const share = window ? window.deliveredRps / window.demandedRps : 0;
  return [
    { name: 'p95 response time', actual: `${fmt(summary.latency_ms.p95)} ms`, goal: `< ${GOAL.p95Ms} ms`, pass: summary.latency_ms.p95 < GOAL.p95Ms },
    { name: 'p99 response time', actual: `${fmt(summary.latency_ms.p99)} ms`, goal: `< ${GOAL.p99Ms} ms`, pass: summary.latency_ms.p99 < GOAL.p99Ms },
    { name: 'failed requests', actual: `${fmt(summary.totals.failed_pct, 2)} %`, goal: `< ${GOAL.errorPct} %`, pass: summary.totals.failed_pct < GOAL.errorPct },
    {
      name: 'delivered / demanded (full load)',
      actual: window ? `${fmt(window.deliveredRps)} / ${fmt(window.demandedRps)} req/s = ${fmt(100 * share)} %` : 'no full-load window',
      goal: `>= ${100 * GOAL.deliveredShare} %`,
      pass: window !== undefined && share >= GOAL.deliveredShare,
    },
  ];
}

/** A bench-4000 a signal cut before its load run started (while seeding, or right after): no figures. */
export interface Bench4000Cut {
  dir: string;
  cut: true;
  /** bench-4000.txt: INTERRUPTED, what became of the seed, no verdict. */
  text: string;
  seed: 'stopped' | 'completed';
}

export async function runBench4000(o: Bench4000Options, log: (line: string) => void = console.log): Promise<Bench4000Result | Bench4000Cut> {
  const startedMs = Date.now();
  const dir = createReportDir('bench-4000');
  const cutBeforeRun = (seed: Bench4000Cut['seed'], what: string): Bench4000Cut => {
    const text = [
      benchInterruptedLine(startedMs, `cut ${seed === 'stopped' ? 'while seeding the stress data' : 'after the seed, before the load run'}; no load run, nothing measured.`),
      `  ${what}`,
      `bench-4000: ${o.users} users x ${o.ops} operations, think ${o.thinkTimeMs} ms, ramp-up ${o.rampUpS} s, distributed: not run`,
      `  result: INTERRUPTED: no verdict (report folder ${dir})`,
    ].join('\n');
    writeFileSync(path.join(dir, 'bench-4000.txt'), `${text}\n`);
    writeFileSync(path.join(dir, 'bench-4000.json'), `${JSON.stringify({ interrupted: true, cut: seed === 'stopped' ? 'seed' : 'before the load run', seed, pass: false }, null, 2)}\n`);
    return { dir, cut: true, text, seed };
  };
  if (o.reseed) {
    const stopped = await usingDatabaseTarget(async ({ url }) => {
      await usingMigratedDb(url, async () => undefined);
      log(`seeding the stress profile (seed ${o.seed}, one transaction) ...`);
      try {
        const r = await seedDatabase(url, {
          profile: 'stress',
          seed: o.seed,
          truncate: true,
          log: () => {},
          shouldStop: () => !!interruption(),
          onTableLoaded: (table, rows) => log(`  ${table}: ${rows.toLocaleString('en-US')} rows`),
        });
        log(`seeded the stress profile (seed ${o.seed}) in ${r.seconds.toFixed(1)} s`);
        return undefined;
      } catch (err) {
        if (!(err instanceof SeedStopped)) throw err;
        return err;
      }
    }, log);
    if (stopped) {
      const loaded = stopped.tablesLoaded.length ? ` (${stopped.tablesLoaded.join(', ')} had been loaded)` : '';
      return cutBeforeRun('stopped', `The seed was stopped after ${stopped.tablesLoaded.length} of ${stopped.tablesTotal} tables${loaded} and rolled back: the database is as it was before it, not seeded.`);
    }
    if (interruption()) return cutBeforeRun('completed', `The seed had completed and is committed: the database holds the stress data (seed ${o.seed}).`);
  }
  const gate = readGateConfig();
  const scenarios = await buildScenarios();
  const k6 = resolveK6();
  log(`k6 ${k6.version}; ${o.users} users x ${o.ops} operations, think ${o.thinkTimeMs} ms, ramp-up ${o.rampUpS} s (distributed) ...`);
  return usingLoadTarget({ seed: o.seed, logDir: dir, log }, async (target) => {
    const summary = await runUsers(k6, target, scenarios, dir, gate, {
      users: o.users,
      ops: o.ops,
      thinkTimeMs: o.thinkTimeMs,
      rampUpS: o.rampUpS,
      pattern: 'distributed',
      duration: '30m',
      seed: o.seed,
      options: { users: o.users, ops: o.ops, 'think-time': o.thinkTimeMs, 'ramp-up': o.rampUpS, pattern: 'distributed' },
    });
    const samples = await readK6Csv(path.join(dir, 'k6-samples.csv'), ['vus']);
    const window = fullLoadWindow(samples.requests, samples.metrics.get('vus') ?? [], o);
    const checks = judge(summary, window);
    return { dir, summary, window, checks, pass: checks.every((c) => c.pass) };
  });
}

/** The benchmark's table: the goal's figures and verdicts, then what explains them (window, pool, cache, k6). */
export function formatBench4000(r: Bench4000Result): string {
  const s = r.summary;
  const w = r.window;
  const f = (n: number, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  // Interrupted: the run's own partial report (report.txt) and these figures cover what ran, never a verdict.
  const lines = [
    ...interruptedLines(s),
    `bench-4000: ${s.config.users} users x ${s.config.ops} operations, think ${s.config.think_time_ms} ms, ramp-up ${s.config.ramp_up_s} s, ${s.config.pattern}; ${s.config.data ?? ''}`.trim(),
    `  started ${s.started_at}, ${s.totals.requests.toLocaleString('en-US')} requests in ${f(s.totals.duration_s)} s (${f(s.totals.throughput_rps)} req/s over the whole run)`,
    '',
    table([['figure', 'measured', 'goal', 'verdict'], ...r.checks.map((c) => [c.name, c.actual, c.goal, c.pass ? 'PASS' : 'FAIL'])], [], { headerRule: true })
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
    '',
    w
      ? `  full-load window: ${f(w.seconds, 0)} s from +${f(w.startMs / 1000, 0)} s, ${f(w.meanActiveUsers, 0)} users active on average, mean response ${f(w.meanResponseMs)} ms; N/(Z+R) with all ${s.config.users} users = ${f(w.allUsersRps)} req/s`
      : '  full-load window: none (fewer than 90% of the users were ever active at once)',
    `  p50 ${f(s.latency_ms.med)} ms, avg ${f(s.latency_ms.avg)} ms, max ${f(s.latency_ms.max)} ms`,
    `  pool: up to ${s.server_view.pool_total_max ?? '?'} connections, up to ${s.server_view.pool_waiting_max ?? '?'} requests waiting (sampled each second)`,
    `  cache hit rate (server) ${s.server_view.server_cache_hit_pct === undefined ? 'n/a' : `${f(s.server_view.server_cache_hit_pct)} %`}; database time share of API time ${s.server_view.db_time_share_pct === undefined ? 'n/a' : `${f(s.server_view.db_time_share_pct)} %`}`,
    `  k6: ${f(s.generator.k6_cpu_avg_cores, 2)} cores on average, ${f(s.generator.k6_cpu_peak_cores, 2)} peak; ${f(s.generator.k6_mb_per_vu, 2)} MB per VU`,
    `  result: ${s.interrupted ? 'INTERRUPTED: no verdict on a partial run' : r.pass ? 'PASS' : 'FAIL'} (report folder ${r.dir})`,
  ];
  return lines.join('\n');
}
