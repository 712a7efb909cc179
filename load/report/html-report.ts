// report.html: one self-contained file (uPlot inlined through charts.ts, data embedded) that opens
// offline. With the run's chart data (chart-data.ts): latency percentiles over time and the
// response-time distribution per operation (a selector), active users and throughput, failures by
// status, and the server's series on the same time axis; then the tables and the text report.
import type { ReportCharts } from './chart-data';
import { chartAssets, chartCall, embedJson, type ChartOptions } from './charts';
import type { RunSummary } from './summary';
import { faultLines, interruptedLines } from './text-report';

export { embedJson, uplot } from './charts';

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface ExtraSection {
  title: string;
  html: string;
}

/** Charts from the summary's own timeline, for a summary without its result files. */
export function chartsFromTimeline(s: RunSummary): ReportCharts {
  const t0 = s.timeline[0]?.t ?? 0;
  return {
    t0_ms: t0 * 1000,
    x: s.timeline.map((p) => p.t - t0),
    ops: [{ op: 'all operations', requests: s.totals.requests, p50: s.timeline.map((p) => (p.requests ? p.p50 : null)), p95: s.timeline.map((p) => (p.requests ? p.p95 : null)), p99: s.timeline.map((p) => (p.requests ? p.p99 : null)), dist: { edges_ms: [], counts: [] } }],
    users: s.timeline.map(() => null),
    requests: s.timeline.map((p) => p.requests),
    failed_by_status: s.timeline.some((p) => p.errors) ? [{ status: 'any', counts: s.timeline.map((p) => p.errors) }] : [],
    server: null,
    server_missing_reason: 'this report was written without its result files and resource series',
  };
}

const COLORS = ['#b42318', '#d97706', '#7c3aed', '#0891b2', '#4d7c0f', '#be185d', '#334155'];

/** The page-side script drawing a run's charts; ids as in `chartsHtml`. */
function chartsScript(c: ReportCharts, prefix: string): string {
  const spanS = Math.max(c.x.at(-1) ?? 0, c.server?.x.at(-1) ?? 0, 1);
  const xRange: [number, number] = [Math.min(0, c.server?.x[0] ?? 0), spanS];
  const sync = `${prefix}-time`;
  const timeChart = (o: Omit<ChartOptions, 'xRange' | 'sync'>): ChartOptions => ({ ...o, xRange, sync });
  const calls: string[] = [];
  const hasUsers = c.users.some((u) => u !== null);
  calls.push(
    chartCall(
      `${prefix}-users`,
      timeChart({
        title: hasUsers ? 'active users (k6 VUs) and throughput' : 'throughput',
        yLabel: 'requests/s',
        ...(hasUsers ? { y2Label: 'users' } : {}),
        series: [{ label: 'requests/s', stroke: '#13795b' }, ...(hasUsers ? [{ label: 'active users', stroke: '#2563eb', scale: 'y2' as const }] : [])],
      }),
      hasUsers ? [c.x, c.requests, c.users] : [c.x, c.requests],
    ),
  );
  const errs = c.failed_by_status.length ? c.failed_by_status : [{ status: 'none', counts: c.x.map(() => 0) }];
  calls.push(
    chartCall(
      `${prefix}-errors`,
      timeChart({ title: 'failed requests per second by status', yLabel: 'failed/s', series: errs.map((e, k) => ({ label: e.status === 'none' ? 'no failures' : `status ${e.status}`, stroke: COLORS[k % COLORS.length] })) }),
      [c.x, ...errs.map((e) => e.counts)],
    ),
  );
  if (c.server) {
    const s = c.server;
    calls.push(
      chartCall(
        `${prefix}-cpu`,
        timeChart({ title: 'API CPU and event-loop delay', yLabel: 'cores', y2Label: 'delay ms', series: [{ label: 'API CPU (cores)', stroke: '#7c3aed' }, { label: 'event-loop delay mean ms', stroke: '#d97706', scale: 'y2' }, { label: 'event-loop delay max ms', stroke: '#b42318', scale: 'y2', dash: [4, 3] }] }),
        [s.x, s.api_cpu_cores, s.loop_delay_mean_ms, s.loop_delay_max_ms],
      ),
      chartCall(
        `${prefix}-pool`,
        timeChart({ title: 'database pool: connections in use, requests waiting, size', yLabel: 'connections', series: [{ label: 'in use', stroke: '#2563eb' }, { label: 'waiting', stroke: '#b42318' }, { label: 'pool max', stroke: '#94a3b8', dash: [4, 3] }] }),
        [s.x, s.pool_busy, s.pool_waiting, s.pool_max],
      ),
      chartCall(
        `${prefix}-db`,
        timeChart({ title: 'database time per request and cache hit rate', yLabel: 'db ms/request', y2Label: 'cache hit %', series: [{ label: 'db ms per request', stroke: '#0891b2' }, { label: 'cache hit %', stroke: '#4d7c0f', scale: 'y2' }] }),
        [s.x, s.db_ms_per_request, s.cache_hit_pct],
      ),
    );
  }
  const ops = c.ops.map((o) => ({ op: o.op, lat: [c.x, o.p50, o.p95, o.p99], dist: [o.dist.edges_ms, o.dist.counts] }));
  const hasDist = c.ops.some((o) => o.dist.counts.length);
  return `(function () {
var ops = ${embedJson(ops)};
var lat = ${chartCall(`${prefix}-latency`, timeChart({ title: 'response time percentiles per second (ms, failures included)', yLabel: 'ms', series: [{ label: 'p50', stroke: '#2563eb' }, { label: 'p95', stroke: '#d97706' }, { label: 'p99', stroke: '#b42318' }] }), ops[0]!.lat).replace(/;$/, '')};
${hasDist ? `var dist = ${chartCall(`${prefix}-dist`, { title: 'response-time distribution (requests per bin, log axis)', xLabel: 'ms (log)', yLabel: 'requests', logX: true, series: [{ label: 'requests', stroke: '#2563eb', fill: 'rgba(37,99,235,0.25)', stepped: true }] }, ops[0]!.dist).replace(/;$/, '')};` : 'var dist = null;'}
${calls.join('\n')}
var sel = document.getElementById(${embedJson(`${prefix}-op`)});
sel.addEventListener('change', function () {
  var o = ops[sel.selectedIndex];
  lat.setData(o.lat);
  if (dist && o.dist[0].length) dist.setData(o.dist);
});
})();`;
}

/** The chart containers (and the operation selector) for a run's charts. */
function chartsHtml(c: ReportCharts, prefix: string): string {
  const options = c.ops.map((o, k) => `<option value="${k}">${escapeHtml(o.op)} (${o.requests} requests)</option>`).join('');
  const hasDist = c.ops.some((o) => o.dist.counts.length);
  const server = c.server
    ? `<h2>The server on the same time axis</h2>
<p>From resources.json (one sample per second of the server's /metrics and the API's process tree); a latency spike above lines up with its cause here.</p>
<div id="${prefix}-cpu" class="chart"></div><div id="${prefix}-pool" class="chart"></div><div id="${prefix}-db" class="chart"></div>`
    : `<h2>The server on the same time axis</h2><p>not charted: ${escapeHtml(c.server_missing_reason ?? 'no resource samples')}</p>`;
  return `<h2>Response times per operation</h2>
<p><label>operation <select id="${prefix}-op">${options}</select></label></p>
<div id="${prefix}-latency" class="chart"></div>
${hasDist ? `<div id="${prefix}-dist" class="chart"></div>` : '<p>response-time distribution: not in this report (written without its result files)</p>'}
<h2>Users, throughput and failures over time</h2>
<div id="${prefix}-users" class="chart"></div><div id="${prefix}-errors" class="chart"></div>
${server}`;
}

export function renderHtmlReport(s: RunSummary, textReport: string, extra: ExtraSection[] = [], charts: ReportCharts = chartsFromTimeline(s)): string {
  const opRows = s.operations
    .map(
      (o) =>
        `<tr><td>${escapeHtml(o.op)}</td><td>${o.count}</td><td>${o.errors}</td><td>${o.latency_ms.avg.toFixed(2)}</td><td>${o.latency_ms.med.toFixed(2)}</td><td>${o.latency_ms.p95.toFixed(2)}</td><td>${o.latency_ms.p99.toFixed(2)}</td><td>${escapeHtml(o.names.join(', '))}</td></tr>`,
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
  const verdict = s.interrupted ? '<span class="fail">INTERRUPTED</span>' : s.assessment.passed ? '<span class="pass">all thresholds passed</span>' : '<span class="fail">thresholds failed</span>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>loadlab ${escapeHtml(s.kind)} report ${escapeHtml(s.run_id)}</title>
${chartAssets()}
<style>${PAGE_CSS}</style></head>
<body>
${s.interrupted ? `<p id="interrupted" class="fail">${interruptedLines(s).filter(Boolean).map((l) => escapeHtml(l.trim())).join('<br>')}</p>` : ''}
<h1>loadlab ${escapeHtml(s.kind)} report <small>${escapeHtml(s.run_id)}</small></h1>
${s.faults ? `<pre id="faults" class="fail">${escapeHtml(faultLines(s).join('\n'))}</pre>` : ''}
<p>${verdict} &middot; ${s.config.users} users &middot; pattern ${escapeHtml(s.config.pattern)} &middot; k6 ${escapeHtml(s.k6.version)} &middot; ${escapeHtml(s.started_at)}</p>
<div class="kpis">
<div class="kpi">requests<b>${s.totals.requests}</b></div>
<div class="kpi">failed<b>${s.totals.failed_pct.toFixed(2)}%</b></div>
<div class="kpi">throughput<b>${s.totals.throughput_rps.toFixed(1)} ops/s</b></div>
<div class="kpi">p95<b>${s.latency_ms.p95.toFixed(1)} ms</b></div>
<div class="kpi">p99<b>${s.latency_ms.p99.toFixed(1)} ms</b></div>
<div class="kpi">writes lost<b>${s.data_safety.lost} / ${s.data_safety.acknowledged}</b></div>
${s.data_safety.unverified ? `<div class="kpi">writes unverified<b>${s.data_safety.unverified} / ${s.data_safety.acknowledged}</b></div>` : ''}
</div>
<p>x = seconds since the first measured second (${escapeHtml(new Date(charts.t0_ms).toISOString())}); every time chart shares it, and the cursor moves on all of them together.</p>
${chartsHtml(charts, 'run')}
<h2>Operations</h2>
<table id="operations"><thead><tr><th>operation</th><th>count</th><th>errors</th><th>avg ms</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>route</th></tr></thead>
<tbody>${opRows}</tbody></table>
${instanceTable}
${extra.map((e) => `<h2>${escapeHtml(e.title)}</h2>\n${e.html}`).join('\n')}
<h2>Full text report</h2><pre>${escapeHtml(textReport)}</pre>
<script>
${chartsScript(charts, 'run')}
loadlabChartsDone();
</script>
</body></html>
`;
}

export const PAGE_CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}
td:first-child,th:first-child,td:last-child,th:last-child{text-align:left}
.pass{color:#13795b;font-weight:600}.fail{color:#b42318;font-weight:600}
.kpis{display:flex;gap:24px;flex-wrap:wrap}.kpi{background:#f6f7f9;padding:8px 14px;border-radius:6px}
.kpi b{display:block;font-size:18px}pre{background:#f6f7f9;padding:12px;overflow:auto;font-size:12px}`;

export { chartsHtml, chartsScript };
