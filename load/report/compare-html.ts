// compare.html (`loadlab compare A B --html FILE`): both runs' charts overlaid, each on seconds since
// its own start — per operation the percentiles over time and the response-time distribution (share
// of requests per log bin), throughput, and the server's API CPU, database time per request and cache
// hit rate — above the comparison table with its intervals and verdicts. Self-contained (charts.ts).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ResourceSeries } from '../results/resource-sampler';
import { buildReportCharts, type ReportCharts } from './chart-data';
import { chartAssets, chartCall, embedJson } from './charts';
import type { CompareInput, Comparison } from './compare';
import { renderComparisonText, verdictLine } from './compare-format';
import { escapeHtml, PAGE_CSS } from './html-report';

function resourcesOf(dir: string): ResourceSeries | undefined {
  const f = path.join(dir, 'resources.json');
  if (!existsSync(f)) return undefined;
  const parsed = ResourceSeries.safeParse(JSON.parse(readFileSync(f, 'utf8')));
  return parsed.success ? parsed.data : undefined;
}

/** Two runs' series on one x: the union of both x values, each run's values where it has them. */
function overlay(xa: number[], ya: (number | null)[][], xb: number[], yb: (number | null)[][]): (number | null)[][] {
  const xs = [...new Set([...xa, ...xb])].sort((p, q) => p - q);
  const at = (x: number[], ys: (number | null)[][]) => {
    const idx = new Map(x.map((v, k) => [v, k]));
    return ys.map((y) => xs.map((v) => (idx.has(v) ? (y[idx.get(v)!] ?? null) : null)));
  };
  return [xs, ...at(xa, ya), ...at(xb, yb)];
}

const share = (counts: number[]) => {
  const n = counts.reduce((s, c) => s + c, 0);
  return counts.map((c) => (n ? (100 * c) / n : 0));
};

function opData(ca: ReportCharts, cb: ReportCharts, op: string) {
  const a = ca.ops.find((o) => o.op === op);
  const b = cb.ops.find((o) => o.op === op);
  const lat = overlay(ca.x, [a?.p50 ?? ca.x.map(() => null), a?.p95 ?? ca.x.map(() => null)], cb.x, [b?.p50 ?? cb.x.map(() => null), b?.p95 ?? cb.x.map(() => null)]);
  // Distribution bins sit on one global log grid, so the union of the edges lines them up.
  const dist = overlay(a?.dist.edges_ms ?? [], [share(a?.dist.counts ?? [])], b?.dist.edges_ms ?? [], [share(b?.dist.counts ?? [])]);
  // A bin one run has and the other not holds 0% of the other's requests, not a gap.
  const zeros = dist.map((ys, k) => (k === 0 ? ys : ys.map((v) => v ?? 0)));
  return { op, lat, dist: zeros };
}

export function renderCompareHtml(c: Comparison, A: CompareInput, B: CompareInput): string {
  const ca = buildReportCharts(A.slices, resourcesOf(A.dir));
  const cb = buildReportCharts(B.slices, resourcesOf(B.dir));
  const ops = c.operations.filter((o) => o.a && o.b).map((o) => opData(ca, cb, o.op));
  const A_ = { dash: [5, 4], width: 1.5 };
  const calls = [
    chartCall('cmp-rps', { title: 'throughput (requests/s)', yLabel: 'requests/s', series: [{ label: 'A requests/s', stroke: '#64748b', ...A_ }, { label: 'B requests/s', stroke: '#13795b' }] }, overlay(ca.x, [ca.requests], cb.x, [cb.requests])),
  ];
  if (ca.server && cb.server) {
    const sa = ca.server;
    const sb = cb.server;
    calls.push(
      chartCall('cmp-cpu', { title: 'API CPU (cores)', yLabel: 'cores', series: [{ label: 'A API CPU', stroke: '#64748b', ...A_ }, { label: 'B API CPU', stroke: '#7c3aed' }] }, overlay(sa.x, [sa.api_cpu_cores], sb.x, [sb.api_cpu_cores])),
      chartCall('cmp-db', { title: 'database time per request (ms) and cache hit rate (%)', yLabel: 'db ms/request', y2Label: 'cache hit %', series: [{ label: 'A db ms/request', stroke: '#64748b', ...A_ }, { label: 'A cache hit %', stroke: '#a3a3a3', scale: 'y2', ...A_ }, { label: 'B db ms/request', stroke: '#0891b2' }, { label: 'B cache hit %', stroke: '#4d7c0f', scale: 'y2' }] }, overlay(sa.x, [sa.db_ms_per_request, sa.cache_hit_pct], sb.x, [sb.db_ms_per_request, sb.cache_hit_pct])),
    );
  }
  const rows = c.operations
    .map((o) => `<tr class="${o.verdict === 'slower' ? 'fail' : o.verdict === 'faster' ? 'pass' : ''}"><td>${escapeHtml(o.op)}</td><td>${o.a ? o.a.n : '-'} / ${o.b ? o.b.n : '-'}</td>${(['p50', 'p95', 'p99'] as const).map((m) => (o.a && o.b && o.latency ? `<td>${o.a[m].toFixed(2)} → ${o.b[m].toFixed(2)}</td><td>${o.latency[m].delta.toFixed(2)} [${o.latency[m].lo.toFixed(2)}, ${o.latency[m].hi.toFixed(2)}]</td>` : '<td>-</td><td></td>')).join('')}<td>${escapeHtml(o.verdict)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>loadlab compare ${escapeHtml(c.a.run_id)} vs ${escapeHtml(c.b.run_id)}</title>
${chartAssets()}
<style>${PAGE_CSS}</style></head>
<body>
<h1>loadlab compare: <span class="${c.slower.length ? 'fail' : 'pass'}">${escapeHtml(verdictLine(c))}</span></h1>
<p>A (dashed grey): ${escapeHtml(c.a.run_id)} &middot; B (solid): ${escapeHtml(c.b.run_id)}. Each run on seconds since its own first measured second.</p>
${c.refusals.map((r) => `<p class="fail">NOT COMPARABLE: ${escapeHtml(r)}</p>`).join('')}${c.warnings.map((w) => `<p>warning: ${escapeHtml(w)}</p>`).join('')}
<table id="operations"><thead><tr><th>operation</th><th>requests A / B</th><th>p50 ms</th><th>Δp50 [CI]</th><th>p95 ms</th><th>Δp95 [CI]</th><th>p99 ms</th><th>Δp99 [CI]</th><th>verdict</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>Per operation</h2>
<p><label>operation <select id="cmp-op">${ops.map((o, k) => `<option value="${k}">${escapeHtml(o.op)}</option>`).join('')}</select></label></p>
<div id="cmp-latency" class="chart"></div><div id="cmp-dist" class="chart"></div>
<h2>Throughput and the server</h2>
<div id="cmp-rps" class="chart"></div>${ca.server && cb.server ? '<div id="cmp-cpu" class="chart"></div><div id="cmp-db" class="chart"></div>' : '<p>server series: not in both reports (resources.json)</p>'}
<h2>The comparison as text</h2><pre>${escapeHtml(renderComparisonText(c))}</pre>
<script>
(function () {
var ops = ${embedJson(ops)};
${calls.join('\n')}
var lat = ${chartCall('cmp-latency', { title: 'response time per second (ms): A dashed, B solid', yLabel: 'ms', series: [{ label: 'A p50', stroke: '#93c5fd', ...A_ }, { label: 'A p95', stroke: '#fcd34d', ...A_ }, { label: 'B p50', stroke: '#2563eb' }, { label: 'B p95', stroke: '#d97706' }] }, ops[0]?.lat ?? [[], [], [], [], []]).replace(/;$/, '')};
var dist = ${chartCall('cmp-dist', { title: 'response-time distribution (% of requests per log bin)', xLabel: 'ms (log)', yLabel: '% of requests', logX: true, series: [{ label: 'A', stroke: '#64748b', stepped: true, ...A_ }, { label: 'B', stroke: '#2563eb', fill: 'rgba(37,99,235,0.2)', stepped: true }] }, ops[0]?.dist ?? [[], [], []]).replace(/;$/, '')};
var sel = document.getElementById('cmp-op');
sel.addEventListener('change', function () { var o = ops[sel.selectedIndex]; lat.setData(o.lat); dist.setData(o.dist); });
})();
loadlabChartsDone();
</script>
</body></html>
`;
}
