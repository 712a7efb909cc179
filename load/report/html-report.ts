// report.html: one self-contained file (uPlot and its CSS inlined, data embedded) that opens
// offline: latency percentiles and throughput over time, the per-operation table, and the other
// sections of the text report.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { RunSummary } from './summary';

const require = createRequire(import.meta.url);
const UPLOT_DIR = path.dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
let uplotAssets: { js: string; css: string } | undefined;

export function uplot(): { js: string; css: string } {
  uplotAssets ??= {
    js: readFileSync(path.join(UPLOT_DIR, 'uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(path.join(UPLOT_DIR, 'uPlot.min.css'), 'utf8'),
  };
  return uplotAssets;
}

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** JSON safe to embed in a <script> element. */
export const embedJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

export interface ExtraSection {
  title: string;
  html: string;
}

export function renderHtmlReport(s: RunSummary, textReport: string, extra: ExtraSection[] = []): string {
  const { js, css } = uplot();
  const t0 = s.timeline[0]?.t ?? 0;
  const chartData = {
    x: s.timeline.map((p) => p.t - t0),
    p50: s.timeline.map((p) => p.p50),
    p95: s.timeline.map((p) => p.p95),
    p99: s.timeline.map((p) => p.p99),
    rps: s.timeline.map((p) => p.requests),
    errors: s.timeline.map((p) => p.errors),
  };
  const opRows = s.operations
    .map(
      (o) =>
        `<tr><td>${escapeHtml(o.op)}</td><td>${o.count}</td><td>${o.errors}</td><td>${o.latency_ms.avg.toFixed(2)}</td><td>${o.latency_ms.p95.toFixed(2)}</td><td>${o.latency_ms.p99.toFixed(2)}</td><td>${escapeHtml(o.names.join(', '))}</td></tr>`,
    )
    .join('\n');
  const inst = s.instances;
  const instanceTable = inst
    ? `<h2>k6 instances (${inst.count}, start skew ${inst.start_skew_ms === null ? 'n/a' : `${inst.start_skew_ms.toFixed(0)} ms`})</h2>
${inst.complete ? '' : `<p class="fail">INCOMPLETE: ${inst.problems.map(escapeHtml).join('<br>')}</p>`}
<table id="instances"><thead><tr><th>instance</th><th>segment</th><th>requests</th><th>failed</th><th>k6 CPU avg</th><th>RSS MB</th><th>saturated</th></tr></thead><tbody>
${inst.list.map((i) => `<tr><td>${i.index}</td><td>${escapeHtml(i.segment)}</td><td>${i.requests}</td><td>${i.failed}</td><td>${i.k6_cpu_avg_cores === null ? 'n/a' : i.k6_cpu_avg_cores.toFixed(2)}</td><td>${i.k6_rss_peak_mb === null ? 'n/a' : i.k6_rss_peak_mb.toFixed(1)}</td><td>${i.saturated ? `<span class="fail">${escapeHtml(i.saturation_reasons.join('; '))}</span>` : ''}</td></tr>`).join('\n')}
</tbody></table>`
    : '';
  const verdict = s.assessment.passed ? '<span class="pass">all thresholds passed</span>' : '<span class="fail">thresholds failed</span>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>loadlab ${escapeHtml(s.kind)} report ${escapeHtml(s.run_id)}</title>
<style>${css}
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}
td:first-child,th:first-child,td:last-child,th:last-child{text-align:left}
.pass{color:#13795b;font-weight:600}.fail{color:#b42318;font-weight:600}
.kpis{display:flex;gap:24px;flex-wrap:wrap}.kpi{background:#f6f7f9;padding:8px 14px;border-radius:6px}
.kpi b{display:block;font-size:18px}pre{background:#f6f7f9;padding:12px;overflow:auto;font-size:12px}
.chart{margin:8px 0 18px}</style></head>
<body>
<h1>loadlab ${escapeHtml(s.kind)} report <small>${escapeHtml(s.run_id)}</small></h1>
<p>${verdict} &middot; ${s.config.users} users &middot; pattern ${escapeHtml(s.config.pattern)} &middot; k6 ${escapeHtml(s.k6.version)} &middot; ${escapeHtml(s.started_at)}</p>
<div class="kpis">
<div class="kpi">requests<b>${s.totals.requests}</b></div>
<div class="kpi">failed<b>${s.totals.failed_pct.toFixed(2)}%</b></div>
<div class="kpi">throughput<b>${s.totals.throughput_rps.toFixed(1)} ops/s</b></div>
<div class="kpi">p95<b>${s.latency_ms.p95.toFixed(1)} ms</b></div>
<div class="kpi">p99<b>${s.latency_ms.p99.toFixed(1)} ms</b></div>
<div class="kpi">writes lost<b>${s.data_safety.lost} / ${s.data_safety.acknowledged}</b></div>
</div>
<h2>Response time percentiles over time (ms, per second, failures included)</h2><div id="latency" class="chart"></div>
<h2>Throughput and errors over time (requests per second)</h2><div id="throughput" class="chart"></div>
<h2>Operations</h2>
<table id="operations"><thead><tr><th>operation</th><th>count</th><th>errors</th><th>avg ms</th><th>p95 ms</th><th>p99 ms</th><th>route</th></tr></thead>
<tbody>${opRows}</tbody></table>
${instanceTable}
${extra.map((e) => `<h2>${escapeHtml(e.title)}</h2>\n${e.html}`).join('\n')}
<h2>Full text report</h2><pre>${escapeHtml(textReport)}</pre>
<script>${js}</script>
<script>
const d = ${embedJson(chartData)};
const width = Math.min(1050, document.body.clientWidth - 10);
window.loadlabCharts = [];
function chart(id, title, series, data) {
  const u = new uPlot({ title, width, height: 260, scales: { x: { time: false } },
    axes: [{ label: 'seconds since start' }, {}], series: [{ label: 's' }, ...series] }, data, document.getElementById(id));
  window.loadlabCharts.push(u);
}
chart('latency', 'latency percentiles', [
  { label: 'p50', stroke: '#2563eb' }, { label: 'p95', stroke: '#d97706' }, { label: 'p99', stroke: '#b42318' }],
  [d.x, d.p50, d.p95, d.p99]);
chart('throughput', 'requests per second', [
  { label: 'requests/s', stroke: '#13795b' }, { label: 'errors/s', stroke: '#b42318' }],
  [d.x, d.rps, d.errors]);
document.body.dataset.chartsRendered = String(window.loadlabCharts.length);
</script>
</body></html>
`;
}
