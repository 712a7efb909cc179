// report.txt of a capacity run: configuration, the steps table, the USL fit, the predictions at
// the target users, the old formula's answer beside them (labelled as such), and the validation
// run's predicted-vs-measured table. Pure formatting of a CapacityModel.
import { int, rule, table } from '../../common/text-format';
import type { CapacityModel, CapacityPrediction } from './capacity-model';
import { steadyStateWindow } from './step-summary';

const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');
const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
const sci = (v: number) => (v === 0 ? '0' : Math.abs(v) >= 0.01 ? v.toFixed(4) : v.toExponential(3));
const range = (r: [number, number] | null, fmt: (v: number) => string) => (r ? `${fmt(r[0])} – ${fmt(r[1])}` : 'n/a');
const orNa = (v: number | null, fmt: (v: number) => string) => (v === null ? 'n/a' : fmt(v));

export function stepsTable(m: CapacityModel): string {
  const rows: string[][] = [['  users', 'req/s', 'ok req/s', 'mean ms', 'p95 ms', 'errors', 'pacing', 'vu lag', 'k6 cpu', 'k6 MB/VU', 'server cpu', 'machine', 'saturated?']];
  for (const s of m.steps) {
    rows.push([
      `  ${s.users}`,
      f1(s.throughput_rps),
      f1(s.throughput_rps * (1 - s.error_pct / 100)),
      f1(s.latency_ms.avg),
      f1(s.latency_ms.p95),
      `${int(s.errors)} (${s.error_pct.toFixed(1)}%)`,
      f2(s.pacing),
      s.vu_lag_ms ? `${f1(s.vu_lag_ms.avg)} ms` : 'n/a',
      orNa(s.k6.cpu_cores, f2),
      orNa(s.k6.mb_per_vu, (v) => v.toFixed(2)),
      orNa(s.server_cpu_cores, f2),
      orNa(s.machine_busy_pct, (v) => `${v.toFixed(0)}%`),
      s.saturated ? 'YES (left out)' : 'no',
    ]);
  }
  const busy = m.steps.filter((s) => (s.machine_busy_pct ?? 0) >= 95).map((s) => s.users);
  const notes = m.steps.filter((s) => s.notes.length).map((s) => `  ${s.users} users: ${s.notes.join('; ')}`);
  return [
    table(rows, ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l']),
    '  req/s = all completed requests (the fitted X); ok req/s = the successful ones',
    '  pacing = X·(R+Z)/N (1.00 = steady closed loop); vu lag = how late users woke from think time;',
    '  k6 MB/VU = peak RSS / users; cpu in cores (1.00 = one core busy); machine = all cores busy %',
    ...(notes.length ? ['  Notes:', ...notes.map((n) => `  ${n}`)] : []),
    ...(busy.length ? [`  The machine was ≥ 95% busy during the steps of ${busy.join(', ')} users: k6, the server, the database and anything else running shared its cores.`] : []),
  ].join('\n');
}

export function fitLines(m: CapacityModel): string[] {
  const out: string[] = [];
  const f = m.fit;
  if (!f.ok) {
    out.push(`  No fit (${f.points} usable steps): ${f.reason}`);
    return out;
  }
  const b = m.band;
  out.push(
    table([
      ['  Model', f.model],
      ['  Method', `nonlinear least squares (Levenberg–Marquardt; bounds σ ≥ 0, κ ≥ 0${m.config.think_time_ms > 0 ? `, λ ≤ 1/Z = ${sci(1000 / m.config.think_time_ms)}` : ''}) on ${f.points} steps`],
      ['  λ (req/s per user at N=1)', `${sci(f.lambda)}${b ? `   band ${range(b.lambda, sci)}` : ''}`],
      ['  σ (contention)', `${sci(f.sigma)}${b ? `   band ${range(b.sigma, sci)}` : ''}`],
      ['  κ (coherency)', `${sci(f.kappa)}${b ? `   band ${range(b.kappa, sci)}` : ''}`],
      ['  R²', f.r2.toFixed(4)],
      ['  Peak N* = √((1−σ)/κ)', f.peak_n === null ? 'none (κ = 0: throughput keeps rising, ever more slowly)' : `${int(f.peak_n)} users at ${f1(f.peak_x ?? Number.NaN)} req/s`],
      ['  Uncertainty', b ? `${b.lower_pct}–${b.upper_pct}% band, ${b.method}; ${b.fitted}/${b.resamples} refits converged` : 'none (no resample could be refitted)'],
    ]),
  );
  return out;
}

export function predictionLines(m: CapacityModel, p: CapacityPrediction | null = m.prediction): string[] {
  if (!p) return [`  No prediction: ${m.fit.ok ? 'the fit has no parameters' : m.fit.reason}`];
  const beyond = p.largest_measured_users > 0 ? p.target_users / p.largest_measured_users : Number.NaN;
  const maxN = p.max_users_within_rt.unbounded ? 'every N (no contention or coherency cost fitted)' : p.max_users_within_rt.users === null ? 'none (even 1 user misses it)' : `${int(p.max_users_within_rt.users)} users`;
  const lines = [
    table([
      [`  Throughput X(${p.target_users})`, `${f1(p.throughput_rps)} req/s   band ${range(p.throughput_band, f1)}`],
      [`  Mean response time R(${p.target_users}) = N/X − Z`, `${f1(p.response_ms)} ms   band ${range(p.response_band, f1)}   (Z = ${p.think_time_ms} ms think time)`],
      [`  Largest N with R ≤ ${p.rt_target_ms} ms`, `${maxN}   band ${range(p.max_users_band, (v) => (v >= 1e9 ? '∞' : int(v)))}`],
    ]),
  ];
  if (Number.isFinite(beyond) && beyond > 1) {
    lines.push(`  (${p.target_users} users is ${beyond.toFixed(1)}× the largest measured step, ${p.largest_measured_users}: an extrapolation of the fitted curve)`);
  }
  return lines;
}

export function goodputLines(m: CapacityModel): string[] {
  const g = m.goodput;
  if (!g) return [];
  if (!g.fit.ok) return [`  No fit of successful throughput: ${g.fit.reason}`];
  const f = g.fit;
  const errSteps = m.steps.filter((s) => !s.saturated && s.errors > 0).map((s) => `${s.users} (${s.error_pct.toFixed(1)}%)`);
  return [
    `  Steps with failed requests: ${errSteps.join(', ')}. Failures count in the throughput above; this fit counts only successes.`,
    table([
      ['  λ, σ, κ, R²', `${sci(f.lambda)}, ${sci(f.sigma)}, ${sci(f.kappa)}, ${f.r2.toFixed(4)}`],
      ['  Peak of successful throughput', f.peak_n === null ? 'none within the model (κ = 0)' : `${int(f.peak_n)} users at ${f1(f.peak_x ?? Number.NaN)} req/s`],
      [`  Successful X(${m.config.target_users})`, g.at_target_rps === null ? 'n/a' : `${f1(g.at_target_rps)} req/s`],
    ]),
  ];
}

export function naiveLines(m: CapacityModel): string[] {
  const n = m.naive;
  if (!n) return ['  (no step with measured response times)'];
  return [
    `  old formula (${n.formula}), not a prediction: ${n.from_users} × 100 / ${f1(n.from_avg_ms)} = ${int(n.capacity_users)} "users of capacity";`,
    `  its linear "response time at ${m.config.target_users} users" = ${f1(n.from_avg_ms)} × ${m.config.target_users} / ${int(n.capacity_users)} = ${f1(n.response_at_target_ms)} ms.`,
    '  Neither number comes from a model of how throughput scales; compare with the fitted prediction above.',
  ];
}

export function validationLines(m: CapacityModel): string[] {
  const v = m.validation;
  if (!v) return [];
  const s = v.step;
  const rows: string[][] = [['  at ' + v.users + ' users', 'predicted', 'measured', 'error']];
  const err = (e: number | undefined) => (e === undefined ? 'n/a' : `${e >= 0 ? '+' : ''}${e.toFixed(1)}%`);
  rows.push(['  throughput (req/s)', v.predicted ? f1(v.predicted.throughput_rps) : 'n/a', f1(s.throughput_rps), err(v.error_pct?.throughput)]);
  rows.push(
    v.goodput
      ? ['  successful req/s', f1(v.goodput.predicted_rps), f1(v.goodput.measured_rps), err(v.goodput.error_pct)]
      : ['  successful req/s', 'n/a', f1(s.throughput_rps * (1 - s.error_pct / 100)), 'n/a'],
  );
  rows.push(['  mean response time (ms)', v.predicted ? f1(v.predicted.response_ms) : 'n/a', f1(s.latency_ms.avg), err(v.error_pct?.response)]);
  const out = [table(rows, ['l', 'r', 'r', 'r'])];
  out.push(
    `  measured also: p95 ${f1(s.latency_ms.p95)} ms, errors ${int(s.errors)} (${s.error_pct.toFixed(2)}%), pacing ${f2(s.pacing)}, ` +
      `k6 ${orNa(s.k6.cpu_cores, f2)} cores / ${orNa(s.k6.rss_mb_peak, f1)} MB (${orNa(s.k6.mb_per_vu, f2)} MB per VU), machine busy ${orNa(s.machine_busy_pct, (x) => `${x.toFixed(0)}%`)}`,
  );
  if (s.throughput_rps > 0) {
    const z = m.config.think_time_ms;
    const littleMs = (v.users / s.throughput_rps) * 1000 - z;
    const gain = s.latency_ms.avg > 0 ? (s.latency_ms.avg + z) / s.latency_ms.avg : Number.NaN;
    out.push(
      `  Little's law on the measured throughput: N/X − Z = ${f1(littleMs)} ms (measured mean ${f1(s.latency_ms.avg)} ms). ` +
        `R = N/X − Z turns a throughput error of e% into about ${f1(gain)}·e% on response time here.`,
    );
  }
  if (s.saturated) out.push(`  WARNING: the load generator saturated during the validation run: ${s.saturation_reasons.join('; ')}`);
  if (v.error_pct) {
    const worst = Math.max(Math.abs(v.error_pct.throughput), Math.abs(v.error_pct.response));
    out.push(`  goal: within 15% — throughput ${Math.abs(v.error_pct.throughput) <= 15 ? 'met' : 'missed'}, response time ${Math.abs(v.error_pct.response) <= 15 ? 'met' : 'missed'} (worst ${worst.toFixed(1)}%)`);
    if (s.latency_ms.avg < 50) out.push('  (response times this small relative to the 5 s think time make the response-time % error a ratio of small numbers)');
  }
  return out;
}

export function renderCapacityReport(m: CapacityModel): string {
  const c = m.config;
  const out: string[] = [];
  out.push(rule(), `LOADLAB CAPACITY REPORT  ${m.run_id}`, rule(), '');
  out.push('Test Configuration:');
  out.push(
    table([
      ['  Target', `${c.target}${c.target_is_own_server ? ' (own server, started for this run)' : ''}`],
      ['  Steps (users)', c.steps.join(', ')],
      ['  Think time (mean)', `${c.think_time_ms} ms (jittered 0.5x-1.5x), same for every step`],
      ['  Each step', `its own k6 run: ramp ${c.ramp_up_s} s + hold ${c.hold_s} s (constant-vus)`],
      ['  Steady-state window', steadyStateWindow(0, c.ramp_up_s, c.hold_s, c.think_time_ms).rule],
      ['  Target users / RT target', `${c.target_users} / ${c.rt_target_ms} ms`],
      ['  k6', m.k6_version],
    ]),
    '',
  );
  out.push('Steps (steady-state window only; response times include failures):');
  out.push(stepsTable(m));
  if (m.excluded.length) {
    out.push('  Left out of the fit (load generator saturated):');
    for (const e of m.excluded) out.push(`    ${e.users} users: ${e.reason}`);
  }
  out.push('');
  out.push('Fit (Universal Scalability Law):');
  out.push(...fitLines(m), '');
  out.push(`Predictions at ${c.target_users} Users (Little's law):`);
  out.push(...predictionLines(m), '');
  if (m.goodput) out.push('Successful Requests Only (the same USL fitted to successful throughput):', ...goodputLines(m), '');
  out.push('For contrast — the formula of the system this replaces:');
  out.push(...naiveLines(m), '');
  if (m.validation) {
    out.push(`Validation (a real run at ${m.validation.users} users):`);
    out.push(...validationLines(m), '');
  }
  out.push(rule());
  return `${out.join('\n')}\n`;
}

/** A few lines for the "Scaling to 4,000 Users" section of a load report. */
export function scalingSummaryLines(m: CapacityModel, dir?: string): string[] {
  const out = [`  From capacity run ${m.run_id}${dir ? ` (${dir})` : ''}: ${m.steps.length} steps of ${m.config.steps.join('/')} users, think time ${m.config.think_time_ms} ms`];
  if (!m.fit.ok) return [...out, `  No fitted model: ${m.fit.reason}`];
  out.push(`  USL fit: λ ${sci(m.fit.lambda)}, σ ${sci(m.fit.sigma)}, κ ${sci(m.fit.kappa)}, R² ${m.fit.r2.toFixed(3)}; peak ${m.fit.peak_n === null ? 'none' : `N* ≈ ${int(m.fit.peak_n)} users`}`);
  out.push(...predictionLines(m));
  const g = m.goodput;
  if (g?.fit.ok) {
    out.push(
      `  Successful requests only: ${g.fit.peak_n === null ? 'no peak' : `peak ≈ ${int(g.fit.peak_n)} users at ${f1(g.fit.peak_x ?? Number.NaN)} req/s`}` +
        `${g.at_target_rps === null ? '' : `, ${f1(g.at_target_rps)} req/s at ${m.config.target_users} users`} (the steps had failed requests)`,
    );
  }
  if (m.validation?.error_pct) {
    out.push(`  Validated at ${m.validation.users} users: throughput error ${m.validation.error_pct.throughput.toFixed(1)}%, response time error ${m.validation.error_pct.response.toFixed(1)}%`);
  }
  return out;
}
