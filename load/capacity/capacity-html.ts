// The capacity chart for report.html: measured steps, the fitted USL curve and its bootstrap
// band out to the target users (throughput), and Little's-law response time against the measured
// means. renderCapacityHtmlSection() returns an HTML fragment that expects the uPlot global (the
// load report inlines uPlot once and can embed this section as an ExtraSection); renderCapacityHtmlPage()
// is the self-contained, offline page of a capacity run (uPlot's JS and CSS inlined).
import { embedJson as scriptJson, escapeHtml as esc, uplot } from '../report/html-report';
import { bandOf, curveGrid, littleResponseMs, uslThroughput, type UslParams } from './usl';
import { goodputOf, type CapacityModel } from './capacity-model';
import { renderCapacityReport, capacityInterruptedLines } from './capacity-text-report';

const round = (v: number | null) => (v === null || !Number.isFinite(v) ? null : Math.round(v * 1000) / 1000);

export interface CapacityChartData {
  /** x: users */
  n: number[];
  fitted: (number | null)[];
  lo: (number | null)[];
  hi: (number | null)[];
  measured: (number | null)[];
  excluded: (number | null)[];
  validation: (number | null)[];
  goodputFitted: (number | null)[];
  goodputMeasured: (number | null)[];
  validationGoodput: (number | null)[];
  rtPredicted: (number | null)[];
  rtMeasured: (number | null)[];
  rtValidation: (number | null)[];
}

/** Column data for both charts (uPlot's aligned arrays: one x column, one column per series). */
export function capacityChartData(m: CapacityModel): CapacityChartData {
  const maxStep = Math.max(1, ...m.steps.map((s) => s.users));
  const upTo = Math.max(m.config.target_users, maxStep, m.validation?.users ?? 0);
  const xs = new Set<number>(curveGrid(upTo, 160));
  for (const s of m.steps) xs.add(s.users);
  if (m.validation) xs.add(m.validation.users);
  const n = [...xs].sort((a, b) => a - b);
  const fit: UslParams | null = m.fit.ok ? { lambda: m.fit.lambda, sigma: m.fit.sigma, kappa: m.fit.kappa } : null;
  const band = m.band ? { params: m.band.params.map(([lambda, sigma, kappa]) => ({ lambda, sigma, kappa })), lower_pct: m.band.lower_pct, upper_pct: m.band.upper_pct } : null;
  const goodFit: UslParams | null = m.goodput?.fit.ok ? m.goodput.fit : null;
  const excluded = new Set(m.excluded.map((e) => e.users));
  const byUsers = new Map(m.steps.map((s) => [s.users, s]));
  const z = m.config.think_time_ms;
  const positive = (v: number) => (v > 0 ? v : null);
  return {
    n,
    fitted: n.map((x) => (fit ? round(uslThroughput(fit, x)) : null)),
    lo: n.map((x) => (band ? round(bandOf(band, (p) => uslThroughput(p, x))[0]) : null)),
    hi: n.map((x) => (band ? round(bandOf(band, (p) => uslThroughput(p, x))[1]) : null)),
    measured: n.map((x) => (byUsers.has(x) && !excluded.has(x) ? round(byUsers.get(x)!.throughput_rps) : null)),
    excluded: n.map((x) => (excluded.has(x) ? round(byUsers.get(x)!.throughput_rps) : null)),
    validation: n.map((x) => (m.validation && m.validation.users === x ? round(m.validation.step.throughput_rps) : null)),
    goodputFitted: n.map((x) => (goodFit ? round(uslThroughput(goodFit, x)) : null)),
    // Only where some requests failed (elsewhere successful = all, and the dot would hide the red one).
    goodputMeasured: n.map((x) => (goodFit && byUsers.has(x) && !excluded.has(x) && byUsers.get(x)!.errors > 0 ? round(goodputOf(byUsers.get(x)!)) : null)),
    validationGoodput: n.map((x) => (goodFit && m.validation && m.validation.users === x ? round(goodputOf(m.validation.step)) : null)),
    rtPredicted: n.map((x) => (fit ? round(positive(littleResponseMs(fit, x, z)) ?? Number.NaN) : null)),
    rtMeasured: n.map((x) => (byUsers.has(x) ? round(positive(byUsers.get(x)!.latency_ms.avg) ?? Number.NaN) : null)),
    rtValidation: n.map((x) => (m.validation && m.validation.users === x ? round(positive(m.validation.step.latency_ms.avg) ?? Number.NaN) : null)),
  };
}

/**
 * HTML fragment: two chart containers and the script that draws them with the uPlot global.
 * `heading: false` leaves out the <h2> (for a page that titles its sections itself).
 */
export function renderCapacityHtmlSection(m: CapacityModel, idPrefix = 'capacity', o: { heading?: boolean } = {}): string {
  const d = capacityChartData(m);
  const caption = m.fit.ok
    ? `USL fit: λ=${m.fit.lambda.toPrecision(4)}, σ=${m.fit.sigma.toPrecision(3)}, κ=${m.fit.kappa.toPrecision(3)}, R²=${m.fit.r2.toFixed(3)}` +
      (m.prediction ? ` — predicted at ${m.prediction.target_users} users: ${m.prediction.throughput_rps.toFixed(1)} req/s, mean response ${m.prediction.response_ms.toFixed(1)} ms` : '')
    : `No fit: ${m.fit.reason}`;
  return `<section class="capacity" id="${esc(idPrefix)}">
${o.heading === false ? '' : `<h2>Capacity to ${m.config.target_users} users</h2>\n`}<p class="caption">${esc(caption)}</p>
<div id="${esc(idPrefix)}-throughput"></div>
<div id="${esc(idPrefix)}-response"></div>
<script>
(function () {
  var d = ${scriptJson(d)};
  var w = Math.min(960, (document.body.clientWidth || 960) - 40);
  var dots = function (stroke, fill, size) { return { stroke: stroke, fill: fill, paths: function () { return null; }, points: { show: true, size: size, stroke: stroke, fill: fill } }; };
  new uPlot({
    title: 'Throughput vs users (measured steps, USL fit, ${m.band ? `${m.band.lower_pct}–${m.band.upper_pct}% bootstrap band` : 'no band'})',
    width: w, height: 360,
    scales: { x: { time: false } },
    axes: [{ label: 'concurrent users' }, { label: 'requests/s', size: 70 }],
    series: [
      { label: 'users' },
      { label: 'USL fit', stroke: '#1f77b4', width: 2 },
      { label: 'band low', stroke: 'rgba(31,119,180,0.35)', dash: [4, 4] },
      { label: 'band high', stroke: 'rgba(31,119,180,0.35)', dash: [4, 4] },
      Object.assign({ label: 'measured' }, dots('#d62728', '#d62728', 9)),
      Object.assign({ label: 'left out (generator saturated)' }, dots('#999', '#fff', 9)),
      Object.assign({ label: 'validation run' }, dots('#2ca02c', '#2ca02c', 11)),
      { label: 'USL fit, successful only', stroke: '#9467bd', width: 1.5, dash: [8, 4], show: d.goodputFitted.some(function (v) { return v !== null; }) },
      Object.assign({ label: 'measured, successful only' }, dots('#9467bd', '#fff', 8)),
      Object.assign({ label: 'validation, successful only' }, dots('#2ca02c', '#fff', 10))
    ],
    bands: [{ series: [3, 2], fill: 'rgba(31,119,180,0.15)' }]
  }, [d.n, d.fitted, d.lo, d.hi, d.measured, d.excluded, d.validation, d.goodputFitted, d.goodputMeasured, d.validationGoodput], document.getElementById(${scriptJson(`${idPrefix}-throughput`)}));
  new uPlot({
    title: "Mean response time vs users (Little's law R = N/X − Z, measured means)",
    width: w, height: 300,
    scales: { x: { time: false }, y: { distr: 3 } },
    axes: [{ label: 'concurrent users' }, { label: 'ms (log)', size: 70 }],
    series: [
      { label: 'users' },
      { label: 'predicted R(N)', stroke: '#ff7f0e', width: 2 },
      Object.assign({ label: 'measured mean' }, dots('#d62728', '#d62728', 9)),
      Object.assign({ label: 'validation run' }, dots('#2ca02c', '#2ca02c', 11))
    ]
  }, [d.n, d.rtPredicted, d.rtMeasured, d.rtValidation], document.getElementById(${scriptJson(`${idPrefix}-response`)}));
})();
</script>
</section>`;
}

export function renderCapacityHtmlPage(m: CapacityModel): string {
  const { js, css } = uplot();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>loadlab capacity ${esc(m.run_id)}</title>
<style>${css}</style>
<style>
body { font-family: system-ui, sans-serif; margin: 20px; color: #222; }
pre { background: #f6f6f6; padding: 12px; overflow-x: auto; font-size: 12px; }
.caption { color: #555; }
</style>
<script>${js.replace(/<\/script/gi, '<\\/script')}</script>
</head>
<body>
${m.interruption ? `<p id="interrupted" style="color:#b42318;font-weight:600">${capacityInterruptedLines(m.interruption).filter(Boolean).map((l) => esc(l.trim())).join('<br>')}</p>` : ''}
<h1>loadlab capacity report — ${esc(m.run_id)}</h1>
${renderCapacityHtmlSection(m)}
<h2>Report</h2>
<pre>${esc(renderCapacityReport(m))}</pre>
<script>document.body.dataset.chartsRendered = String(document.querySelectorAll('.uplot').length);</script>
</body>
</html>
`;
}
