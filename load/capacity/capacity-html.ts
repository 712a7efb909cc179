// The capacity chart for report.html: measured steps, the fitted USL curve and its bootstrap
// band out to the target users (throughput), and Little's-law response time against the measured
// means. renderCapacityHtmlSection() returns an HTML fragment that expects the uPlot global (the
// load report inlines uPlot once and can embed this section as an ExtraSection); renderCapacityHtmlPage()
// is the self-contained, offline page of a capacity run (uPlot's JS and CSS inlined).
import { embedJson as scriptJson, escapeHtml as esc, uplot } from '../report/html-report';
import { bandOf, curveGrid, littleResponseMs, uslThroughput, type UslParams } from './usl';
import { goodputOf, type CapacityModel } from './capacity-model';
import { stepValue } from './demand-fit';
import { demandSetFrom, loadAt, modelCurve, p95At, pointOnCurve, referenceStep, rhoAt, type DemandSet } from './demand-model';
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

export interface DemandChartData {
  n: number[];
  x: (number | null)[];
  xLo: (number | null)[];
  xHi: (number | null)[];
  mean: (number | null)[];
  meanLo: (number | null)[];
  meanHi: (number | null)[];
  p95: (number | null)[];
  p95Measured: (number | null)[];
  validationP95: (number | null)[];
  /** per resource: the model's utilisation (share of capacity) and the steps' measured one */
  util: { resource: string; bottleneck: boolean; model: (number | null)[]; measured: (number | null)[] }[];
}

/**
 * The demand model along users (its curve, the band from the demands at ±2 standard errors, p95),
 * and each resource's utilisation on the model beside what the steps measured. Null when there is
 * no demand model.
 */
export function demandChartData(m: CapacityModel, n: number[]): DemandChartData | null {
  if (!m.demand.ok) return null;
  const used = m.steps.filter((s) => !s.saturated && s.requests > 0);
  const sets = [demandSetFrom(used, {}, 0), demandSetFrom(used, {}, -2), demandSetFrom(used, {}, 2)];
  if (!sets[0]!.ok) return null;
  const thinkS = m.config.think_time_ms / 1000;
  const upTo = n.at(-1)!;
  const curves = sets.map((d) => (d.ok ? { d: d.demands, c: modelCurve(d.demands, upTo, thinkS) } : null));
  const ref = referenceStep(used.filter((s) => s.resources && s.throughput_rps > 0));
  const quantiles = ref.latency_quantiles_ms ?? [ref.latency_ms.med, ref.latency_ms.p95];
  const main = curves[0]!;
  const d: DemandSet = main.d;
  const at = (k: number, f: (c: NonNullable<(typeof curves)[number]>, i: number) => number) => n.map((i) => (curves[k] ? round(f(curves[k]!, i)) : null));
  const xs = (k: number) => at(k, (c, i) => c.c.x[i]!);
  const ms = (k: number) => at(k, (c, i) => c.c.r[i]! * 1000);
  // the band is the range of the three answers (the fit and both shifted fits), as in the prediction
  const lohi = (a: (number | null)[], b: (number | null)[], pick: 'min' | 'max', fit: (number | null)[]) =>
    a.map((v, i) => (v === null || b[i] === null || fit[i] === null ? null : Math[pick](v, b[i]!, fit[i]!)));
  const byUsers = new Map(m.steps.map((s) => [s.users, s]));
  const first = m.demand.saturations[0]?.resource;
  const util: DemandChartData['util'] = [
    {
      resource: d.cpu.what,
      bottleneck: first === d.cpu.what,
      model: n.map((i) => round(Math.min(1, rhoAt(d, main.c.x[i]!)))),
      measured: n.map((i) => {
        const s = byUsers.get(i);
        const v = s ? stepValue(s, 'machine_cpu') : undefined;
        return v === undefined ? null : round(v / d.cpu.cores);
      }),
    },
  ];
  if (d.eventLoop) {
    const el = d.eventLoop;
    util.push({
      resource: "the API's event loop",
      bottleneck: first === "the API's event loop",
      model: n.map((i) => round(Math.min(1, (el.baseline + loadAt(d, 'eventLoop', main.c.x[i]!)) / el.loops))),
      measured: n.map((i) => {
        const s = byUsers.get(i);
        const v = s ? stepValue(s, 'event_loop') : undefined;
        return v === undefined ? null : round(v / el.loops);
      }),
    });
  }
  if (d.pool) {
    const pool = d.pool;
    util.push({
      resource: 'the database pool',
      bottleneck: first === 'the database pool',
      model: n.map((i) => round(Math.min(1, (pool.baseline + loadAt(d, 'pool', main.c.x[i]!)) / pool.size))),
      measured: n.map((i) => {
        const s = byUsers.get(i);
        const v = s ? stepValue(s, 'pool') : undefined;
        return v === undefined ? null : round(v / pool.size);
      }),
    });
  }
  // the validation run's measured utilisation on the same axes
  if (m.validation?.step.resources) {
    const v = m.validation.step;
    const idx = n.indexOf(v.users);
    const vals = [stepValue(v, 'machine_cpu'), d.eventLoop ? stepValue(v, 'event_loop') : undefined, d.pool ? stepValue(v, 'pool') : undefined];
    const caps = [d.cpu.cores, d.eventLoop?.loops ?? 1, d.pool?.size ?? 1];
    util.forEach((u, k) => {
      const val = vals[k];
      if (idx >= 0 && val !== undefined) u.measured[idx] = round(val / caps[k]!);
    });
  }
  const p95 = n.map((i) => round(p95At(quantiles, pointOnCurve(d, main.c, i))));
  const [x0, x1, x2] = [xs(0), xs(1), xs(2)];
  const [m0, m1, m2] = [ms(0), ms(1), ms(2)];
  return {
    n,
    x: x0,
    xLo: lohi(x1, x2, 'min', x0),
    xHi: lohi(x1, x2, 'max', x0),
    mean: m0,
    meanLo: lohi(m1, m2, 'min', m0),
    meanHi: lohi(m1, m2, 'max', m0),
    p95,
    p95Measured: n.map((i) => (byUsers.has(i) ? round(byUsers.get(i)!.latency_ms.p95) : null)),
    validationP95: n.map((i) => (m.validation && m.validation.users === i ? round(m.validation.step.latency_ms.p95) : null)),
    util,
  };
}

/**
 * HTML fragment: two chart containers and the script that draws them with the uPlot global.
 * `heading: false` leaves out the <h2> (for a page that titles its sections itself).
 */
export function renderCapacityHtmlSection(m: CapacityModel, idPrefix = 'capacity', o: { heading?: boolean } = {}): string {
  const d = capacityChartData(m);
  const dm = demandChartData(m, d.n);
  const empty = d.n.map(() => null);
  const dd = dm ?? { x: empty, xLo: empty, xHi: empty, mean: empty, meanLo: empty, meanHi: empty, p95: empty, p95Measured: empty, validationP95: empty, util: [] };
  const sat = m.demand.ok ? m.demand.saturations[0] : undefined;
  const caption = [
    m.demand.ok ? `Demand model (headline: ${m.headline.model}): ${m.headline.answer}` : `No demand model: ${m.demand.reason}`,
    m.fit.ok ? `USL fit: λ=${m.fit.lambda.toPrecision(4)}, σ=${m.fit.sigma.toPrecision(3)}, κ=${m.fit.kappa.toPrecision(3)}, R²=${m.fit.r2.toFixed(3)}` : `No fit: ${m.fit.reason}`,
  ];
  const palette = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd'];
  const utilSeries = dd.util.flatMap((u, k) => [
    { label: `${u.resource}${u.bottleneck ? ` — BOTTLENECK${sat ? ` (100% at ~${Math.round(sat.users100).toLocaleString('en-US')} users)` : ''}` : ''} (model)`, stroke: palette[k % palette.length], width: u.bottleneck ? 3 : 1.5 },
    { label: `${u.resource} (measured)`, stroke: palette[k % palette.length], fill: palette[k % palette.length], dots: true },
  ]);
  const utilData = dd.util.flatMap((u) => [u.model.map((v) => (v === null ? null : 100 * v)), u.measured.map((v) => (v === null ? null : 100 * v))]);
  return `<section class="capacity" id="${esc(idPrefix)}">
${o.heading === false ? '' : `<h2>Capacity to ${m.config.target_users} users</h2>\n`}${caption.map((c) => `<p class="caption">${esc(c)}</p>`).join('\n')}
<div id="${esc(idPrefix)}-throughput"></div>
<div id="${esc(idPrefix)}-response"></div>
<div id="${esc(idPrefix)}-utilisation"></div>
<script>
(function () {
  var d = ${scriptJson(d)};
  var dm = ${scriptJson(dd)};
  var us = ${scriptJson(utilSeries)};
  var ud = ${scriptJson(utilData)};
  var w = Math.min(960, (document.body.clientWidth || 960) - 40);
  var dots = function (stroke, fill, size) { return { stroke: stroke, fill: fill, paths: function () { return null; }, points: { show: true, size: size, stroke: stroke, fill: fill } }; };
  var charts = [];
  charts.push(new uPlot({
    title: 'Throughput vs users (measured steps, demand model with its band, USL fit)',
    width: w, height: 360,
    scales: { x: { time: false } },
    axes: [{ label: 'concurrent users' }, { label: 'requests/s', size: 70 }],
    series: [
      { label: 'users' },
      { label: 'demand model (MVA)', stroke: '#ff7f0e', width: 2.5 },
      { label: 'demand band low', stroke: 'rgba(255,127,14,0.4)', dash: [4, 4] },
      { label: 'demand band high', stroke: 'rgba(255,127,14,0.4)', dash: [4, 4] },
      { label: 'USL fit', stroke: '#1f77b4', width: 1.5, dash: [8, 4] },
      Object.assign({ label: 'measured' }, dots('#d62728', '#d62728', 9)),
      Object.assign({ label: 'left out (generator saturated)' }, dots('#999', '#fff', 9)),
      Object.assign({ label: 'validation run' }, dots('#2ca02c', '#2ca02c', 11)),
      Object.assign({ label: 'measured, successful only' }, dots('#9467bd', '#fff', 8))
    ],
    bands: [{ series: [3, 2], fill: 'rgba(255,127,14,0.15)' }]
  }, [d.n, dm.x, dm.xLo, dm.xHi, d.fitted, d.measured, d.excluded, d.validation, d.goodputMeasured], document.getElementById(${scriptJson(`${idPrefix}-throughput`)})));
  charts.push(new uPlot({
    title: 'Response time vs users (demand model mean with its band and p95; measured mean and p95)',
    width: w, height: 320,
    scales: { x: { time: false }, y: { distr: 3 } },
    axes: [{ label: 'concurrent users' }, { label: 'ms (log)', size: 70 }],
    series: [
      { label: 'users' },
      { label: 'model mean', stroke: '#ff7f0e', width: 2.5 },
      { label: 'model mean band low', stroke: 'rgba(255,127,14,0.4)', dash: [4, 4] },
      { label: 'model mean band high', stroke: 'rgba(255,127,14,0.4)', dash: [4, 4] },
      { label: 'model p95', stroke: '#8c564b', width: 1.5, dash: [8, 4] },
      Object.assign({ label: 'measured mean' }, dots('#d62728', '#d62728', 9)),
      Object.assign({ label: 'measured p95' }, dots('#8c564b', '#fff', 8)),
      Object.assign({ label: 'validation mean' }, dots('#2ca02c', '#2ca02c', 11)),
      Object.assign({ label: 'validation p95' }, dots('#2ca02c', '#fff', 10))
    ],
    bands: [{ series: [3, 2], fill: 'rgba(255,127,14,0.15)' }]
  }, [d.n, dm.mean, dm.meanLo, dm.meanHi, dm.p95, d.rtMeasured, dm.p95Measured, d.rtValidation, dm.validationP95], document.getElementById(${scriptJson(`${idPrefix}-response`)})));
  if (us.length) {
    charts.push(new uPlot({
      title: 'Utilisation of each resource vs users (model lines, measured dots; the bottleneck is the thick line)',
      width: w, height: 320,
      scales: { x: { time: false }, y: { range: [0, 100] } },
      axes: [{ label: 'concurrent users' }, { label: '% of capacity', size: 70 }],
      series: [{ label: 'users' }].concat(us.map(function (s) { return s.dots ? Object.assign({ label: s.label }, dots(s.stroke, s.fill, 9)) : { label: s.label, stroke: s.stroke, width: s.width }; }))
    }, [d.n].concat(ud), document.getElementById(${scriptJson(`${idPrefix}-utilisation`)})));
  }
  // For the headless check: how many charts hold at least one plotted value.
  var withData = charts.filter(function (c) { return c.data.slice(1).some(function (col) { return col.some(function (v) { return v !== null && isFinite(v); }); }); }).length;
  document.body.dataset.chartsWithData = String((Number(document.body.dataset.chartsWithData) || 0) + withData);
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
