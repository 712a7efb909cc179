// The scale-out benchmark (loadlab bench-scale, issue 15): what each step beyond one API process
// buys on this machine, measured in one run, beside what the capacity model says it would change.
//   - level 3 (500 req/s arrival rate) with 1 and 2 server workers, and with 1 process and the
//     read replica: `loadlab level 3 …` exactly as a user types it, each on the stress data seeded
//     afresh (`loadlab seed --profile stress --truncate`) in an embedded PostgreSQL of its own;
//   - the bench-api ceiling of GET /members/:id (cache off and on) with 1 and 2 workers:
//     `loadlab bench-api --series cache-off,cache-on --server-workers N`;
//   - the capacity model's what-if for 2 API processes and for a replica (server-what-if.ts) on
//     the newest capacity report (or --capacity DIR).
// Every part is a child loadlab whose report folder lands inside this bench's folder; the table is
// computed from their summary.json / bench.json. A benchmark, not a test.
// Interrupted (SIGINT, SIGTERM, SIGHUP), the child it is running gets the signal as SIGINT (a level
// or bench-api writes its own partial report, a seed rolls back; each stops its server, workers,
// replica and PostgreSQL), no further part starts, and bench-scale.txt keeps the parts that
// completed, marked INTERRUPTED with the part that was cut; the embedded data folder is removed; exit 3.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { table } from '../../common/text-format';
import { placedDataDir } from '../../server/db/embedded-postgres-home';
import { readCapacityModel, readLatestCapacityModel } from '../capacity/capacity-model';
import { serverWhatIf, type ServerShape, type ServerWhatIfOutcome } from '../capacity/server-what-if';
import { runChild } from '../lib/child-run';
import { CliError } from '../lib/cli-error';
import { interruption } from '../lib/interrupt';
import { PROJECT_ROOT } from '../lib/local-env';
import { createReportDir } from '../lib/report-dir';
import { readSummary, type RunSummary } from '../report/summary';
import type { Series } from './api-bench';

export const ScaleBenchOptions = z.object({
  'level-duration': z.string().regex(/^\d+(s|m)$/, 'level-duration must look like 30s or 2m').default('30s'),
  warmup: z.coerce.number({ error: 'warmup must be a number of seconds' }).int().min(0).max(600).default(10),
  'step-seconds': z.coerce.number({ error: 'step-seconds must be a number' }).int().min(2, 'step-seconds must be at least 2').max(600).default(5),
  'start-rate': z.coerce.number({ error: 'start-rate must be a number' }).int().min(10, 'start-rate must be at least 10').default(250),
  factor: z.coerce.number({ error: 'factor must be a number' }).min(1.1, 'factor must be at least 1.1').max(4).default(1.5),
  workers: z.coerce.number({ error: 'workers must be a number' }).int().min(2, 'workers must be at least 2').max(8).default(2),
  capacity: z.string().optional(),
  seed: z.coerce.number().int().min(0).default(46),
});
export type ScaleBenchOptions = z.infer<typeof ScaleBenchOptions>;

export interface LevelShape {
  name: string;
  workers: number;
  replica: boolean;
}

export interface LevelResult {
  shape: LevelShape;
  /** The level run was cut: its summary is its partial report's. */
  cut?: boolean;
  dir?: string;
  exitCode: number;
  summary?: RunSummary;
  error?: string;
}

export interface CeilingResult {
  workers: number;
  dir?: string;
  exitCode: number;
  series: Series[];
  error?: string;
}

export interface ScaleBenchResult {
  dir: string;
  /** Set when a signal cut the benchmark: the part it was in and that part's own partial report, if any. */
  interruption?: { signal: string; at: string; after_s: number; cut: string; partial_report?: string };
  options: ScaleBenchOptions;
  levels: LevelResult[];
  ceilings: CeilingResult[];
  capacity: { dir: string; whatIfs: { label: string; outcome: ServerWhatIfOutcome }[] } | { missing: string };
}

/** One loadlab command as a guarded child (its output into `logFile`); an interrupt reaches it as SIGINT. */
async function runLoadlab(args: string[], env: Record<string, string>, logFile: string): Promise<number> {
  const r = await runChild(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'loadlab.mjs'), ...args], {
    label: `loadlab ${args[0]}`,
    stopSignal: 'SIGINT',
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    logFile,
    keepChars: 4000, // the output is in logFile
  });
  return r.status;
}

/** The report folder of `kind` a child made in `dir` since `before` (the folder names it had). */
function newFolder(dir: string, kind: string, before: Set<string>): string | undefined {
  const made = readdirSync(dir).filter((d) => d.endsWith(`-${kind}`) && !before.has(d));
  return made.length ? path.join(dir, made.sort().at(-1)!) : undefined;
}

export const LEVEL_SHAPES = (workers: number): LevelShape[] => [
  { name: '1 process', workers: 1, replica: false },
  { name: `${workers} workers`, workers, replica: false },
  { name: '1 process + read replica', workers: 1, replica: true },
];

export async function runScaleBench(o: ScaleBenchOptions, log: (line: string) => void): Promise<ScaleBenchResult> {
  const capacityPick = pickCapacityModel(o);
  const dir = createReportDir('bench-scale');
  const pgDir = path.join(PROJECT_ROOT, '.data', `pg-bench-scale-${process.pid}`);
  const env = { LOADLAB_PG_DIR: pgDir, LOADLAB_REPORTS_DIR: dir, CHROMIUM_BIN: '' };
  const logFile = path.join(dir, 'bench-scale.log');
  log(`bench-scale: report ${path.relative(PROJECT_ROOT, dir)}; the parts' output in bench-scale.log`);
  const levels: LevelResult[] = [];
  const ceilings: CeilingResult[] = [];
  const startedMs = Date.now();
  let cut: { part: string; partial?: string } | undefined;
  try {
    for (const shape of LEVEL_SHAPES(o.workers)) {
      if (interruption()) break;
      log(`level 3 (500 req/s, ${o['level-duration']} after a ${o.warmup} s warm-up), ${shape.name}: seeding the stress data afresh ...`);
      const seeded = await runLoadlab(['seed', '--profile', 'stress', '--truncate', '--seed', String(o.seed)], env, logFile);
      if (interruption()) {
        cut = { part: `the stress seed before level 3 (${shape.name}); a cut seed rolls back` };
        break;
      }
      if (seeded !== 0) throw new CliError(`bench-scale: loadlab seed --profile stress exited ${seeded} (see ${logFile})`);
      const before = new Set(readdirSync(dir));
      const args = ['level', '3', '--duration', o['level-duration'], '--warmup', String(o.warmup), '--seed', String(o.seed), '--server-workers', String(shape.workers), ...(shape.replica ? ['--read-replica'] : [])];
      const exitCode = await runLoadlab(args, env, logFile);
      const folder = newFolder(dir, 'level3', before);
      const summaryFile = folder && path.join(folder, 'summary.json');
      const r: LevelResult = { shape, dir: folder, exitCode };
      // exit 1 is a level that missed a threshold: still a measurement; exit 3, a partial one.
      if ((exitCode === 0 || exitCode === 1 || exitCode === 3) && summaryFile && existsSync(summaryFile)) r.summary = readSummary(summaryFile);
      else r.error = `loadlab ${args.join(' ')} exited ${exitCode}${folder ? '' : ' without a report folder'} (see bench-scale.log)`;
      if (interruption()) {
        r.cut = true;
        cut = { part: `level 3 (${shape.name})`, partial: r.summary ? folder : undefined };
      }
      levels.push(r);
      log(r.summary ? `  ${levelLine(r.summary)}${r.cut ? ' (cut: partial)' : ''}` : `  ${r.error}`);
      if (cut) break;
    }
    for (const workers of cut ? [] : [1, o.workers]) {
      if (interruption()) break;
      log(`bench-api ceiling, GET /members/:id cache off and on, ${workers} ${workers > 1 ? 'workers' : 'process'} ...`);
      const before = new Set(readdirSync(dir));
      const args = ['bench-api', '--series', 'cache-off,cache-on', '--server-workers', String(workers), '--step-seconds', String(o['step-seconds']), '--start-rate', String(o['start-rate']), '--factor', String(o.factor)];
      const exitCode = await runLoadlab(args, env, logFile);
      const folder = newFolder(dir, 'bench-api', before);
      const file = folder && path.join(folder, 'bench.json');
      if (interruption()) {
        cut = { part: `the bench-api ceiling with ${workers} ${workers > 1 ? 'workers' : 'process'}`, partial: file && existsSync(file) ? folder : undefined };
        break;
      }
      const c: CeilingResult = { workers, dir: folder, exitCode, series: [] };
      if (exitCode === 0 && file && existsSync(file)) c.series = (JSON.parse(readFileSync(file, 'utf8')) as { series: Series[] }).series;
      else c.error = `loadlab ${args.join(' ')} exited ${exitCode} (see bench-scale.log)`;
      ceilings.push(c);
      log(c.error ? `  ${c.error}` : `  ${c.series.map((s) => `${s.name}: ${s.best ? `${s.best.achievedRate.toFixed(0)}/s` : 'no passing step'}`).join('; ')}`);
    }
    if (interruption() && !cut) cut = { part: 'between parts' };
  } finally {
    rmSync(placedDataDir(pgDir), { recursive: true, force: true });
  }
  const capacity =
    'missing' in capacityPick
      ? capacityPick
      : {
          dir: capacityPick.dir,
          whatIfs: [
            { label: '1 process (as the steps ran)', shape: { workers: 1, replica: false } },
            { label: `${o.workers} workers`, shape: { workers: o.workers, replica: false } },
            { label: '1 process + read replica', shape: { workers: 1, replica: true } },
          ].map((w: { label: string; shape: ServerShape }) => ({ label: w.label, outcome: serverWhatIf(capacityPick.model, w.shape) })),
        };
  const signalled = interruption();
  const interrupted = signalled && cut && { signal: signalled.signal, at: signalled.at, after_s: (signalled.atMs - startedMs) / 1000, cut: cut.part, ...(cut.partial ? { partial_report: path.relative(dir, cut.partial) } : {}) };
  return { dir, options: o, levels, ceilings, capacity, ...(interrupted ? { interruption: interrupted } : {}) };
}

/** The capacity model to ask: --capacity DIR, or the newest one for 4,000 users in reports/. */
function pickCapacityModel(o: ScaleBenchOptions): { dir: string; model: ReturnType<typeof readCapacityModel> } | { missing: string } {
  if (o.capacity) {
    try {
      return { dir: o.capacity, model: readCapacityModel(path.join(o.capacity, 'capacity.json')) };
    } catch (err) {
      throw new CliError(`--capacity ${o.capacity}: ${(err as Error).message}`);
    }
  }
  const reports = process.env.LOADLAB_REPORTS_DIR ?? path.join(PROJECT_ROOT, 'reports');
  const latest = readLatestCapacityModel(reports, 4000);
  return latest ? { dir: latest.dir, model: latest.model } : { missing: `no capacity report for 4,000 users in ${reports}: run \`make capacity\` first, or pass --capacity DIR` };
}

const f1 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(1));
const f2 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(2));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || !(b > 0) ? 'n/a' : `${(a / b).toFixed(2)}×`);

function replicaShare(s: RunSummary): number | undefined {
  const r = s.server_view.reads_from;
  return r && r.replica + r.primary > 0 ? (100 * r.replica) / (r.replica + r.primary) : undefined;
}

/** The machine's busy cores beyond the run's own processes (API, PostgreSQL, k6, harness): other work on the box. */
function otherCores(s: RunSummary): number | undefined {
  const m = s.resources?.mean;
  if (!m || m.machine_busy_cores === undefined) return undefined;
  return Math.max(0, m.machine_busy_cores - (m.api_cpu_cores ?? 0) - (m.postgres_cpu_cores ?? 0) - (m.k6_cpu_cores ?? 0) - (m.harness_cpu_cores ?? 0));
}

function levelLine(s: RunSummary): string {
  return `${s.totals.throughput_rps.toFixed(1)} req/s, p95 ${f2(s.latency_ms.p95)} ms, p99 ${f2(s.latency_ms.p99)} ms, dropped ${s.generator.dropped_iterations}, failed ${s.totals.failed}, API CPU ${f2(s.resources?.mean.api_cpu_cores)} cores, thresholds ${s.assessment.passed ? 'passed' : 'FAILED'}`;
}

export function renderScaleBench(r: ScaleBenchResult): string {
  const o = r.options;
  const out: string[] = [];
  const i = r.interruption;
  if (i) {
    out.push(`INTERRUPTED by ${i.signal} at ${i.at}, ${i.after_s.toFixed(1)} s into the benchmark: cut during ${i.cut}; the parts below are those that completed (a cut level is its partial report, never compared).`);
    out.push(i.partial_report ? `  The cut run wrote its own partial report: ${i.partial_report}` : '  The cut part left no report of its own.');
    out.push('');
  }
  out.push(`level 3: 500 req/s constant arrival rate for ${o['level-duration']} after a ${o.warmup} s warm-up, stress data seeded afresh before each run (loadlab level 3)`);
  const rows = [['  shape', 'req/s', 'p95 ms', 'p99 ms', 'dropped', 'failed', 'API cpu', 'PG cpu', 'k6 cpu', 'machine', 'other', 'cache hit', 'reads from replica', 'thresholds']];
  for (const l of r.levels) {
    const s = l.summary;
    if (!s) {
      rows.push([`  ${l.shape.name}`, l.error ?? 'no result', '', '', '', '', '', '', '', '', '', '', '', '']);
      continue;
    }
    const m = s.resources?.mean ?? {};
    const share = replicaShare(s);
    const reads = s.server_view.reads_from;
    rows.push([
      `  ${l.shape.name}`,
      f1(s.totals.throughput_rps),
      f2(s.latency_ms.p95),
      f2(s.latency_ms.p99),
      String(s.generator.dropped_iterations),
      String(s.totals.failed),
      f2(m.api_cpu_cores),
      f2(m.postgres_cpu_cores),
      f2(m.k6_cpu_cores),
      `${f2(m.machine_busy_cores)} of ${s.resources?.cores ?? 'n/a'}`,
      f2(otherCores(s)),
      s.server_view.server_cache_hit_pct === undefined ? 'n/a' : `${s.server_view.server_cache_hit_pct.toFixed(1)}%`,
      reads ? `${share === undefined ? 'n/a' : `${share.toFixed(1)}%`} (${reads.replica} of ${reads.replica + reads.primary})` : '—',
      l.cut ? 'CUT (partial)' : s.assessment.passed ? 'PASS' : 'FAIL',
    ]);
  }
  out.push(table(rows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l']));
  out.push(
    "  cpu in cores, means over the measured window (API: every worker; PG: the primary and, with the replica, the replica); other: the machine's busy cores minus API, PG, k6 and the harness — processes outside the run; reads from replica: the cached reads' database reads (db_reads_total)",
  );
  const [one, many, replica] = r.levels.map((l) => (l.cut ? undefined : l.summary));
  if (one && many) {
    out.push(
      `  ${o.workers} workers / 1 process: p95 ${ratio(many.latency_ms.p95, one.latency_ms.p95)}, p99 ${ratio(many.latency_ms.p99, one.latency_ms.p99)}, API cpu ${ratio(many.resources?.mean.api_cpu_cores, one.resources?.mean.api_cpu_cores)}, machine ${ratio(many.resources?.mean.machine_busy_cores, one.resources?.mean.machine_busy_cores)}`,
    );
  }
  if (one && replica) {
    out.push(
      `  replica on / off: p95 ${ratio(replica.latency_ms.p95, one.latency_ms.p95)}, p99 ${ratio(replica.latency_ms.p99, one.latency_ms.p99)}, throughput ${ratio(replica.totals.throughput_rps, one.totals.throughput_rps)}, PG cpu ${ratio(replica.resources?.mean.postgres_cpu_cores, one.resources?.mean.postgres_cpu_cores)}`,
    );
  }
  out.push('');
  out.push(`bench-api ceiling: GET /members/:id, highest step with p95 < 50 ms, < 1 % failed, < 1 % dropped (${o['step-seconds']} s steps from ${o['start-rate']}/s, ×${o.factor}; dev data)`);
  const names = ['GET /members/:id cache off', 'GET /members/:id cache on'];
  const [c1, cN] = r.ceilings;
  const best = (c: CeilingResult | undefined, name: string) => c?.series.find((s) => s.name === name)?.best;
  const cell = (c: CeilingResult | undefined, name: string) => {
    if (!c || c.error) return c?.error ?? 'not run';
    const b = best(c, name);
    const s = c.series.find((x) => x.name === name);
    const open = s && s.steps.length && s.best && s.steps.at(-1) === s.best ? ' (max rate: no step failed)' : '';
    return b ? `${b.achievedRate.toFixed(0)}/s (p95 ${b.p95Ms.toFixed(1)} ms)${open}` : 'no passing step';
  };
  out.push(
    table(
      [
        ['  series', '1 process', `${o.workers} workers`, 'ratio'],
        ...names.map((n) => [`  ${n}`, cell(c1, n), cell(cN, n), ratio(best(cN, n)?.achievedRate, best(c1, n)?.achievedRate)]),
      ],
      ['l', 'r', 'r', 'r'],
    ),
  );
  out.push('  the steps are ×' + o.factor + ' apart: the ceiling lies between the passing step and the next, so a ratio moves in those jumps');
  out.push('');
  if ('missing' in r.capacity) {
    out.push(`capacity model: ${r.capacity.missing}`);
  } else {
    const first = r.capacity.whatIfs.find((w) => w.outcome.ok)?.outcome;
    const at = first?.ok ? `${first.users.toLocaleString('en-US')} users` : 'its target users';
    out.push(`capacity model (${path.relative(PROJECT_ROOT, r.capacity.dir) || r.capacity.dir}): what it says each shape would change at ${at} (demand model; band: every demand ± 2 standard errors)`);
    const crow = [['  shape', 'req/s', 'band', 'mean ms', 'p95 ms', 'band', 'first to run out (at req/s)', 'next']];
    const assumptions = new Set<string>();
    for (const w of r.capacity.whatIfs) {
      const x = w.outcome;
      if (!x.ok) {
        crow.push([`  ${w.label}`, x.reason, '', '', '', '', '', '']);
        continue;
      }
      x.assumptions.forEach((a) => assumptions.add(a));
      const band = (b: [number, number] | null, d: number) => (b ? `${b[0].toFixed(d)}–${b[1].toFixed(d)}` : 'n/a');
      const sat = (i: number) => (x.saturations[i] ? `${x.saturations[i]!.resource} (${x.saturations[i]!.capacity}) at ${x.saturations[i]!.x100.toFixed(0)}` : '—');
      crow.push([`  ${w.label}`, x.throughput_rps.toFixed(1), band(x.throughput_band, 1), x.mean_ms.toFixed(1), x.p95_ms.toFixed(1), band(x.p95_band, 1), sat(0), sat(1)]);
    }
    out.push(table(crow, ['l', 'r', 'r', 'r', 'r', 'r', 'l', 'l']));
    for (const a of assumptions) out.push(`  - ${a}`);
  }
  out.push('');
  out.push('machine caveat: the API, PostgreSQL (and the replica), k6 and the harness share this machine\'s cores; the figures are from one run.');
  return out.join('\n');
}
