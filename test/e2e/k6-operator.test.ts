// loadlab k6-operator end to end, without a cluster but with everything else real: the command
// writes the manifests and the k6 archive; deploy/check (Go, the Kubernetes API types) decodes them
// strictly; then two real k6 processes run the archive exactly as k6-operator starts its runners
// (segment flags, instance_id/testrun_name tags, the TestRun's arguments with $(POD_NAME) expanded
// as Kubernetes expands it) against the real API; `loadlab merge` turns their CSVs into one report
// with every acknowledged write verified. Bad input is one line and exit 2.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { k6OperatorCommand } from '../../load/commands/k6-operator';
import { mergeCommand } from '../../load/commands/merge';
import { RESULTS_MOUNT } from '../../load/k6-operator/manifests';
import { segmentArgs } from '../../load/lib/execution-segments';
import { resolveK6 } from '../../load/lib/k6';
import { PROJECT_ROOT } from '../../load/lib/local-env';
import { readSummary, type RunSummary } from '../../load/report/summary';
import { seedDatabase } from '../../seeds/seed';
import { createTestApp, TEST_TOKEN, type TestApp } from '../support/app';
import { onlyReportDir, runCommandInProcess, tempReportsDir } from '../support/cli';

const USERS = 6;
const OPS = 4;
let t: TestApp;
let base: string;
let work: string;
let out: string;
let summary: RunSummary;
let mergeRun: { status: number; stdout: string; stderr: string };
const operator = (args: string[]) => runCommandInProcess('k6-operator', k6OperatorCommand, args);

function runRunner(index: number, n: number, archive: string, argumentsLine: string, resultsDir: string): Promise<number> {
  const pod = `loadlab-${index}-x${index}k9`;
  // Kubernetes expands $(VAR) in a container's command from the container's env; k6-operator splits
  // spec.arguments on spaces; the results claim is mounted at /results (here: a folder).
  const args = argumentsLine
    .replace(/\$\(POD_NAME\)/g, pod)
    .replaceAll(`${RESULTS_MOUNT}/`, `${resultsDir}/`)
    .split(' ')
    .filter(Boolean);
  const k6 = resolveK6();
  const child = spawn(k6.path, ['run', '--quiet', ...segmentArgs(index, n), ...args, archive, '--tag', `instance_id=${index}`, '--tag', 'testrun_name=loadlab'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', API_TOKEN: TEST_TOKEN, K6_CSV_TIME_FORMAT: 'unix_milli', K6_NO_USAGE_REPORT: 'true', POD_NAME: pod },
    stdio: 'ignore',
  });
  return new Promise((resolve) => child.on('close', (code) => resolve(code ?? -1)));
}

beforeAll(async () => {
  t = await createTestApp();
  work = mkdtempSync(path.join(tmpdir(), 'loadlab-k6op-'));
  const pool = path.join(work, 'id-pool.json');
  await seedDatabase(t.database.url, { profile: 'dev', seed: 46, truncate: false, scale: 0.05, poolFile: pool });
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  out = path.join(work, 'run');
  const r = await operator(['--instances', '2', '--out', out, '--pool', pool, '--target', base, '--users', String(USERS), '--ops', String(OPS), '--think-time', '10', '--ramp-up', '1']);
  expect(r.status, r.stderr).toBe(0);
  const testRun = parse(readFileSync(path.join(out, 'testrun.yaml'), 'utf8'));
  mkdirSync(path.join(out, 'results'));
  const codes = await Promise.all([1, 2].map((i) => runRunner(i, 2, path.join(out, 'archive.tar'), testRun.spec.arguments, path.join(out, 'results'))));
  expect(codes).toEqual([0, 0]);
  const reports = tempReportsDir();
  mergeRun = await runCommandInProcess('merge', mergeCommand, [path.join(out, 'results'), '--target', base], { LOADLAB_REPORTS_DIR: reports, LOADLAB_TARGET_TOKEN: TEST_TOKEN });
  summary = readSummary(path.join(onlyReportDir(reports, 'merge'), 'summary.json'));
}, 180_000);

afterAll(async () => t?.close());

describe('loadlab k6-operator', () => {
  it('writes a TestRun of parallelism N, its ConfigMap archive, the results claim and reader, run.json and the steps', () => {
    expect(readdirSync(out).sort()).toEqual(['archive.tar', 'configmap.yaml', 'data-pool.json', 'results', 'results-pvc.yaml', 'results-reader.yaml', 'run.json', 'steps.txt', 'testrun.yaml']);
    const testRun = parse(readFileSync(path.join(out, 'testrun.yaml'), 'utf8'));
    expect(testRun).toMatchObject({ apiVersion: 'k6.io/v1alpha1', kind: 'TestRun', spec: { parallelism: 2, script: { configMap: { name: 'loadlab-archive', file: 'archive.tar' } } } });
    const cm = parse(readFileSync(path.join(out, 'configmap.yaml'), 'utf8'));
    expect(Buffer.from(cm.binaryData['archive.tar'], 'base64').equals(readFileSync(path.join(out, 'archive.tar')))).toBe(true);
    expect(readFileSync(path.join(out, 'steps.txt'), 'utf8')).toMatch(/kubectl cp default\/loadlab-results-reader:\/results .*\/results\n.*loadlab merge .*\/results/);
  });

  it('writes manifests that decode strictly into the Kubernetes types (deploy/check)', () => {
    const r = spawnSync('go', ['run', '.', out], { cwd: path.join(PROJECT_ROOT, 'deploy', 'check'), encoding: 'utf8', timeout: 170_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ok .*testrun\.yaml \(document 1, TestRun\/loadlab\)/);
  }, 180_000);

  it('bakes the settings into the archive but never the API token', () => {
    const tar = spawnSync('tar', ['xOf', path.join(out, 'archive.tar'), 'metadata.json'], { encoding: 'utf8' });
    const env = JSON.parse(tar.stdout).env as Record<string, string>;
    expect(env).toMatchObject({ USERS: String(USERS), OPS: String(OPS), BASE_URL: base });
    expect(Object.keys(env)).not.toContain('API_TOKEN');
    expect(JSON.stringify(env)).not.toContain(TEST_TOKEN);
  });

  it('runners write one CSV each where loadlab merge builds one complete report from them', () => {
    expect(readdirSync(path.join(out, 'results')).filter((f) => f.endsWith('.csv.gz'))).toHaveLength(2);
    expect(mergeRun.status, `${mergeRun.stdout}\n${mergeRun.stderr}`).toBe(0);
    expect(summary.totals).toMatchObject({ requests: USERS * OPS, expected_requests: USERS * OPS, failed: 0 });
    expect(summary.instances).toMatchObject({ count: 2, complete: true, sequence: '0,1/2,1' });
    expect(summary.instances!.list.map((i) => i.segment)).toEqual(['0:1/2', '1/2:1']);
    expect(summary.instances!.list.reduce((a, i) => a + i.requests, 0)).toBe(USERS * OPS);
    expect(summary.generator.not_measured_reason).toMatch(/k6-operator/);
    const d = summary.data_safety;
    expect(d.unverified_reason).toBeUndefined();
    expect(d.acknowledged).toBeGreaterThan(0);
    expect(d).toMatchObject({ verified: d.acknowledged, lost: 0 });
  });

  it('refuses bad input with one line and exit 2, writing nothing', async () => {
    const fresh = path.join(work, 'never');
    const cases: [string[], RegExp][] = [
      [['--instances', '0', '--out', fresh, '--pool', path.join(work, 'id-pool.json')], /--instances: instances must be at least 1/],
      [['--instances', '7', '--users', '6', '--out', fresh, '--pool', path.join(work, 'id-pool.json')], /7 instances for 6 users/],
      [['--instances', '2', '--out', out, '--pool', path.join(work, 'id-pool.json')], /--out .* is not empty/],
      [['--instances', '2', '--out', fresh, '--target', 'http://127.0.0.1:9'], /cannot sample ids from http:\/\/127\.0\.0\.1:9 .*pass --pool FILE/],
    ];
    for (const [args, message] of cases) {
      const r = await operator(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(fresh)).toBe(false);
  });

  it('names a runner that never reported: exit 2, report INCOMPLETE', async () => {
    const partial = path.join(work, 'partial', 'results');
    mkdirSync(partial, { recursive: true });
    const one = readdirSync(path.join(out, 'results')).find((f) => f.endsWith('.csv.gz'))!;
    spawnSync('cp', [path.join(out, 'results', one), partial]);
    spawnSync('cp', [path.join(out, 'run.json'), path.dirname(partial)]);
    const r = await runCommandInProcess('merge', mergeCommand, [partial], { LOADLAB_REPORTS_DIR: tempReportsDir() });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^loadlab merge: INCOMPLETE, not a result: segment 1\/2:1 \(instance 2 of 2\): no result file — that instance never reported$/);
  });
});
