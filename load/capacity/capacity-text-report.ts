// report.txt of a capacity run: configuration, the steps table, the USL fit, the predictions at
// the target users, the old formula's answer beside them (labelled as such), and the validation
// run's predicted-vs-measured table. Pure formatting of a CapacityModel.
import type { Interruption } from '../report/summary';
import { int, rule, table } from '../../common/text-format';
import { littleComputable, type CapacityModel, type CapacityPrediction } from './capacity-model';
import type { DemandPrediction } from './demand-prediction';
import { steadyStateWindow, type StepSummary } from './step-summary';

const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');
const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
const sci = (v: number) => (v === 0 ? '0' : Math.abs(v) >= 0.01 ? v.toFixed(4) : v.toExponential(3));
const range = (r: [number, number] | null, fmt: (v: number) => string) => (r ? `${fmt(r[0])} – ${fmt(r[1])}` : 'n/a');
const orNa = (v: number | null, fmt: (v: number) => string) => (v === null ? 'n/a' : fmt(v));

export function stepsTable(m: CapacityModel): string {
  const rows: string[][] = [['  users', 'req/s', 'ok req/s', 'mean ms', 'p95 ms', 'errors', 'pacing', 'vu lag', 'k6 cpu', 'k6 MB/VU', 'server cpu', 'machine', 'data at start', 'saturated?']];
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
      s.data_at_start ? `${int(s.data_at_start.members)} members / ${int(s.data_at_start.member_employments)} jobs` : 'n/a',
      s.saturated ? 'YES (left out)' : 'no',
    ]);
  }
  const busy = m.steps.filter((s) => (s.machine_busy_pct ?? 0) >= 95).map((s) => s.users);
  const notes = m.steps.filter((s) => s.notes.length).map((s) => `  ${s.users} users: ${s.notes.join('; ')}`);
  return [
    table(rows, ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l']),
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
  const maxN = p.max_users_within_rt.unbounded
    ? 'no limit within the fitted curve (σ = κ = 0: a straight line, which cannot show one)'
    : p.max_users_within_rt.users === null
      ? 'none (even 1 user misses it)'
      : `${int(p.max_users_within_rt.users)} users`;
  const resp = littleComputable(p.response_ms) ? `${f1(p.response_ms)} ms   band ${range(p.response_band, f1)}` : 'not computable (N/X − Z ≤ 0: the fitted throughput leaves no time for responses)';
  const lines = [
    table([
      [`  Throughput X(${p.target_users})`, `${f1(p.throughput_rps)} req/s   band ${range(p.throughput_band, f1)}`],
      [`  Mean response time R(${p.target_users}) = N/X − Z`, `${resp}   (Z = ${p.think_time_ms} ms think time)`],
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
  rows.push([
    '  mean response time (ms)',
    !v.predicted ? 'n/a' : v.predicted.response_ms === null ? 'not computable (N/X − Z ≤ 0)' : f1(v.predicted.response_ms),
    f1(s.latency_ms.avg),
    err(v.error_pct?.response ?? undefined),
  ]);
  const out = [table(rows, ['l', 'r', 'r', 'r'])];
  out.push(
    `  measured also: p95 ${f1(s.latency_ms.p95)} ms, errors ${int(s.errors)} (${s.error_pct.toFixed(2)}%), pacing ${f2(s.pacing)}, ` +
      `k6 ${orNa(s.k6.cpu_cores, f2)} cores / ${orNa(s.k6.rss_mb_peak, f1)} MB (${orNa(s.k6.mb_per_vu, f2)} MB per VU), machine busy ${orNa(s.machine_busy_pct, (x) => `${x.toFixed(0)}%`)}` +
      (serverMeanMs(s) !== null ? `, the API's own mean ${f2(serverMeanMs(s)!)} ms of the ${f2(s.latency_ms.avg)} ms k6 measured` : ''),
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
  const h = v.headline;
  if (h) {
    const e = (x: number | null) => (x === null ? 'n/a' : `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`);
    out.push(`  Headline model (${h.model === 'demand' ? 'demand model' : 'USL'}) against the real run:`);
    out.push(
      table(
        [
          ['    at ' + v.users + ' users', 'predicted', 'measured', 'error', 'goal'],
          ['    throughput (req/s)', f1(h.predicted.throughput_rps), f1(s.throughput_rps), e(h.error_pct.throughput), `±10%: ${Math.abs(h.error_pct.throughput) <= 10 ? 'met' : 'missed'}`],
          ['    mean response (ms)', f1(h.predicted.mean_ms), f1(s.latency_ms.avg), e(h.error_pct.mean), `±25%: ${Math.abs(h.error_pct.mean) <= 25 ? 'met' : 'missed'}`],
          ['    p95 response (ms)', h.predicted.p95_ms === null ? 'n/a' : f1(h.predicted.p95_ms), f1(s.latency_ms.p95), e(h.error_pct.p95), h.error_pct.p95 === null ? 'n/a' : `±25%: ${Math.abs(h.error_pct.p95) <= 25 ? 'met' : 'missed'}`],
        ],
        ['l', 'r', 'r', 'r', 'l'],
      ),
    );
    out.push(
      `    verdict against --rt-target ${h.verdict.rt_target_ms} ms (mean): predicted ${h.verdict.predicted_meets ? 'held' : 'not held'}, measured ${h.verdict.measured_meets ? 'held' : 'not held'} -> ${h.verdict.match ? 'match' : 'MISMATCH'}`,
    );
  }
  return out;
}

/** The head of an interrupted capacity report: which step was cut, which were completed (and modelled). */
export function capacityInterruptedLines(i: Interruption): string[] {
  return [
    `INTERRUPTED by ${i.signal} at ${i.at}, ${i.after_s.toFixed(1)} s into the run (k6 stopped ${i.k6_stopped}).`,
    `  Cut step: ${i.cut_step ?? 'none'} (left out: it did not run its hold); completed steps: ${i.completed_steps?.length ? i.completed_steps.join(', ') : 'none'}.`,
    `  Completed: ${i.completed.requests.toLocaleString('en-US')} requests in the completed steps, ${i.completed.seconds.toFixed(1)} s. The model below is of the completed steps only.`,
    '',
  ];
}

export function renderCapacityReport(m: CapacityModel): string {
  const c = m.config;
  const out: string[] = [];
  out.push(rule(), `LOADLAB CAPACITY REPORT  ${m.run_id}`, rule(), '');
  if (m.interruption) out.push(...capacityInterruptedLines(m.interruption));
  out.push('Test Configuration:');
  out.push(
    table([
      ['  Target', `${c.target}${c.target_is_own_server ? ' (own server, started for this run)' : ''}`],
      ['  Steps (users)', c.steps.join(', ')],
      ['  Think time (mean)', `${c.think_time_ms} ms (jittered 0.5x-1.5x), same for every step`],
      ['  Each step', `its own k6 run: ramp ${c.ramp_up_s} s + hold ${c.hold_s} s (constant-vus)`],
      ['  Steady-state window', steadyStateWindow(0, c.ramp_up_s, c.hold_s, c.think_time_ms).rule],
      ['  Target users / RT target', `${c.target_users} / ${c.rt_target_ms} ms`],
      ['  Operation mix', c.mix],
      ['  Data', c.data_profile],
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
  out.push(`Answer at ${c.target_users} Users:`);
  out.push(...answerLines(m), '');
  out.push('Resources per Step (steady-state window means):');
  out.push(...resourceTableLines(m), '');
  out.push('Resource Demands (Utilization Law):');
  out.push(...demandLines(m), '');
  out.push('Demand Model (asymptotic bounds and mean value analysis):');
  out.push(...demandModelLines(m), '');
  out.push('Where It Breaks:');
  out.push(...whereItBreaksLines(m), '');
  out.push('Fit (Universal Scalability Law):');
  out.push(...fitLines(m), '');
  out.push(`USL Predictions at ${c.target_users} Users (Little's law):`);
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
  const out = [
    `  From capacity run ${m.run_id}${dir ? ` (${dir})` : ''}: ${m.steps.length} steps of ${m.config.steps.join('/')} users, think time ${m.config.think_time_ms} ms, ${m.config.mix}, data ${m.config.data_profile}`,
  ];
  out.push(...answerLines(m));
  if (m.fit.ok) out.push(`  USL fit: λ ${sci(m.fit.lambda)}, σ ${sci(m.fit.sigma)}, κ ${sci(m.fit.kappa)}, R² ${m.fit.r2.toFixed(3)}; peak ${m.fit.peak_n === null ? 'none' : `N* ≈ ${int(m.fit.peak_n)} users`}`);
  else out.push(`  No USL fit: ${m.fit.reason}`);
  const h = m.validation?.headline;
  if (h) {
    out.push(
      `  Validated at ${m.validation!.users} users: throughput error ${h.error_pct.throughput.toFixed(1)}%, mean ${h.error_pct.mean.toFixed(1)}%${h.error_pct.p95 === null ? '' : `, p95 ${h.error_pct.p95.toFixed(1)}%`}; verdict ${h.verdict.match ? 'matched' : 'did NOT match'} the real run`,
    );
  }
  return out;
}

const ms1 = (v: number) => (v >= 100 ? int(v) : v >= 1 ? v.toFixed(1) : v.toFixed(3));
const bandOrNa = (b: [number, number] | null, fmt: (v: number) => string) => (b ? `band ${fmt(b[0])} – ${fmt(b[1])}` : 'no band');

/** Per step: what each resource was doing (means over the steady-state window). */
/** The API's own mean response time in a step's window (ms), when its series recorded it. */
function serverMeanMs(s: StepSummary): number | null {
  const m = s.resources?.mean;
  return m?.server_time_per_s !== undefined && m.requests_rps ? (1000 * m.server_time_per_s) / m.requests_rps : null;
}

export function resourceTableLines(m: CapacityModel): string[] {
  const withRes = m.steps.filter((s) => s.resources);
  if (!withRes.length) return ['  (the steps carry no resource measurements)'];
  const rows: string[][] = [['  users', 'req/s', 'machine cores', 'API cpu', 'PG cpu', 'k6 cpu', 'harness', 'event loop', 'pool busy/max', 'waiting max', 'loop delay max ms', 'mean ms client / server']];
  for (const s of withRes) {
    const r = s.resources!;
    const v = (k: string, fmt: (x: number) => string = f2) => (r.mean[k] === undefined ? 'n/a' : fmt(r.mean[k]!));
    rows.push([
      `  ${s.users}`,
      f1(s.throughput_rps),
      `${v('machine_busy_cores')} of ${r.cores}`,
      v('api_cpu_cores'),
      r.mean.postgres_cpu_cores !== undefined ? v('postgres_cpu_cores') : r.mean.postgres_active_backends !== undefined ? `${v('postgres_active_backends')} active` : 'n/a',
      v('k6_cpu_cores'),
      v('harness_cpu_cores'),
      v('event_loop_utilization', (x) => `${(100 * x).toFixed(0)}%`),
      r.mean.pool_busy === undefined ? 'n/a' : `${f2(r.mean.pool_busy)}/${r.mean.pool_max ?? 'n/a'}`,
      r.max.pool_waiting === undefined ? 'n/a' : int(r.max.pool_waiting),
      r.max.event_loop_delay_max_ms === undefined ? 'n/a' : f1(r.max.event_loop_delay_max_ms),
      `${f2(s.latency_ms.avg)} / ${serverMeanMs(s) === null ? 'n/a' : f2(serverMeanMs(s)!)}`,
    ]);
  }
  const src = withRes[0]!.resources!.sources;
  return [
    table(rows, ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']),
    '  cpu in cores; event loop = busy share; pool = connections checked out (mean) / DB_POOL_MAX;',
    "  mean ms: k6's response time / the API's own (routing to reply: not the wait before the loop reads a request, the network or k6)",
    ...Object.entries(src).map(([k, v]) => `  source ${k}: ${v}`),
  ];
}

export function demandLines(m: CapacityModel): string[] {
  const d = m.demand;
  if (!d.ok) return [`  No demand model: ${d.reason}`];
  const out: string[] = [];
  const rows: string[][] = [['  resource', 'D per request', '± 1 SE', 'idle baseline U₀', 'R²', 'steps']];
  for (const f of d.fits) {
    rows.push([`  ${f.label}`, `${ms1(f.demand_ms)} ${f.unit}`, f.demand_se_ms === null ? 'n/a' : ms1(f.demand_se_ms), `${f2(f.baseline)}${f.through_origin ? ' (fit through 0)' : ''}`, f.r2 === null ? 'n/a' : f.r2.toFixed(3), String(f.points)]);
  }
  out.push(table(rows, ['l', 'r', 'r', 'r', 'r', 'r']));
  out.push('  U = U₀ + D·X fitted across the steps (least squares); D in ms of the resource per request, U₀ in cores / loops / connections.');
  return out;
}

function predictionTable(p: DemandPrediction, label: string): string[] {
  return [
    table([
      [`  ${label} throughput`, `${f1(p.throughput_rps)} req/s   ${bandOrNa(p.throughput_band, f1)}`],
      [`  ${label} mean response time`, `${ms1(p.mean_ms)} ms   ${bandOrNa(p.mean_band, ms1)}`],
      [`  ${label} p95 response time`, `${ms1(p.p95_ms)} ms   ${bandOrNa(p.p95_band, ms1)}`],
      ['  machine utilisation', `${(100 * p.machine_utilization).toFixed(0)}%   (queueing wait ${ms1(p.wait_ms)} ms: a core, the event loop, the pool)`],
      ...p.stations.map((s) => [`    ${s.name}`, `${ms1(s.residence_ms)} ms${s.utilization > 0 ? `, ${(100 * s.utilization).toFixed(0)}% busy` : ''}`]),
    ]),
  ];
}

function saturationRows(sats: Extract<CapacityModel['demand'], { ok: true }>['saturations']): string[] {
  if (!sats.length) return ['  no modelled resource saturates (no demand measured)'];
  const rows: string[][] = [['  resource', 'capacity', '80% at', '100% (knee N*) at']];
  for (const s of sats) {
    rows.push([`  ${s.resource}`, s.capacity, `${s.users80 === null ? 'beyond the modelled range' : `~${int(s.users80)} users`} (${f1(s.x80)} req/s)`, `~${int(s.users100)} users (${f1(s.x100)} req/s)`]);
  }
  return [table(rows, ['l', 'l', 'r', 'r']), '  N* = X at 100% × (Z + R₀): where the throughput bound of the resource crosses the think-time line'];
}

export function demandModelLines(m: CapacityModel): string[] {
  const d = m.demand;
  if (!d.ok) return [`  No demand model: ${d.reason}`];
  const c = m.config;
  const out: string[] = [];
  out.push(`  Method: ${d.method}.`);
  out.push(`  p95 method: ${d.p95_method}. Bands: ${d.band_method}.`);
  const dm = d.demands;
  out.push(
    `  Demands used: CPU ${ms1(dm.cpu.demand_ms)} core-ms/request on ${dm.cpu.cores} cores (idle baseline ${f2(dm.cpu.baseline)} cores)` +
      `${dm.event_loop ? `, event loop ${ms1(dm.event_loop.demand_ms)} ms (${dm.event_loop.loops} loop)` : ''}` +
      `${dm.pool ? `, pool ${ms1(dm.pool.demand_ms)} connection-ms (${dm.pool.size} connections)` : ''}, rest ${ms1(dm.rest_ms)} ms;` +
      ` reference: the ${dm.reference.users}-user step (${f1(dm.reference.throughput_rps)} req/s, mean ${ms1(dm.reference.mean_ms)} ms, machine ${(100 * dm.reference.machine_utilization).toFixed(0)}%).`,
  );
  for (const a of d.assumptions) out.push(`  Assumption: ${a}.`);
  out.push(
    `  Asymptotic bounds at ${c.target_users} users: X ≤ min(N/(D+Z), c/D_max) = ${f1(d.bounds.x_max)} req/s (bottleneck: ${d.bounds.bottleneck ?? 'none'}), ` +
      `R ≥ ${ms1(d.bounds.r_min_ms)} ms; knee N* = ${Number.isFinite(d.bounds.n_star) ? int(d.bounds.n_star) : 'none'} users.`,
  );
  out.push(...predictionTable(d.prediction, `X/R at ${c.target_users}:`));
  out.push(
    `  Largest N with predicted mean ≤ ${c.rt_target_ms} ms: ${d.max_users_within_rt === null ? 'none (even 1 user misses it)' : d.max_users_within_rt >= d.curve_users ? `at least ${int(d.curve_users)} users (the whole modelled range)` : `${int(d.max_users_within_rt)} users`}`,
  );
  out.push('  In-sample check (the model at each measured step):');
  const rows: string[][] = [['    users', 'req/s measured', 'predicted', 'mean ms measured', 'predicted', 'p95 ms measured', 'predicted']];
  for (const r of d.in_sample) rows.push([`    ${r.users}`, f1(r.measured_rps), f1(r.predicted_rps), ms1(r.measured_mean_ms), ms1(r.predicted_mean_ms), ms1(r.measured_p95_ms), ms1(r.predicted_p95_ms)]);
  out.push(table(rows, ['r', 'r', 'r', 'r', 'r', 'r', 'r']));
  return out;
}

export function whereItBreaksLines(m: CapacityModel): string[] {
  const d = m.demand;
  if (!d.ok) return [`  Cannot say: ${d.reason}`];
  const out = saturationRows(d.saturations);
  if (d.what_if) {
    const w = d.what_if;
    out.push('', `  What-if: API and PostgreSQL on ${w.cores} cores, the load generator elsewhere (a model estimate, not a measurement):`);
    for (const a of w.assumptions) out.push(`  Assumption: ${a}.`);
    out.push(...predictionTable(w.prediction, `X/R at ${m.config.target_users}:`));
    out.push(...saturationRows(w.saturations));
    out.push(`  Largest N with predicted mean ≤ ${m.config.rt_target_ms} ms on ${w.cores} cores: ${w.max_users_within_rt === null ? 'none' : `${int(w.max_users_within_rt)} users`}`);
  }
  return out;
}

export function answerLines(m: CapacityModel): string[] {
  const h = m.headline;
  return [`  ${h.answer}`, `  Headline model: ${h.model === 'none' ? 'none' : h.model === 'demand' ? 'demand model (Utilization Law + MVA)' : 'USL'} — ${h.reason}.`, ...h.notes.map((n) => `  Note: ${n}.`)];
}
