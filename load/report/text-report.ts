// report.txt: the text report people read and export. Pure formatting of a RunSummary.
import type { RunSummary } from './summary';
import { int, ms, pct, rule, table } from './format';

export function renderTextReport(s: RunSummary): string {
  const out: string[] = [];
  out.push(rule(), `LOADLAB LOAD TEST REPORT  ${s.run_id}`, rule(), '');
  out.push('Test Configuration:');
  out.push(
    table([
      ['  Concurrent users', String(s.config.users)],
      ['  Operations per user', String(s.config.ops)],
      ['  Think time (mean)', `${s.config.think_time_ms} ms (jittered 0.5x-1.5x)`],
      ['  Ramp-up', `${s.config.ramp_up_s} s`],
      ['  Scenario', s.config.scenario],
      ['  Target', `${s.config.target}${s.config.target_is_own_server ? ' (own server, started for this run)' : ''}`],
      ['  Data', s.config.data],
      ['  k6', `${s.k6.version} (exit code ${s.k6.exit_code})`],
      ['  Started / finished (UTC)', `${s.started_at} / ${s.finished_at}`],
    ]),
    '',
  );
  const t = s.totals;
  out.push('Overall Results:');
  out.push(
    table(
      [
        ['  Total operations', int(t.requests)],
        ['  Successful', `${int(t.successful)} (${pct(t.requests ? (100 * t.successful) / t.requests : 0)})`],
        ['  Failed', `${int(t.failed)} (${pct(t.failed_pct)})`],
        ['  Throughput', `${t.throughput_rps.toFixed(2)} ops/s over ${t.duration_s.toFixed(1)} s`],
      ],
      ['l', 'l'],
    ),
    '',
  );
  const l = s.latency_ms;
  out.push('Response Times (all operations, failures included):');
  out.push(
    table([
      ['  Average', ms(l.avg)],
      ['  Median', ms(l.med)],
      ['  95th percentile', ms(l.p95)],
      ['  99th percentile', ms(l.p99)],
      ['  Min', ms(l.min)],
      ['  Max', ms(l.max)],
    ]),
    '',
  );
  out.push('Operation Breakdown:');
  out.push(
    table(
      [
        ['  operation', 'count', 'errors', 'avg ms', 'p95 ms', 'p99 ms', 'route'],
        ...s.operations.map((o) => [
          `  ${o.op}`,
          int(o.count),
          int(o.errors),
          o.latency_ms.avg.toFixed(2),
          o.latency_ms.p95.toFixed(2),
          o.latency_ms.p99.toFixed(2),
          o.names.join(', '),
        ]),
      ],
      ['l', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
    '',
  );
  out.push(rule(), '');
  return out.join('\n');
}
