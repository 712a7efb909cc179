// --k6-out passes k6 outputs through: a real Prometheus (Debian's package, remote-write receiver on)
// receives the run through k6's experimental-prometheus-rw output and answers the run's request
// count, and a json output beside it holds the same requests. Skipped, saying why, when the
// prometheus binary is not installed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../load/lib/local-env';
import { readSummary } from '../../load/report/summary';
import { onlyReportDir, runCli, tempReportsDir } from '../support/cli';
import { createTestDatabase, type TestDatabase } from '../support/database';

// make setup unpacks Debian's binary into .tools/bin (scripts/install-test-tools); one on PATH works too
const LOCAL_PROMETHEUS = path.join(PROJECT_ROOT, '.tools', 'bin', 'prometheus');
const PROMETHEUS = process.env.PROMETHEUS_BIN ?? (existsSync(LOCAL_PROMETHEUS) ? LOCAL_PROMETHEUS : 'prometheus');
const installed = spawnSync(PROMETHEUS, ['--version'], { encoding: 'utf8' }).status === 0;
const SKIP_REASON = `skipped: ${PROMETHEUS} is not installed (make setup unpacks it into .tools/bin with apt-get download; or set PROMETHEUS_BIN)`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}`);
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`prometheus not ready at ${url}`);
}

describe.skipIf(!installed)('--k6-out into a real Prometheus', () => {
  let prom: ChildProcess;
  let base: string;
  let database: TestDatabase;
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'loadlab-prom-'));
    writeFileSync(path.join(work, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\n');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    prom = spawn(
      PROMETHEUS,
      [`--config.file=${path.join(work, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(work, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-remote-write-receiver'],
      { stdio: 'ignore' },
    );
    database = await createTestDatabase({ migrate: false });
    await waitReady(`${base}/-/ready`, prom);
  });

  afterAll(async () => {
    if (prom && prom.exitCode === null) {
      const exited = new Promise((r) => prom.once('exit', r));
      prom.kill('SIGTERM');
      await exited;
    }
    await database?.drop();
  });

  it('Prometheus answers the run\'s request count, and the json output has the same requests', async () => {
    const reports = tempReportsDir();
    const json = path.join(work, 'k6.json');
    const r = await runCli(
      ['load', '--users', '4', '--ops', '5', '--think-time', '10', '--ramp-up', '0', '--k6-out', 'experimental-prometheus-rw', `--k6-out=json=${json}`],
      { DATABASE_URL: database.url, LOADLAB_REPORTS_DIR: reports, K6_PROMETHEUS_RW_SERVER_URL: `${base}/api/v1/write`, K6_PROMETHEUS_RW_PUSH_INTERVAL: '1s' },
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const summary = readSummary(path.join(onlyReportDir(reports, 'load'), 'summary.json'));
    expect(summary.totals.requests).toBe(20);
    const query = 'sum(max_over_time(k6_http_reqs_total{op!~"setup|teardown"}[1h]))';
    const res = (await (await fetch(`${base}/api/v1/query?query=${encodeURIComponent(query)}`)).json()) as { data: { result: { value: [number, string] }[] } };
    expect(Number(res.data.result[0]?.value[1])).toBe(summary.totals.requests);
    const points = readFileSync(json, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"metric":"http_reqs"') && l.includes('"type":"Point"'))
      .map((l) => JSON.parse(l) as { data: { tags: { op?: string } } })
      .filter((p) => p.data.tags.op !== 'setup' && p.data.tags.op !== 'teardown');
    expect(points).toHaveLength(summary.totals.requests);
  });
});

describe.skipIf(installed)('--k6-out into a real Prometheus', () => {
  it.skip(SKIP_REASON, () => undefined);
});

describe('--k6-out bad input', () => {
  it('names the option and exits 2 for a malformed output', async () => {
    const r = await runCli(['load', '--k6-out', 'Not An Output'], { LOADLAB_REPORTS_DIR: tempReportsDir() });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--k6-out: give a k6 output as NAME or NAME=CONFIG/);
  });
});
