// report.txt: the text report people read and export. Pure formatting of a RunSummary, in the
// design's section order.
import { LABELS, utilisations } from './assessment';
import { int, ms, pct, rule, table } from '../../common/text-format';
import type { RunSummary } from './summary';

const KIND_LABEL: Record<string, string> = {
  read_heavy: 'read-heavy (~90% reads)',
  write_heavy: 'write-heavy (~70% writes)',
  mixed: 'mixed (~60/40)',
  file_operations: 'file users',
};

function configuration(s: RunSummary): string[] {
  const c = s.config;
  const g = s.generator;
  const rows: string[][] = [];
  if (c.rate_rps !== undefined) {
    rows.push(['  Arrival rate', `${c.rate_rps} requests/s (constant-arrival-rate) for ${c.duration}`]);
    if (c.warmup_s) {
      rows.push([
        '  Warm-up',
        s.interruption?.during_warmup
          ? `${c.warmup_s} s at the same rate before the measured window: cut in it, so its ${int(s.totals.requests)} requests are the figures below`
          : `${c.warmup_s} s at the same rate before the measured window: ${int(s.totals.warmup_requests ?? 0)} requests, not in the figures below (in Server View and Data Safety)`,
      ]);
    }
    rows.push(['  Virtual users', `${c.users} pre-allocated`]);
  } else {
    rows.push(['  Concurrent users', String(c.users)], ['  Operations per user', String(c.ops)]);
    rows.push(['  Think time (mean)', `${c.think_time_ms} ms (jittered 0.5x-1.5x)`], ['  Ramp-up', `${c.ramp_up_s} s (users start evenly spread)`]);
  }
  rows.push(
    ['  Pattern', c.pattern],
    ['  Scenario', c.scenario],
    ['  Target', `${c.target}${c.target_is_own_server ? ' (own server, started for this run)' : ''}`],
    ['  Data', c.data],
    ['  k6', `${s.k6.version} (${s.k6.exit_code < 0 ? 'exit codes not known: k6-operator runners' : `exit code ${s.k6.exit_code}`})`],
    ...(g.not_measured_reason
      ? [['  k6 CPU and memory', `not measured: ${g.not_measured_reason}`]]
      : [
          ['  k6 memory', `peak RSS ${g.k6_rss_peak_mb.toFixed(1)} MB for ${g.vus} VUs = ${g.k6_mb_per_vu.toFixed(2)} MB per VU (budget 2 MB)${s.instances ? ', all instances' : ''}`],
          ['  k6 CPU', `${g.k6_cpu_avg_cores.toFixed(2)} cores average, ${g.k6_cpu_peak_cores.toFixed(2)} peak${s.instances ? ' (sum over instances)' : ''}`],
        ]),
    ['  Started / finished (UTC)', `${s.started_at} / ${s.finished_at}`],
  );
  return ['Test Configuration:', table(rows), '', ...instances(s)];
}

/** The k6 instances of a multi-instance or merged run: who sent what, on how much CPU and memory. */
function instances(s: RunSummary): string[] {
  const x = s.instances;
  if (!x) return [];
  const f = (v: number | null, d = 2) => (v === null ? 'n/a' : v.toFixed(d));
  const skew = x.start_skew_ms === null ? 'n/a' : `${x.start_skew_ms.toFixed(0)} ms between the first and the last instance's setup()`;
  const out = [
    `k6 Instances: ${x.count} (execution segments ${x.sequence}), start skew ${skew}${x.resume_skew_ms === null ? '' : `; resumed within ${x.resume_skew_ms.toFixed(0)} ms`}`,
    table(
      [
        ['  instance', 'segment', 'requests', 'failed', 'dropped', 'VUs', 'k6 CPU avg', 'peak', 'RSS MB', 'start +ms', ''],
        ...x.list.map((i) => [
          `  ${i.index}`,
          i.segment,
          int(i.requests),
          int(i.failed),
          int(i.dropped_iterations),
          String(i.vus_max),
          f(i.k6_cpu_avg_cores),
          f(i.k6_cpu_peak_cores),
          f(i.k6_rss_peak_mb, 1),
          i.start_offset_ms === null ? 'n/a' : i.start_offset_ms.toFixed(0),
          i.saturated ? `SATURATED: ${i.saturation_reasons.join('; ')}` : '',
        ]),
        ['  all', '', int(x.list.reduce((a, i) => a + i.requests, 0)), int(x.list.reduce((a, i) => a + i.failed, 0)), int(x.list.reduce((a, i) => a + i.dropped_iterations, 0)), '', '', '', '', '', ''],
      ],
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
    '  Requests per instance include warm-up and exclude setup(); the figures below are computed once, from the merged histograms.',
  ];
  if (!x.complete) for (const p of x.problems) out.push(`  INCOMPLETE  ${p}`);
  out.push('');
  return out;
}

function patternDistribution(s: RunSummary): string[] {
  const users = s.config.users;
  const rows = Object.entries(s.config.user_split)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => [`  ${KIND_LABEL[k] ?? k}`, `${n} users`, `(${pct((100 * n) / Math.max(users, 1), 1)})`]);
  const out = ['User Pattern Distribution:', rows.length ? table(rows, ['l', 'r', 'r']) : '  (arrival-rate run: requests are not tied to users)'];
  if (s.config.pattern === 'distributed') out.push('  Split 50/20/25/5 rounded by largest remainder so the counts add up to the users.');
  out.push('');
  return out;
}

function overall(s: RunSummary): string[] {
  const t = s.totals;
  return [
    'Overall Results:',
    table([
      ['  Total operations', t.expected_requests === undefined ? int(t.requests) : `${int(t.requests)} of ${int(t.expected_requests)} expected (users x ops)${t.requests === t.expected_requests ? '' : `  MISSING ${int(t.expected_requests - t.requests)}`}`],
      ['  Successful', `${int(t.successful)} (${pct(t.requests ? (100 * t.successful) / t.requests : 0)})`],
      ['  Failed', `${int(t.failed)} (${pct(t.failed_pct)})`],
      ['  Harness errors', `${int(s.harness_errors.total)} (404 on ids the harness sampled; counted in Failed too)`],
      ['  Throughput', `${t.throughput_rps.toFixed(2)} ops/s over ${t.duration_s.toFixed(1)} s`],
    ]),
    '',
  ];
}

function responseTimes(s: RunSummary): string[] {
  const l = s.latency_ms;
  const precision = s.latency_precision ? `; percentiles from merged histograms, within ${pct(100 * s.latency_precision.relative)} of the exact value` : '';
  return [
    `Response Times (all operations, failures included${precision}):`,
    table([
      ['  Average', ms(l.avg)],
      ['  Median', ms(l.med)],
      ['  95th percentile', ms(l.p95)],
      ['  99th percentile', ms(l.p99)],
      ['  Min', ms(l.min)],
      ['  Max', ms(l.max)],
    ]),
    '',
  ];
}

function operations(s: RunSummary): string[] {
  return [
    'Operation Breakdown:',
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
  ];
}

function serverView(s: RunSummary): string[] {
  const v = s.server_view;
  const out = ['Server View:'];
  if (!v.available) return [...out, `  not available: ${v.reason}`, ''];
  const same = v.mismatches.length === 0;
  out.push(
    `  Requests counted by the server: ${int(v.server_requests)}; by k6: ${int(v.client_requests)} -> ${same ? 'match on every route and status' : `MISMATCH on ${v.mismatches.length} route/status pairs`}`,
  );
  for (const m of v.mismatches.slice(0, 20)) out.push(`    MISMATCH ${m.key}: k6 ${m.client}, server ${m.server}`);
  const f = (x?: number) => (x === undefined ? 'n/a' : pct(x, 1));
  out.push(`  Database time share of API time (server): ${f(v.db_time_share_pct)}`);
  out.push(
    `  Cache hit rate: server ${f(v.server_cache_hit_pct)} over ${int(v.cache_lookups_server ?? 0)} lookups; k6 (X-Cache) ${f(v.client_cache_hit_pct)} over ${int(v.cache_lookups_client ?? 0)} responses${
      v.cache_lookups_server !== undefined && v.cache_lookups_client !== undefined && v.cache_lookups_server !== v.cache_lookups_client ? '  MISMATCH in lookups' : ''
    }`,
  );
  out.push(`  Pool: up to ${v.pool_total_max ?? 'n/a'} connections, up to ${v.pool_waiting_max ?? 'n/a'} requests waiting for one (sampled each second)`);
  if (v.reads_from) {
    const { replica, primary } = v.reads_from;
    const share = (n: number) => (replica + primary > 0 ? ` (${pct((100 * n) / (replica + primary), 1)})` : '');
    out.push(
      `  Read replica (DATABASE_READ_URL): the cached reads' database reads went ${int(replica)} to the replica${share(replica)}, ${int(primary)} to the primary${share(primary)} (keys written until the replica replayed the write, or the replica degraded)`,
    );
  }
  const r = s.resources;
  if (r?.samples) {
    out.push(`  Resources (mean over the run, ${r.samples} one-second samples, resources.json):`);
    for (const u of utilisations(r)) out.push(`    ${u.resource}: ${(100 * u.share).toFixed(0)}% — ${u.detail}`);
    if (r.sources.postgres && r.mean.postgres_cpu_cores === undefined) out.push(`    PostgreSQL: ${r.sources.postgres}`);
  }
  out.push('');
  return out;
}

function dataSafety(s: RunSummary): string[] {
  const d = s.data_safety;
  const out = ['Data Safety:'];
  if (d.unverified_reason) out.push(`  writes acknowledged ${int(d.acknowledged)}, NOT VERIFIED (${d.unverified_reason})`);
  else out.push(`  writes acknowledged ${int(d.acknowledged)}, verified ${int(d.verified)}, lost ${int(d.lost)}${d.unverified ? `, unverified ${int(d.unverified)}` : ''}`);
  // Rows that could not be read back are not lost: nobody could look.
  for (const reason of d.unverified ? (d.unverified_reasons ?? []) : []) {
    const i = reason.indexOf(': ');
    out.push(i > 0 ? `  unverified (${reason.slice(0, i)}): ${reason.slice(i + 2)}` : `  unverified: ${reason}`);
  }
  if (d.changed_unanswered) out.push(`  ${int(d.changed_unanswered)} of the verified were changed afterwards by a write whose answer never reached k6 (in flight when the run was cut or the server died; the row's updated_at is later than the acknowledgement)`);
  const unverifiedCol = d.unverified ? ['unverified'] : [];
  const rows = Object.entries(d.by_op).map(([op, c]) => [`    ${op}`, int(c.acknowledged), ...(d.unverified_reason ? [] : [int(c.verified), int(c.lost), ...(d.unverified ? [int(c.unverified ?? 0)] : [])])]);
  const head = ['    operation', 'acknowledged', ...(d.unverified_reason ? [] : ['verified', 'lost', ...unverifiedCol])];
  if (rows.length) out.push(table([head, ...rows], ['l', 'r', 'r', 'r', 'r']));
  for (const e of d.lost_examples) out.push(`    LOST ${e.op} ${e.ref}: expected ${e.expect}, found ${e.found}`);
  out.push('');
  return out;
}

function assessment(s: RunSummary): string[] {
  const out = ['Performance Assessment:'];
  for (const t of s.thresholds) {
    const actual = t.actual === null ? 'not measured' : t.actual.toFixed(t.metric.endsWith('_ms') || t.metric.endsWith('_pct') ? 2 : 0);
    out.push(`  ${t.pass ? 'PASS' : 'FAIL'}  ${LABELS[t.metric]} ${t.op} ${t.limit}: ${actual}`);
  }
  for (const w of s.assessment.warnings) out.push(`  WARNING  ${w}`);
  for (const n of s.assessment.notes ?? []) out.push(`  NOTE  ${n}`);
  out.push(`  Result: ${s.assessment.passed ? 'all thresholds passed' : 'thresholds FAILED'}`, '');
  return out;
}

function scaling(s: RunSummary): string[] {
  return [`Scaling to ${s.scaling.target_users.toLocaleString('en-US')} Users:`, ...s.scaling.lines.map((l) => `  ${l}`), ''];
}

/** The first lines of an interrupted run's report: what was asked, what ran, how k6 stopped. */
export function interruptedLines(s: RunSummary): string[] {
  const i = s.interruption;
  if (!s.interrupted || !i) return [];
  const asked = [
    i.requested.requests !== null ? `${int(i.completed.requests)} of ${int(i.requested.requests)} requests` : `${int(i.completed.requests)} requests`,
    i.requested.seconds !== null ? `${i.completed.seconds.toFixed(1)} of ${i.requested.seconds.toFixed(0)} s planned` : `${i.completed.seconds.toFixed(1)} s`,
  ];
  const steps = i.cut_step ? [`  Cut step: ${i.cut_step}; completed steps: ${i.completed_steps?.length ? i.completed_steps.join(', ') : 'none'}`] : [];
  return [
    `INTERRUPTED by ${i.signal} at ${i.at}, ${i.after_s.toFixed(1)} s into the run (k6 stopped ${i.k6_stopped}).`,
    `  Completed: ${asked.join(', ')}. The figures below cover only what ran; acknowledged writes were verified.`,
    ...(i.during_warmup ? ['  Cut during the warm-up: no measured request ran, so the figures below are the warm-up\'s requests (not a measurement of the level).'] : []),
    ...steps,
    '',
  ];
}

/** What went wrong during the run: the server dying, the database down and back. */
export function faultLines(s: RunSummary): string[] {
  const f = s.faults;
  if (!f) return [];
  const out = ['Faults:'];
  const e = f.server_exit;
  if (e) {
    const failed = Object.entries(e.failed_after).sort(([a], [b]) => a.localeCompare(b));
    const total = failed.reduce((a, [, n]) => a + n, 0);
    out.push(
      `  FAULT  the API server died ${e.after_s.toFixed(1)} s into the run (${e.at}): ${e.how}`,
      `         ${int(total)} requests failed from then on${failed.length ? ` (${failed.map(([st, n]) => `${st === '0' ? 'no response' : `status ${st}`}: ${int(n)}`).join(', ')})` : ''}`,
      `         writes verified with ${e.verified_with ?? 'the same server'}`,
      `         last lines of server.log:`,
      ...(e.log_tail.length ? e.log_tail.map((l) => `           ${l}`) : ['           (empty)']),
    );
  }
  for (const d of f.database_down) {
    out.push(
      `  FAULT  PostgreSQL unavailable from ${d.from_s.toFixed(1)} s to ${d.to_s === null ? 'the end of the run (never came back)' : `${d.to_s.toFixed(1)} s`} into the run (${d.from} - ${d.to ?? 'end'}; /health answered 503 ${d.polls} times, polled every 1 s)`,
      `         inside it: ${int(d.status_503_inside)} requests answered 503, ${int(d.failed_inside)} failed in all`,
    );
  }
  if (!e && !f.database_down.length) out.push('  none');
  out.push('');
  return out;
}

export function renderTextReport(s: RunSummary): string {
  const title = s.kind === 'load' ? 'LOAD TEST REPORT' : `${s.kind.toUpperCase()} REPORT`;
  const incomplete = s.instances && !s.instances.complete ? ['INCOMPLETE: result files are missing, foreign or duplicated (see k6 Instances); these figures are not the run\'s result.', ''] : [];
  return [
    rule(),
    `LOADLAB ${title}  ${s.run_id}`,
    rule(),
    '',
    ...interruptedLines(s),
    ...faultLines(s),
    ...incomplete,
    ...configuration(s),
    ...patternDistribution(s),
    ...overall(s),
    ...responseTimes(s),
    ...operations(s),
    ...serverView(s),
    ...dataSafety(s),
    ...assessment(s),
    ...scaling(s),
    rule(),
    '',
  ].join('\n');
}
