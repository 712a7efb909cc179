// The capacity report renders every section from recorded step summaries (fixtures written by
// real `loadlab capacity` runs on this project's server), capacity.json round-trips through its
// schema, the HTML page is self-contained, and readLatestCapacityModel finds the newest model
// made for a target.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CapacityModel, readCapacityModel, readLatestCapacityModel, withValidation } from '../../load/capacity/capacity-model';
import { capacityChartData, renderCapacityHtmlPage, renderCapacityHtmlSection } from '../../load/capacity/capacity-html';
import { renderCapacityReport, scalingSummaryLines } from '../../load/capacity/capacity-text-report';
import { StepSummary } from '../../load/capacity/step-summary';
import { littleResponseMs, uslThroughput } from '../../load/capacity/usl';
import { modelFrom } from '../support/capacity-model';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'capacity');
const readSteps = (name: string) => StepSummary.array().parse(JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')));

const SECTIONS = [
  'Test Configuration:',
  'Steps (steady-state window only',
  'Answer at 4000 Users:',
  'Resources per Step',
  'Resource Demands (Utilization Law):',
  'Demand Model (asymptotic bounds and mean value analysis):',
  'Where It Breaks:',
  'Fit (Universal Scalability Law):',
  'USL Predictions at 4000 Users',
  'For contrast — the formula of the system this replaces:',
];

function expectSectionsInOrder(text: string, sections: string[]) {
  let at = -1;
  for (const s of sections) {
    const i = text.indexOf(s);
    expect(i, `section "${s}"`).toBeGreaterThan(at);
    at = i;
  }
}

describe.each(['steps-5s-think.json', 'steps-small-50ms-think.json'])('capacity report from recorded steps %s', (fixture) => {
  const steps = readSteps(fixture);
  const model = modelFrom(steps);
  const text = renderCapacityReport(model);

  it('fits the recorded steps: 6 points, finite parameters, a band and predictions', () => {
    expect(steps.length).toBeGreaterThanOrEqual(6);
    expect(model.fit.ok).toBe(true);
    if (!model.fit.ok) return;
    expect(model.fit.points).toBe(steps.filter((s) => !s.saturated).length);
    for (const v of [model.fit.lambda, model.fit.sigma, model.fit.kappa, model.fit.r2]) expect(Number.isFinite(v)).toBe(true);
    expect(model.band!.fitted).toBeGreaterThan(0);
    const p = model.prediction!;
    expect(p.throughput_rps).toBeCloseTo(uslThroughput(model.fit, 4000), 9);
    expect(p.response_ms).toBeCloseTo(Math.max(0, littleResponseMs(model.fit, 4000, steps[0]!.think_time_ms)), 6);
    expect(p.throughput_band![0]).toBeLessThanOrEqual(p.throughput_band![1]);
  });

  it('renders every section, in order, with one table row per step', () => {
    expectSectionsInOrder(text, SECTIONS);
    for (const s of steps) expect(text).toMatch(new RegExp(`^\\s+${s.users}\\s+${s.throughput_rps.toFixed(1)}\\s`, 'm'));
    expect(text).toMatch(/λ \(req\/s per user at N=1\)\s+\S+\s+band/);
    expect(text).toMatch(/σ \(contention\)/);
    expect(text).toMatch(/κ \(coherency\)/);
    expect(text).toMatch(/R²\s+\d\.\d{4}/);
    expect(text).toMatch(/Peak N\* = √\(\(1−σ\)\/κ\)/);
    expect(text).toMatch(/Throughput X\(4000\)\s+[\d.]+ req\/s\s+band [\d.]+ – [\d.]+/);
    expect(text).toMatch(/Mean response time R\(4000\) = N\/X − Z/);
    expect(text).toMatch(/Largest N with R ≤ 500 ms/);
    expect(text).toMatch(/old formula \(users × 100 \/ avg_ms\), not a prediction: \d+ × 100 \/ [\d.]+ = [\d,]+/);
    expect(text).not.toMatch(/NaN|undefined/);
  });

  it('capacity.json round-trips through its schema', () => {
    const again = CapacityModel.parse(JSON.parse(JSON.stringify(model)));
    expect(renderCapacityReport(again)).toBe(text);
  });

  it('renders a self-contained HTML page with the chart data out to the target users', () => {
    const html = renderCapacityHtmlPage(model);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('var uPlot'); // the IIFE build, inlined
    expect(html).toContain('.uplot'); // its stylesheet, inlined
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/cdn/i);
    expect(html).toContain('Throughput vs users');
    expect(html).toContain('LOADLAB CAPACITY REPORT');
    const d = capacityChartData(model);
    expect(d.n.at(-1)).toBe(4000);
    for (const col of [d.fitted, d.lo, d.hi, d.measured, d.excluded, d.rtPredicted, d.rtMeasured]) expect(col.length).toBe(d.n.length);
    expect(d.measured.filter((v) => v !== null).length + d.excluded.filter((v) => v !== null).length).toBe(steps.length);
    const data = JSON.parse(/var d = (\{.*\});/.exec(renderCapacityHtmlSection(model))![1]!);
    expect(data.n).toEqual(d.n);
  });
});

describe('capacity charts of the demand model (a real dev run, re-modelled)', () => {
  it('throughput, mean and p95 along users with the band, and each resource with the bottleneck marked', async () => {
    const { readRecordedRun } = await import('../../load/commands/capacity');
    const { demandChartData } = await import('../../load/capacity/capacity-html');
    const rec = readRecordedRun(path.join(FIXTURES, 'run-dev'));
    const model = withValidation(modelFrom(rec.steps, { dataProfile: 'dev', resamples: 20 }), rec.validation!);
    const n = capacityChartData(model).n;
    const d = demandChartData(model, n)!;
    const filled = (col: (number | null)[]) => col.filter((v) => v !== null && Number.isFinite(v)).length;
    for (const col of [d.x, d.xLo, d.xHi, d.mean, d.meanLo, d.meanHi, d.p95]) expect(filled(col)).toBe(n.length);
    for (let i = 0; i < n.length; i++) {
      expect(d.xLo[i]!).toBeLessThanOrEqual(d.x[i]! + 1e-3);
      expect(d.p95[i]!).toBeGreaterThan(0);
    }
    expect(d.util.map((u) => u.resource)).toEqual(["the machine's CPU", "the API's event loop", 'the database pool']);
    expect(d.util.filter((u) => u.bottleneck)).toHaveLength(1);
    if (model.demand.ok) expect(d.util.find((u) => u.bottleneck)!.resource).toBe(model.demand.saturations[0]!.resource);
    // measured dots at the 6 steps and the validation run
    for (const u of d.util) expect(filled(u.measured)).toBe(7);
    const html = renderCapacityHtmlSection(model);
    expect(html).toContain('BOTTLENECK');
    expect(html).toContain('Utilisation of each resource vs users');
  });
});

describe('capacity report edge cases', () => {
  const steps = readSteps('steps-5s-think.json');

  it('leaves saturated steps out of the fit and prints why; 5 left is a clear no-fit message', () => {
    const marked = steps.map((s, i) => (i === steps.length - 1 ? { ...s, saturated: true, saturation_reasons: ['k6 used 0.97 CPU cores (limit 0.9)'] } : s));
    const model = modelFrom(marked);
    expect(model.excluded).toEqual([{ users: marked.at(-1)!.users, reason: 'k6 used 0.97 CPU cores (limit 0.9)' }]);
    expect(model.fit).toEqual({ ok: false, points: marked.length - 1, reason: expect.stringMatching(/at least 6 steps/) });
    expect(model.prediction).toBeNull();
    const text = renderCapacityReport(model);
    expectSectionsInOrder(text, SECTIONS);
    expect(text).toMatch(/Left out of the fit \(load generator saturated\):\n\s+\d+ users: k6 used 0\.97 CPU cores/);
    expect(text).toMatch(/YES \(left out\)/);
    expect(text).toMatch(/No fit \(5 usable steps\): the USL fit needs at least 6 steps/);
    expect(text).toMatch(/No prediction: the USL fit needs/);
    expect(text).not.toMatch(/NaN/);
    expect(renderCapacityHtmlPage(model)).toContain('No fit: the USL fit needs');
  });

  it('prints the validation table: predicted vs measured with the error in %', () => {
    const model = modelFrom(steps);
    expect(model.fit.ok).toBe(true);
    // The recorded 4,000-user run that followed these steps.
    const measured = StepSummary.parse(JSON.parse(readFileSync(path.join(FIXTURES, 'validation-4000-5s-think.json'), 'utf8')));
    const v = withValidation(model, measured);
    const p = v.validation!.predicted!;
    if (p.response_ms === null) throw new Error("the USL's response time should be computable on these steps");
    const mx = measured.throughput_rps;
    const mr = measured.latency_ms.avg;
    expect(v.validation!.error_pct!.throughput).toBeCloseTo((100 * (p.throughput_rps - mx)) / mx, 9);
    expect(v.validation!.error_pct!.response).toBeCloseTo((100 * (p.response_ms - mr)) / mr, 9);
    const text = renderCapacityReport(v);
    expectSectionsInOrder(text, [...SECTIONS, 'Validation (a real run at 4000 users):']);
    expect(text).toContain(`throughput (req/s)`);
    expect(text).toMatch(new RegExp(`throughput \\(req/s\\)\\s+[\\d.]+\\s+${mx.toFixed(1)}\\s+[+-][\\d.]+%`));
    expect(text).toMatch(new RegExp(`mean response time \\(ms\\)\\s+[\\d.]+\\s+${mr.toFixed(1)}\\s+[+-][\\d.]+%`));
    // These recorded steps predate the resource sampler: the USL gives the headline (4,000 is
    // 1.3× the largest step), checked against the real run with the goals.
    expect(v.headline.model).toBe('usl');
    expect(v.demand).toEqual({ ok: false, reason: expect.stringMatching(/carry no resource measurements/) });
    const h = v.validation!.headline!;
    expect(h.error_pct.throughput).toBeCloseTo((100 * (p.throughput_rps - mx)) / mx, 9);
    expect(h.verdict.match).toBe(p.response_ms <= 500 === mr <= 500);
    expect(text).toMatch(/throughput \(req\/s\)\s+[\d.]+\s+[\d.]+\s+[+-][\d.]+%\s+±10%: (met|missed)/);
    expect(text).toMatch(/verdict against --rt-target 500 ms \(mean\): predicted (held|not held), measured (held|not held) -> (match|MISMATCH)/);
    // Successful requests: predicted by the goodput fit vs measured.
    const g = v.validation!.goodput!;
    expect(g.measured_rps).toBeCloseTo(mx * (1 - measured.error_pct / 100), 9);
    expect(g.error_pct).toBeCloseTo((100 * (g.predicted_rps - g.measured_rps)) / g.measured_rps, 9);
    expect(text).toMatch(new RegExp(`successful req/s\\s+${g.predicted_rps.toFixed(1)}\\s+${g.measured_rps.toFixed(1)}\\s+[+-][\\d.]+%`));
    expect(capacityChartData(v).validation.filter((x) => x !== null)).toEqual([Math.round(mx * 1000) / 1000]);
  });

  it('fits successful throughput separately when steps had failures', () => {
    const model = modelFrom(steps);
    expect(steps.some((s) => s.errors > 0)).toBe(true);
    const g = model.goodput!;
    expect(g.fit.ok).toBe(true);
    if (!g.fit.ok || !model.fit.ok) return;
    // In these steps the successful curve lies at or below the all-requests one at the target.
    expect(g.at_target_rps!).toBeLessThanOrEqual(model.prediction!.throughput_rps + 1e-9);
    const text = renderCapacityReport(model);
    expectSectionsInOrder(text, ['USL Predictions at 4000 Users', 'Successful Requests Only', 'For contrast']);
    expect(text).toMatch(/Steps with failed requests: 1500 \(6\.2%\), 3000 \(11\.6%\)/);
    expect(text).toMatch(/Successful X\(4000\)\s+[\d.]+ req\/s/);
    expect(capacityChartData(model).goodputMeasured.filter((x) => x !== null)).toHaveLength(steps.filter((s) => s.errors > 0).length);
    // No failures at all: no separate fit, no section.
    const clean = modelFrom(readSteps('steps-small-50ms-think.json'));
    expect(clean.goodput).toBeNull();
    expect(renderCapacityReport(clean)).not.toContain('Successful Requests Only');
  });

  it('scalingSummaryLines gives the load report the answer, the headline model and the fit', () => {
    const lines = scalingSummaryLines(modelFrom(steps), 'reports/x-capacity').join('\n');
    expect(lines).toMatch(/USL fit: λ .* R² \d\.\d{3}/);
    expect(lines).toMatch(/4,000 users: (held|not held)/);
    expect(lines).toMatch(/Headline model: USL — /);
  });
});

describe('readLatestCapacityModel', () => {
  it('returns the newest readable model made for the target users, skipping others', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'loadlab-capacity-'));
    const steps = readSteps('steps-5s-think.json');
    const write = (dir: string, content: string) => {
      mkdirSync(path.join(root, dir));
      writeFileSync(path.join(root, dir, 'capacity.json'), content);
    };
    const quick = { resamples: 20 };
    write('20261122T100000Z-capacity', JSON.stringify(modelFrom(steps, { ...quick, runId: 'old' })));
    write('20261122T110000Z-capacity', JSON.stringify(modelFrom(steps, { ...quick, runId: 'mid' })));
    write('20261122T120000Z-capacity', JSON.stringify(modelFrom(steps, { ...quick, runId: 'other-target', targetUsers: 2000 })));
    write('20261122T130000Z-capacity', '{"not": "a model"}');
    write('20261122T140000Z-load', JSON.stringify(modelFrom(steps, { ...quick, runId: 'wrong-kind-folder' })));
    const latest = readLatestCapacityModel(root, 4000)!;
    expect(latest.model.run_id).toBe('mid');
    expect(latest.dir).toBe(path.join(root, '20261122T110000Z-capacity'));
    expect(latest.prediction!.target_users).toBe(4000);
    expect(readLatestCapacityModel(root, 2000)!.model.run_id).toBe('other-target');
    expect(readLatestCapacityModel(root, 1234)).toBeUndefined();
    expect(readLatestCapacityModel(path.join(root, 'missing'), 4000)).toBeUndefined();
    expect(() => readCapacityModel(path.join(root, '20261122T130000Z-capacity', 'capacity.json'))).toThrow(/not a loadlab capacity model v2/);
  });
});

describe('loadlab capacity --from (refit recorded steps, no k6)', () => {
  it('writes a new report folder for another target from a recorded steps.json', async () => {
    const { capacityCommand } = await import('../../load/commands/capacity');
    const root = mkdtempSync(path.join(tmpdir(), 'loadlab-capacity-from-'));
    const prev = process.env.LOADLAB_REPORTS_DIR;
    process.env.LOADLAB_REPORTS_DIR = root;
    const log = console.log;
    console.log = () => {};
    try {
      const code = await capacityCommand.run(['--from', path.join(FIXTURES, 'steps-5s-think.json'), '--target-users', '3500', '--rt-target', '1000']);
      expect(code).toBe(0);
    } finally {
      console.log = log;
      if (prev === undefined) delete process.env.LOADLAB_REPORTS_DIR;
      else process.env.LOADLAB_REPORTS_DIR = prev;
    }
    const latest = readLatestCapacityModel(root, 3500)!;
    expect(latest.model.config.rt_target_ms).toBe(1000);
    expect(latest.model.steps).toHaveLength(6);
    expect(latest.prediction!.target_users).toBe(3500);
    expect(readFileSync(path.join(latest.dir, 'report.txt'), 'utf8')).toContain('USL Predictions at 3500 Users');
  });

  it('re-models a recorded report folder: its settings, data profile and validation run come along', async () => {
    const { capacityCommand } = await import('../../load/commands/capacity');
    const root = mkdtempSync(path.join(tmpdir(), 'loadlab-capacity-from-dir-'));
    const prev = process.env.LOADLAB_REPORTS_DIR;
    process.env.LOADLAB_REPORTS_DIR = root;
    const log = console.log;
    const printed: string[] = [];
    console.log = (line: string) => printed.push(String(line));
    try {
      expect(await capacityCommand.run(['--from', path.join(FIXTURES, 'run-dev')])).toBe(0);
    } finally {
      console.log = log;
      if (prev === undefined) delete process.env.LOADLAB_REPORTS_DIR;
      else process.env.LOADLAB_REPORTS_DIR = prev;
    }
    const latest = readLatestCapacityModel(root, 4000)!;
    expect(latest.model.config.data_profile).toBe('dev');
    expect(latest.model.config.target).toMatch(/^recorded steps from .*run-dev\/capacity\.json \(run against http:\/\/127\.0\.0\.1:\d+\)$/);
    expect(latest.model.steps.map((s) => s.users)).toEqual([25, 50, 100, 200, 400, 800]);
    // The recorded real run at 4,000 users is compared with the new prediction again.
    const v = latest.model.validation!;
    expect(v.users).toBe(4000);
    expect(v.headline!.model).toBe('demand');
    for (const e of [v.headline!.error_pct.throughput, v.headline!.error_pct.mean, v.headline!.error_pct.p95!]) expect(Number.isFinite(e)).toBe(true);
    expect(printed.join('\n')).toMatch(/Headline model \(demand model\) against the real run:/);
  });

  it('refuses steps of another schema version, a folder without a recording and a missing path: one line, exit 2', async () => {
    const { capacityCommand } = await import('../../load/commands/capacity');
    const dir = mkdtempSync(path.join(tmpdir(), 'loadlab-capacity-from-bad-'));
    writeFileSync(path.join(dir, 'capacity.json'), JSON.stringify({ schema_version: 1, kind: 'capacity', steps: [{ users: 25, throughput: 5 }] }));
    await expect(capacityCommand.run(['--from', dir])).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/^--from: .*capacity\.json is a capacity model of schema v1, and its steps do not read as this loadlab's \(v2\) step summaries \(.*\), so nothing can be predicted from them$/),
    });
    const empty = mkdtempSync(path.join(tmpdir(), 'loadlab-capacity-from-empty-'));
    await expect(capacityCommand.run(['--from', empty])).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/holds neither capacity\.json nor steps\.json/) });
    await expect(capacityCommand.run(['--from', path.join(empty, 'missing')])).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/^--from: cannot read /) });
  });

  it('refuses a file without step summaries with a one-line error', async () => {
    const { capacityCommand } = await import('../../load/commands/capacity');
    await expect(capacityCommand.run(['--from', path.join(import.meta.dirname, '..', '..', 'package.json')])).rejects.toThrow(/--from: .*package\.json holds no capacity step summaries/);
  });
});
