// Comparing two runs: the delta table of `loadlab compare` and the regression rules of
// `loadlab gate --baseline`.
import { table } from '../../common/text-format';
import type { RunSummary } from './summary';

export interface Regression {
  metric: string;
  baseline: number;
  current: number;
  change_pct: number;
}

const change = (a: number, b: number) => (a === 0 ? (b === 0 ? 0 : Infinity) : (100 * (b - a)) / a);

/** Latency regressions beyond tolerance (and above a noise floor), and error-rate increases. */
export function findRegressions(baseline: RunSummary, current: RunSummary, tolerancePct: number, floorMs: number): Regression[] {
  const out: Regression[] = [];
  for (const k of ['avg', 'p95', 'p99'] as const) {
    const a = baseline.latency_ms[k];
    const b = current.latency_ms[k];
    if (b - a > floorMs && change(a, b) > tolerancePct) out.push({ metric: `${k} response time (ms)`, baseline: a, current: b, change_pct: change(a, b) });
  }
  const ea = baseline.totals.failed_pct;
  const eb = current.totals.failed_pct;
  if (eb - ea > 0.5) out.push({ metric: 'failed requests (%)', baseline: ea, current: eb, change_pct: change(ea, eb) });
  return out;
}

export function renderComparison(a: RunSummary, b: RunSummary): string {
  const row = (name: string, x: number, y: number, digits = 2) => {
    const c = change(x, y);
    return [`  ${name}`, x.toFixed(digits), y.toFixed(digits), (y - x >= 0 ? '+' : '') + (y - x).toFixed(digits), Number.isFinite(c) ? `${c >= 0 ? '+' : ''}${c.toFixed(1)}%` : 'n/a'];
  };
  const rows: string[][] = [
    ['  metric', 'A', 'B', 'B-A', 'change'],
    row('requests', a.totals.requests, b.totals.requests, 0),
    row('failed %', a.totals.failed_pct, b.totals.failed_pct),
    row('throughput ops/s', a.totals.throughput_rps, b.totals.throughput_rps),
    row('avg ms', a.latency_ms.avg, b.latency_ms.avg),
    row('median ms', a.latency_ms.med, b.latency_ms.med),
    row('p95 ms', a.latency_ms.p95, b.latency_ms.p95),
    row('p99 ms', a.latency_ms.p99, b.latency_ms.p99),
    row('max ms', a.latency_ms.max, b.latency_ms.max),
    row('writes lost', a.data_safety.lost, b.data_safety.lost, 0),
  ];
  const ops = [...new Set([...a.operations.map((o) => o.op), ...b.operations.map((o) => o.op)])].sort();
  for (const op of ops) {
    const x = a.operations.find((o) => o.op === op);
    const y = b.operations.find((o) => o.op === op);
    if (x && y) rows.push(row(`${op} p95 ms`, x.latency_ms.p95, y.latency_ms.p95));
    else rows.push([`  ${op} p95 ms`, x ? x.latency_ms.p95.toFixed(2) : '-', y ? y.latency_ms.p95.toFixed(2) : '-', '', 'only in one run']);
  }
  return [`A: ${a.run_id} (${a.kind}, ${a.config.users} users)`, `B: ${b.run_id} (${b.kind}, ${b.config.users} users)`, '', table(rows, ['l', 'r', 'r', 'r', 'r'])].join('\n');
}
