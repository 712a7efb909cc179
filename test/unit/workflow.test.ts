// The CI workflow really compares: k6 from grafana/setup-k6-action at the version loadlab pins, the
// baseline fetched from the latest successful run on main under the artifact name that main's job
// uploads, the comparison table into the job summary, and the report folder kept. (`make
// lint-workflows` runs actionlint on it; this checks the parts that make the baseline reachable.)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = path.join(import.meta.dirname, '..', '..');
const wf = parse(readFileSync(path.join(root, '.github/workflows/performance.yml'), 'utf8')) as {
  permissions: Record<string, string>;
  jobs: { 'perf-gate': { steps: { name?: string; uses?: string; run?: string; if?: string; with?: Record<string, unknown> }[] } };
};
const steps = wf.jobs['perf-gate'].steps;

describe('.github/workflows/performance.yml', () => {
  it('installs k6 with grafana/setup-k6-action, at the version scripts/install-k6 pins', () => {
    const pinned = /K6_VERSION="\$\{K6_VERSION:-v([\d.]+)\}"/.exec(readFileSync(path.join(root, 'scripts/install-k6'), 'utf8'))![1];
    const k6 = steps.find((s) => s.uses?.startsWith('grafana/setup-k6-action@'));
    expect(k6?.uses).toMatch(/@v\d+$/);
    expect(k6?.with?.['k6-version']).toBe(pinned);
    expect(steps.some((s) => s.uses?.startsWith('actions/setup-go'))).toBe(false);
  });

  it('downloads the baseline from the latest successful push run on main, by the name main uploads', () => {
    const fetch = steps.find((s) => s.run?.includes('gh run list'))!;
    expect(fetch.run).toMatch(/--branch main --event push --status success --limit 1/);
    const name = /gh run download "\$run_id" .*--name ([\w-]+)/.exec(fetch.run!)![1];
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact') && s.with?.name === name)!;
    expect(upload.if).toMatch(/github.event_name == 'push' && github.ref == 'refs\/heads\/main'/);
    expect(wf.permissions.actions).toBe('read');
    // what the baseline holds is what `gate --baseline` reads: summary.json beside the result files
    expect(steps.find((s) => s.run?.includes('perf-baseline/'))!.run).toMatch(/summary\.json .*\*\.result\.json\.gz perf-baseline\//);
  });

  it('gates against the baseline, writes the table to the job summary and keeps the report folder', () => {
    expect(steps.find((s) => s.name === 'Performance gate')!.run).toMatch(/make perf-gate BASELINE=baseline/);
    expect(steps.find((s) => s.run?.includes('GITHUB_STEP_SUMMARY'))!.run).toMatch(/compare\.md/);
    expect(steps.find((s) => s.with?.name === 'perf-report')!.with!.path).toBe('reports/');
  });
});
