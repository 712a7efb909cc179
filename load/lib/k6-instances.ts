// N k6 processes as one run: instance i runs execution segment (i-1)/N:i/N of one shared
// --execution-segment-sequence (load/lib/execution-segments.ts). They start together the way
// k6-operator starts its runners: each is launched with --paused and its REST API on a loopback
// port, and once every one has initialized its VUs (status "paused before run"), all are resumed at
// once through PATCH /v1/status. When each resume returned is recorded; the start skew the report
// prints is measured from k6's own samples (each instance's setup() request). One instance is a
// plain k6 run, as before.
import { k6OutArgs } from './k6-outputs';
import path from 'node:path';
import { z } from 'zod';
import { freePort } from '../../server/db/embedded-postgres';
import { CliError } from './cli-error';
import { segmentArgs, segmentOf } from './execution-segments';
import { K6_THRESHOLDS_FAILED, runK6, type K6Binary } from './k6';
import { ProcessSampler, type ProcessStats } from './process-sampler';

/** --instances N: k6 processes sharing one run, each its execution segment. */
export const instancesOption = z.coerce
  .number({ error: 'instances must be a number' })
  .int('instances must be a whole number')
  .min(1, 'instances must be at least 1')
  .max(64, 'instances must be at most 64');

export const DASHBOARD_AND_INSTANCES = '--dashboard shows one k6 process; with --instances it would show only part of the run: use one or the other';

/** Every k6 instance needs at least one VU of its own; k6's dashboard watches one process only. */
export function checkInstances(instances: number, vus: number, what = 'users', o: { dashboard?: boolean } = {}): void {
  if (instances > vus) throw new CliError(`--instances: ${instances} instances for ${vus} ${what}: every k6 instance needs at least one`);
  if (o.dashboard && instances > 1) throw new CliError(DASHBOARD_AND_INSTANCES);
}

/** k6's lib.ExecutionStatus value "paused before run": VUs initialized, waiting for resume. */
const PAUSED_BEFORE_RUN = 4;
const INIT_TIMEOUT_MS = 180_000;

export interface InstanceFiles {
  csv: string;
  log: string;
  k6Summary: string;
}

export interface InstanceRun {
  index: number;
  segment: string;
  files: InstanceFiles;
  exitCode: number;
  /** The signal that ended k6, when one did (e.g. SIGKILL from the OOM killer). */
  signal: NodeJS.Signals | null;
  /** Stopped by the harness because another instance failed (its samples are a part of a run). */
  stoppedByHarness: boolean;
  startedAt: string;
  finishedAt: string;
  /** When the resume call returned (epoch ms); null for a single, unpaused instance. */
  resumedAtMs: number | null;
  stats: ProcessStats | undefined;
}

export interface InstancesOptions {
  k6: K6Binary;
  script: string;
  env: Record<string, string>;
  dir: string;
  /** Prefix of the files (capacity steps: step-N-). */
  filePrefix?: string;
  instances: number;
  /** Each k6 pid once started (for other samplers). */
  onStart?: (pid: number) => void;
  log?: (line: string) => void;
  /** --k6-out values, passed to every instance (lib/k6-outputs.ts) */
  outputs?: string[];
}

export function instanceFiles(dir: string, prefix: string, index: number, n: number): InstanceFiles {
  const p = n === 1 ? prefix : `${prefix}instance-${index}-`;
  return { csv: path.join(dir, `${p}k6-samples.csv`), log: path.join(dir, `${p}k6.log`), k6Summary: path.join(dir, `${p}k6-summary.json`) };
}

async function statusOf(port: number): Promise<number | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/v1/status`, { signal: AbortSignal.timeout(2000) });
    if (res.status !== 200) return undefined;
    const body = (await res.json()) as { data?: { attributes?: { status?: number } } };
    return body.data?.attributes?.status;
  } catch {
    return undefined;
  }
}

async function resume(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/status`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ data: { type: 'status', id: 'default', attributes: { paused: false } } }),
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status !== 200) throw new CliError(`k6 on port ${port} refused to resume (HTTP ${res.status})`);
  return Date.now();
}

export async function runK6Instances(o: InstancesOptions): Promise<InstanceRun[]> {
  const n = o.instances;
  const prefix = o.filePrefix ?? '';
  const ports = n > 1 ? await Promise.all(Array.from({ length: n }, () => freePort())) : [];
  const samplers: (ProcessSampler | undefined)[] = new Array(n).fill(undefined);
  const exited: boolean[] = new Array(n).fill(false);
  const finishedAt: string[] = new Array(n).fill('');
  const pids: (number | undefined)[] = new Array(n).fill(undefined);
  const stopped: boolean[] = new Array(n).fill(false);
  // Instances still running when the start fails are stopped (SIGTERM: k6 ends gracefully), never left behind.
  const stopAll = async () => {
    stopOthers(-1);
    await Promise.all(started.map((s) => s.done.catch(() => undefined)));
  };
  const stopOthers = (except: number) => {
    for (const [k, pid] of pids.entries()) {
      if (k === except || !pid || exited[k] || stopped[k]) continue;
      stopped[k] = true;
      process.kill(pid, 'SIGTERM');
    }
  };
  const started = Array.from({ length: n }, (_, k) => {
    const index = k + 1;
    const files = instanceFiles(o.dir, prefix, index, n);
    const extraArgs = [...(n > 1 ? ['--paused', '--address', `127.0.0.1:${ports[k]}`, ...segmentArgs(index, n)] : []), ...k6OutArgs(o.outputs ?? [], index, n)];
    const startedAt = new Date().toISOString();
    const done = runK6({
      k6: o.k6,
      script: o.script,
      csvOut: files.csv,
      logFile: files.log,
      extraArgs,
      env: { ...o.env, SUMMARY_FILE: files.k6Summary },
      onStart: (pid) => {
        pids[k] = pid;
        samplers[k] = new ProcessSampler(pid).start();
        o.onStart?.(pid);
      },
    }).then(
      (r) => {
        exited[k] = true;
        finishedAt[k] = new Date().toISOString();
        // One instance failing makes the run a part of a run: the others are stopped rather than
        // left to finish a test that can no longer be a result.
        if (n > 1 && r.exitCode !== 0 && r.exitCode !== K6_THRESHOLDS_FAILED && !stopped[k]) stopOthers(k);
        return r;
      },
      (err: unknown) => {
        exited[k] = true;
        finishedAt[k] = new Date().toISOString();
        throw err;
      },
    );
    return { index, files, startedAt, done };
  });
  let resumedAt: (number | null)[] = new Array(n).fill(null);
  if (n > 1) {
    // Wait until every instance has initialized its VUs and is paused, then release all at once.
    const deadline = Date.now() + INIT_TIMEOUT_MS;
    for (;;) {
      const states = await Promise.all(ports.map((p, k) => (exited[k] ? Promise.resolve(-1) : statusOf(p))));
      // The instance that failed first (not one stopped because of it).
      const dead = states.findIndex((s, k) => s === -1 && !stopped[k]);
      if (dead >= 0) {
        await stopAll();
        throw new CliError(`k6 instance ${dead + 1} of ${n} exited before the test started; see ${started[dead]!.files.log}`);
      }
      if (states.every((s) => s !== undefined && s >= PAUSED_BEFORE_RUN)) break;
      if (Date.now() > deadline) {
        await stopAll();
        throw new CliError(`k6 instances did not finish initializing within ${INIT_TIMEOUT_MS / 1000} s`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    o.log?.(`${n} k6 instances initialized (segments ${started.map((s) => segmentOf(s.index, n)).join(' ')}); starting them together`);
    try {
      resumedAt = await Promise.all(ports.map((p) => resume(p)));
    } catch (err) {
      await stopAll();
      throw err;
    }
  }
  const results = await Promise.all(started.map((s) => s.done));
  return started.map((s, k) => ({
    index: s.index,
    segment: segmentOf(s.index, n),
    files: s.files,
    exitCode: results[k]!.exitCode,
    signal: results[k]!.signal,
    stoppedByHarness: stopped[k]!,
    startedAt: s.startedAt,
    finishedAt: finishedAt[k]!,
    resumedAtMs: resumedAt[k] ?? null,
    stats: samplers[k]?.stop(),
  }));
}
