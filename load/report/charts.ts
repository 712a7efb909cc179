// The chart helper every report page shares (run report, compare page, capacity report): uPlot and
// its CSS inlined (pinned npm package, so a page opens offline), plus one page-side function,
// `loadlabChart(id, options, data)`, that draws a chart from plain JSON options (log axes, a second
// y axis, stepped lines for histograms, a shared x range and a synced cursor so charts line up in
// time) and registers it in `window.loadlabCharts`, where the headless-Chromium check finds every
// chart and whether it has data. Call `loadlabChartsDone()` after the last chart.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

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

/** JSON safe to embed in a <script> element. */
export const embedJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

/** One series of a chart (JSON: no functions). */
export interface ChartSeries {
  label: string;
  stroke?: string;
  fill?: string;
  dash?: number[];
  /** 'y2': the right-hand axis */
  scale?: 'y' | 'y2';
  /** a histogram: a step from each x to the next */
  stepped?: boolean;
  width?: number;
}

export interface ChartOptions {
  title: string;
  xLabel?: string;
  yLabel?: string;
  y2Label?: string;
  logX?: boolean;
  logY?: boolean;
  /** fixed x range, so time charts share one axis */
  xRange?: [number, number];
  /** charts with the same key move one cursor together */
  sync?: string;
  height?: number;
  series: ChartSeries[];
}

const HELPER = `
window.loadlabCharts = window.loadlabCharts || [];
window.loadlabChart = function (id, o, data) {
  var el = document.getElementById(id);
  var width = Math.min(1050, (document.body.clientWidth || 1100) - 10);
  var scales = { x: { time: false, distr: o.logX ? 3 : 1 }, y: { distr: o.logY ? 3 : 1 } };
  if (o.xRange) { var r = o.xRange; scales.x.range = function () { return [r[0], r[1]]; }; }
  var axes = [{ label: o.xLabel || 'seconds since start' }, { label: o.yLabel || '', size: 64 }];
  if (o.y2Label) { scales.y2 = { range: function (u, min, max) { return [0, max > 0 ? max * 1.05 : 1]; } }; axes.push({ scale: 'y2', side: 1, label: o.y2Label, grid: { show: false }, size: 64 }); }
  var series = [{ label: o.xLabel || 's' }].concat(o.series.map(function (s) {
    var out = { label: s.label, stroke: s.stroke, fill: s.fill, dash: s.dash, scale: s.scale || 'y', width: s.width || 1.5, spanGaps: false };
    if (s.stepped) out.paths = uPlot.paths.stepped({ align: 1 });
    return out;
  }));
  var opts = { title: o.title, width: width, height: o.height || 240, scales: scales, axes: axes, series: series };
  if (o.sync) opts.cursor = { sync: { key: o.sync } };
  var u = new uPlot(opts, data, el);
  u.loadlabTitle = o.title;
  window.loadlabCharts.push(u);
  return u;
};
window.loadlabChartsDone = function () { document.body.dataset.chartsRendered = String(window.loadlabCharts.length); };
`;

/** <style> and <script> for the page's <head>: uPlot, its CSS and the helper. */
export function chartAssets(): string {
  const { js, css } = uplot();
  return `<style>${css}\n.chart{margin:8px 0 18px}</style>\n<script>${js.replace(/<\/script/gi, '<\\/script')}</script>\n<script>${HELPER}</script>`;
}

/** A page-side call drawing one chart into the element with this id. */
export const chartCall = (id: string, o: ChartOptions, data: unknown) => `loadlabChart(${embedJson(id)}, ${embedJson(o)}, ${embedJson(data)});`;
