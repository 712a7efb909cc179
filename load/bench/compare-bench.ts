// bench-compare: does `loadlab compare` tell noise from a regression on this machine? Every run is
// the real CLI a user would type (`loadlab gate --config FILE`: own embedded PostgreSQL, API and k6):
//   1. N pairs of runs of the same configuration, each pair compared: every operation flagged
//      slower or faster is a false alarm (the false-alarm rate per pair and per operation);
//   2. the same load with CACHE_ENABLED=false on the server, gated with `--baseline` the first run:
//      read_member_detail must come out slower, in `gate --baseline` (exit 1, REGRESSION) and in
//      `loadlab compare`.
// Figures, not a test; the table is printed and written to the bench folder.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { table } from '../../common/text-format';
import { PROJECT_ROOT } from '../lib/local-env';
import { createReportDir } from '../lib/report-dir';
import type { Comparison } from '../report/compare';

const LOADLAB = path.join(PROJECT_ROOT, 'bin', 'loadlab.mjs');

export interface CompareBenchOptions {
  pairs: number;
  users: number;
  ops: number;
  thinkMs: number;
  log: (line: string) => void;
}

interface GateRun {
  dir: string;
  status: number;
  stdout: string;
  seconds: number;
}

function gate(reports: string, config: string, extra: string[], env: Record<string, string>): GateRun {
  const t = Date.now();
  const r = spawnSync(process.execPath, [LOADLAB, 'gate', '--config', config, ...extra], { env: { ...process.env, ...env, LOADLAB_REPORTS_DIR: reports }, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const dirs = readdirSync(reports).filter((d) => d.endsWith('-gate')).sort();
  if (r.status !== 0 && r.status !== 1) throw new Error(`loadlab gate exited ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').at(-1)}`);
  return { dir: path.join(reports, dirs.at(-1)!), status: r.status ?? -1, stdout: r.stdout, seconds: (Date.now() - t) / 1000 };
}

function compare(a: string, b: string): Comparison {
  const r = spawnSync(process.execPath, [LOADLAB, 'compare', a, b, '--json'], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`loadlab compare exited ${r.status}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as Comparison;
}

const judged = (c: Comparison) => c.operations.filter((o) => o.verdict === 'slower' || o.verdict === 'faster' || o.verdict === 'no significant change');
const p95 = (c: Comparison, op: string) => {
  const o = c.operations.find((x) => x.op === op);
  return o?.a && o.b && o.latency ? `${o.a.p95.toFixed(2)} → ${o.b.p95.toFixed(2)} ms, Δ ${o.latency.p95.delta.toFixed(2)} [${o.latency.p95.lo.toFixed(2)}, ${o.latency.p95.hi.toFixed(2)}]` : 'n/a';
};

export async function runCompareBench(o: CompareBenchOptions): Promise<{ dir: string; falseAlarmPairs: number; caught: boolean }> {
  const dir = createReportDir('bench-compare');
  const reports = path.join(dir, 'runs');
  mkdirSync(reports, { recursive: true });
  const config = path.join(dir, 'gate.json');
  // thresholds out of the way: this measures the comparison, not the gate's limits
  writeFileSync(config, JSON.stringify({ users: o.users, ops: o.ops, think_time_ms: o.thinkMs, ramp_up_s: 2, pattern: 'distributed', avg_ms: 10_000, p95_ms: 10_000, error_pct: 100 }, null, 2));
  o.log(`bench-compare: ${o.pairs} pairs of identical runs (gate config ${o.users} users x ${o.ops} ops, think ${o.thinkMs} ms), then CACHE_ENABLED=false`);

  const rows: string[][] = [['pair', 'A', 'B', 'ops judged', 'flagged', 'all operations p95', 'read_member_detail p95']];
  let falseAlarmPairs = 0;
  let flaggedOps = 0;
  let judgedOps = 0;
  let first: GateRun | undefined;
  for (let k = 1; k <= o.pairs; k++) {
    const a = gate(reports, config, [], {});
    first ??= a;
    const b = gate(reports, config, [], {});
    const c = compare(a.dir, b.dir);
    const flagged = c.operations.filter((x) => x.verdict === 'slower' || x.verdict === 'faster');
    judgedOps += judged(c).length;
    flaggedOps += flagged.length;
    if (flagged.length) falseAlarmPairs++;
    rows.push([String(k), path.basename(a.dir), path.basename(b.dir), String(judged(c).length), flagged.map((f) => `${f.op} ${f.verdict}`).join(', ') || 'none', p95(c, 'all operations'), p95(c, 'read_member_detail')]);
    o.log(`  pair ${k}: ${flagged.length ? flagged.map((f) => `${f.op} ${f.verdict} (${f.reasons.join('; ')})`).join(', ') : 'no significant change'} (${a.seconds.toFixed(0)} s + ${b.seconds.toFixed(0)} s)`);
    for (const w of c.warnings.filter((x) => x.startsWith('other processes'))) o.log(`    warning: ${w}`);
  }

  // The regression: the same load against a server without its read cache, gated against run 1.
  const off = gate(reports, config, ['--baseline', first!.dir], { CACHE_ENABLED: 'false' });
  const gateSaysSlower = off.status === 1 && /REGRESSION read_member_detail: significantly slower/.test(off.stdout);
  const c = compare(first!.dir, off.dir);
  const detail = c.operations.find((x) => x.op === 'read_member_detail');
  const compareSaysSlower = detail?.verdict === 'slower';
  const lines = [
    `bench-compare ${new Date().toISOString()}: ${o.pairs} pairs, ${o.users} users x ${o.ops} ops, think ${o.thinkMs} ms`,
    table(rows, ['r', 'l', 'l', 'r', 'l', 'l', 'l']),
    '',
    `false alarms: ${falseAlarmPairs} of ${o.pairs} pairs flagged an operation (${o.pairs ? ((100 * falseAlarmPairs) / o.pairs).toFixed(0) : 0}%); ${flaggedOps} of ${judgedOps} judged operations (${judgedOps ? ((100 * flaggedOps) / judgedOps).toFixed(1) : 0}%)`,
    `CACHE_ENABLED=false vs run 1: compare says read_member_detail ${detail?.verdict ?? 'missing'} (${p95(c, 'read_member_detail')}; ${detail?.reasons.join('; ') || 'no reason'})`,
    `  gate --baseline: exit ${off.status}, ${gateSaysSlower ? 'REGRESSION read_member_detail' : 'read_member_detail NOT flagged'}; slower overall: ${c.slower.join(', ') || 'none'}`,
    `regression caught: ${compareSaysSlower && gateSaysSlower ? 'yes' : 'NO'}`,
  ];
  const text = lines.join('\n');
  writeFileSync(path.join(dir, 'bench-compare.txt'), `${text}\n`);
  writeFileSync(path.join(dir, 'cache-off-compare.json'), `${JSON.stringify(c, null, 2)}\n`);
  o.log(`\n${text}`);
  return { dir, falseAlarmPairs, caught: compareSaysSlower && gateSaysSlower };
}
