// loadlab capacity: stepped loads (each step its own k6 run at a fixed number of users, same think
// time and operation mix), a Universal Scalability Law fit to the steady-state throughput of the
// steps, Little's-law predictions at the target users, and with --validate a real run at the
// target to check the prediction. Writes reports/<UTC>-capacity/ (report.txt, capacity.json,
// report.html).
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PROFILE_NAMES } from '../../seeds/profiles';
import { buildScenarios } from '../build-scenarios';
import { buildCapacityModel, CAPACITY_SCHEMA_VERSION, withValidation, type CapacityModel } from '../capacity/capacity-model';
import { renderCapacityHtmlPage } from '../capacity/capacity-html';
import { capacityInterruptedLines, renderCapacityReport, validationLines } from '../capacity/capacity-text-report';
import { API_PREFIX } from '../../server/domain/routes';
import { samplerPostgres } from '../lib/load-target';
import { startResourceSampler } from '../results/resource-sampler';
import { checkInstances, instancesOption } from '../lib/k6-instances';
import type { ProcessStats } from '../lib/process-sampler';
import { StepSummary, summarizeStep } from '../capacity/step-summary';
import { parseOptions } from '../lib/args';
import { CliError } from '../lib/cli-error';
import type { Command } from '../lib/command';
import { buildDataPool, type DataPoolFile } from '../lib/data-pool';
import { dashboardLine, openK6Dashboard, type K6Dashboard } from '../lib/k6-dashboard';
import { resolveK6, type K6Binary } from '../lib/k6';
import { usingLoadTarget, type LoadTarget } from '../lib/load-target';
import { SERVER_OPTIONS, serverWorkersOption } from '../lib/users-options';
import { createReportDir } from '../lib/report-dir';
import { EXIT_INTERRUPTED, interruption, type Interruption as Signalled } from '../lib/interrupt';
import { interruptionOf, writeFilesAtomically } from '../run-report';
import type { Interruption } from '../report/summary';
import { rule } from '../../common/text-format';
import { runScenario } from '../run-scenario';
import { settleStep } from '../capacity/settle-step';

export const DEFAULT_STEPS = [25, 50, 100, 200, 400, 800];
const BETWEEN_STEPS_MS = 3000;

const durationS = (name: string) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?(ms|s|m)$/, `${name} must look like 40s, 1500ms or 2m`)
    .transform((v) => {
      const n = Number(/^[\d.]+/.exec(v)![0]);
      return v.endsWith('ms') ? n / 1000 : v.endsWith('m') ? n * 60 : n;
    })
    .refine((s) => s >= 1, `${name} must be at least 1s`);

export const CapacityOptions = z.object({
  steps: z
    .string()
    .default(DEFAULT_STEPS.join(','))
    .transform((s) => s.split(',').map((x) => (x.trim() === '' ? Number.NaN : Number(x))))
    .pipe(z.array(z.number({ error: 'steps must be a comma-separated list of user counts, like 25,50,100' }).int('steps must be whole numbers of users').min(1, 'every step needs at least 1 user').max(20_000, 'a step can have at most 20000 users')).min(1, 'give at least one step'))
    .refine((a) => new Set(a).size === a.length, 'steps must not repeat a user count'),
  'think-time': z.coerce.number({ error: 'think time must be a number of ms' }).min(0, 'think time must be 0 or more').max(600_000).default(5000),
  'step-duration': durationS('step duration').prefault('40s'),
  'ramp-up': z.coerce.number({ error: 'ramp-up must be a number of seconds' }).min(0, 'ramp-up must be 0 or more').max(600).default(10),
  'target-users': z.coerce.number().int('target users must be a whole number').min(1, 'target users must be at least 1').max(100_000).default(4000),
  'rt-target': z.coerce.number({ error: 'rt target must be a number of ms' }).positive('rt target must be more than 0 ms').default(500),
  validate: z.boolean().default(false),
  'validate-duration': durationS('validate duration').optional(),
  target: z.string().url('target must be a URL like http://127.0.0.1:3000').optional(),
  force: z.boolean().default(false),
  'keep-samples': z.boolean().default(false),
  from: z.string().optional(),
  seed: z.coerce.number().int().min(0).default(46),
  profile: z.enum(PROFILE_NAMES, { error: `profile must be one of ${PROFILE_NAMES.join(', ')}` }).default('dev'),
  cores: z.coerce.number({ error: 'cores must be a whole number of cores' }).int('cores must be a whole number of cores').min(1, 'cores must be at least 1').max(512, 'cores must be at most 512').optional(),
  'existing-data': z.boolean().default(false),
  'no-settle': z.boolean().default(false),
  warmup: z.coerce.number({ error: 'warmup must be a number of seconds' }).min(0, 'warmup must be 0 or more').max(600).default(10),
  dashboard: z.boolean().default(false),
  instances: instancesOption.default(1),
  'server-workers': serverWorkersOption,
});
export type CapacityOptions = z.infer<typeof CapacityOptions>;

interface StepPlan {
  users: number;
  rampUpS: number;
  holdS: number;
  label: string;
}

/** Rows of the tables the capacity mix reads and writes, over HTTP (GET /api/v1/stats). */
async function dataAtStart(target: LoadTarget): Promise<{ members: number; member_employments: number } | null> {
  const r = await target.api.get<{ tables?: Record<string, { rows: number }> }>(`${API_PREFIX}/stats`).catch(() => undefined);
  const t = r?.status === 200 ? r.body?.tables : undefined;
  return t?.members && t.member_employments ? { members: t.members.rows, member_employments: t.member_employments.rows } : null;
}

async function runStep(
  k6: K6Binary,
  target: LoadTarget,
  script: string,
  dir: string,
  pool: DataPoolFile,
  o: CapacityOptions,
  plan: StepPlan,
  keep: boolean,
  dashboard: K6Dashboard | undefined,
): Promise<StepSummary | undefined> {
  const data = await dataAtStart(target);
  const resources = startResourceSampler({ apiPid: target.serverPid, api: target.api, postgres: samplerPostgres(target) });
  try {
    const run = await runScenario(k6, target, {
      script,
      dir,
      pool,
      filePrefix: `${plan.label}-`,
      env: {
        USERS: String(plan.users),
        THINK_TIME_MS: String(o['think-time']),
        RAMP_UP_S: String(plan.rampUpS),
        HOLD_S: String(plan.holdS),
      },
      keepMetrics: ['vu_lag'],
      progress: { label: `${plan.label} (${plan.users} users)`, seconds: plan.rampUpS + plan.holdS },
      dashboard,
      instances: o.instances,
      onK6Start: (pid) => resources.addK6Pid(pid),
    });
    const series = await resources.stop();
    writeFileSync(path.join(dir, `${plan.label}-resources.json`), `${JSON.stringify(series)}\n`);
    // A step cut by a signal did not hold its load: nothing to summarize (its samples stay on disk).
    if (interruption()) return undefined;
    const stepOf = (k6Stats: ProcessStats | undefined, k6PeakMb: number | undefined) => summarizeStep({
      users: plan.users,
      thinkMs: o['think-time'],
      rampUpS: plan.rampUpS,
      holdS: plan.holdS,
      runTag: run.runTag,
      startedAt: run.startedAt,
      k6ExitCode: run.k6ExitCode,
      requests: run.samples.requests,
      vuLag: run.samples.metrics.get('vu_lag') ?? [],
      k6Samples: k6Stats?.series,
      k6PeakMb,
      resources: series,
      dataAtStart: data,
    });
    // Each k6 instance is its own process: the busiest one in the window says whether the
    // generator saturated; memory is all of them together.
    const rss = run.instances.reduce((a, i) => a + (i.stats?.rss_peak_mb ?? 0), 0);
    const perInstance = run.instances.map((i) => stepOf(i.stats, rss));
    const step = perInstance.reduce((a, b) => ((b.k6.cpu_cores ?? -1) > (a.k6.cpu_cores ?? -1) ? b : a));
    if (run.instances.length > 1) step.k6_instances = { count: run.instances.length, start_skew_ms: run.startSkewMs, cpu_cores: perInstance.map((p) => p.k6.cpu_cores) };
    if (!keep) for (const csv of run.files.csvs) rmSync(csv, { force: true });
    return step;
  } finally {
    await resources.stop();
  }
}

function stepLine(s: StepSummary): string {
  const k6 = s.k6.cpu_cores === null ? 'n/a' : `${s.k6.cpu_cores.toFixed(2)} cores`;
  return (
    `  ${String(s.users).padStart(5)} users: ${s.throughput_rps.toFixed(1)} req/s, mean ${s.latency_ms.avg.toFixed(1)} ms, p95 ${s.latency_ms.p95.toFixed(1)} ms, ` +
    `errors ${s.errors}, pacing ${s.pacing.toFixed(2)}, k6 ${k6}${s.k6_instances ? ` (busiest of ${s.k6_instances.count} instances, start skew ${s.k6_instances.start_skew_ms === null ? 'n/a' : `${s.k6_instances.start_skew_ms.toFixed(0)} ms`})` : ''}, lag ${s.vu_lag_ms ? `${s.vu_lag_ms.avg.toFixed(1)} ms` : 'n/a'}${s.notes.length ? ` [${s.notes.join('; ')}]` : ''}${s.saturated ? `  SATURATED — left out of the fit: ${s.saturation_reasons.join('; ')}` : ''}`
  );
}

/** What an earlier run recorded: its steps, its validation run (if any) and its settings. */
export interface RecordedRun {
  file: string;
  steps: StepSummary[];
  validation: StepSummary | null;
  config: { data_profile?: string; target_users?: number; rt_target_ms?: number; what_if_cores?: number | null; target?: string; k6_version?: string };
}

/** capacity.json when the folder has one (it holds the validation run too), else steps.json. */
function recordedFile(from: string): string {
  let isDir = false;
  try {
    isDir = statSync(from).isDirectory();
  } catch (err) {
    throw new CliError(`--from: cannot read ${from} (${(err as Error).message.split('\n')[0]})`);
  }
  if (!isDir) return from;
  for (const name of ['capacity.json', 'steps.json']) if (existsSync(path.join(from, name))) return path.join(from, name);
  throw new CliError(`--from: ${from} holds neither capacity.json nor steps.json (give a capacity report folder)`);
}

/** Recorded steps (and the validation run) from a capacity report folder, its capacity.json or its steps.json. */
export function readRecordedRun(from: string): RecordedRun {
  const file = recordedFile(from);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(`--from: cannot read ${file} (${(err as Error).message.split('\n')[0]})`);
  }
  const obj = Array.isArray(raw) ? undefined : (raw as Record<string, unknown> | null);
  const version = obj?.schema_version;
  const list = Array.isArray(raw) ? raw : obj?.steps;
  const parsed = StepSummary.array().min(1).safeParse(list);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    if (obj?.kind === 'capacity' && version !== CAPACITY_SCHEMA_VERSION) {
      throw new CliError(`--from: ${file} is a capacity model of schema v${String(version)}, and its steps do not read as this loadlab's (v${CAPACITY_SCHEMA_VERSION}) step summaries (${i.path.join('.') || 'root'}: ${i.message}), so nothing can be predicted from them`);
    }
    throw new CliError(`--from: ${file} holds no capacity step summaries (${i.path.join('.') || 'root'}: ${i.message})`);
  }
  const v = StepSummary.safeParse((obj?.validation as { step?: unknown } | null | undefined)?.step);
  const c = (obj?.config ?? {}) as RecordedRun['config'];
  return { file, steps: parsed.data, validation: v.success ? v.data : null, config: c };
}

/** Recorded step summaries from a steps.json or capacity.json of an earlier run. */
export function readRecordedSteps(file: string): StepSummary[] {
  return readRecordedRun(file).steps;
}

/**
 * --from: fit and report recorded steps again (another target, RT target or a newer model), no
 * k6. Settings not given on the command line come from the recording; a recorded validation run
 * is compared with the new prediction again.
 */
async function refitFrom(from: string, o: CapacityOptions, given: Set<string>): Promise<number> {
  const rec = readRecordedRun(from);
  const steps = rec.steps;
  const first = steps[0]!;
  if (steps.some((s) => s.think_time_ms !== first.think_time_ms)) throw new CliError(`--from: the steps in ${rec.file} had different think times; a capacity curve needs one`);
  const pick = <T>(flag: string, option: T, recorded: T | null | undefined): T => (given.has(flag) || recorded === undefined || recorded === null ? option : recorded);
  const targetUsers = pick('target-users', o['target-users'], rec.config.target_users);
  const dir = createReportDir('capacity');
  let model = buildCapacityModel({
    runId: path.basename(dir),
    createdAt: new Date().toISOString(),
    k6Version: rec.config.k6_version ? `${rec.config.k6_version} (recorded steps)` : 'recorded steps',
    target: `recorded steps from ${rec.file}${rec.config.target ? ` (run against ${rec.config.target})` : ''}`,
    targetIsOwnServer: false,
    steps,
    thinkMs: first.think_time_ms,
    rampUpS: first.ramp_up_s,
    holdS: first.hold_s,
    targetUsers,
    rtTargetMs: pick('rt-target', o['rt-target'], rec.config.rt_target_ms),
    seed: o.seed,
    dataProfile: rec.config.data_profile ?? 'unknown (recorded steps)',
    cores: pick('cores', o.cores, rec.config.what_if_cores ?? undefined),
  });
  if (rec.validation && rec.validation.users === targetUsers) model = withValidation(model, rec.validation);
  console.log(writeReport(dir, model));
  console.log(`report folder: ${path.relative(process.cwd(), dir) || dir}`);
  return nothingSaid(model);
}

/** Exit 2 with the one sentence when neither model can say anything about the target users. */
function nothingSaid(model: CapacityModel): number {
  if (model.headline.model !== 'none') return 0;
  console.error(model.headline.answer);
  return 2;
}

function writeReport(dir: string, model: CapacityModel): string {
  const text = renderCapacityReport(model);
  writeFilesAtomically(dir, { 'capacity.json': `${JSON.stringify(model, null, 2)}\n`, 'report.txt': text, 'report.html': renderCapacityHtmlPage(model) });
  return text;
}

/**
 * A capacity run cut by a signal: the completed steps are kept (steps.json) and modelled when there
 * are any; the report names the cut step. Exit EXIT_INTERRUPTED.
 */
function interruptedCapacity(
  dir: string,
  cut: Signalled,
  startedAt: string,
  cutStep: string | undefined,
  steps: StepSummary[],
  write: (m: CapacityModel) => string,
  build: () => CapacityModel,
): number {
  const info: Interruption = {
    ...interruptionOf(cut, startedAt, new Date().toISOString(), {}),
    completed: { requests: steps.reduce((a, s) => a + s.requests, 0), seconds: (Date.now() - Date.parse(startedAt)) / 1000 },
    cut_step: cutStep ?? 'none (between steps)',
    completed_steps: steps.map((s) => `step-${s.users}`),
  };
  writeFilesAtomically(dir, { 'steps.json': `${JSON.stringify(steps, null, 2)}\n` });
  let text: string;
  if (steps.length) {
    text = write({ ...build(), interruption: info });
  } else {
    text = [rule(), `LOADLAB CAPACITY REPORT  ${path.basename(dir)}`, rule(), '', ...capacityInterruptedLines(info), 'No step completed: there is nothing to model.', ''].join('\n');
    writeFilesAtomically(dir, { 'report.txt': text, 'capacity-interrupted.json': `${JSON.stringify({ interrupted: true, interruption: info }, null, 2)}\n` });
  }
  console.log(`\n${text}`);
  console.log(`report folder: ${path.relative(process.cwd(), dir) || dir}`);
  return EXIT_INTERRUPTED;
}

export const capacityCommand: Command = {
  interruptible: true,
  usage:
    '[--steps 25,50,100,200,400,800] [--think-time MS] [--step-duration D] [--ramp-up S] [--target-users 4000] [--rt-target MS] [--profile dev|stress] [--existing-data] [--warmup S] [--no-settle] [--cores N] [--validate] [--validate-duration D] [--target URL] [--force] [--keep-samples] [--dashboard] [--instances N] [--server-workers N] | --from REPORT_DIR|steps.json|capacity.json [--target-users N] [--rt-target MS] [--cores N]',
  async run(argv) {
    const o = parseOptions(
      argv,
      {
        steps: { type: 'string' },
        'think-time': { type: 'string' },
        'step-duration': { type: 'string' },
        'ramp-up': { type: 'string' },
        'target-users': { type: 'string' },
        'rt-target': { type: 'string' },
        validate: { type: 'boolean' },
        'validate-duration': { type: 'string' },
        target: { type: 'string' },
        force: { type: 'boolean' },
        'keep-samples': { type: 'boolean' },
        from: { type: 'string' },
        seed: { type: 'string' },
        profile: { type: 'string' },
        'existing-data': { type: 'boolean' },
        'no-settle': { type: 'boolean' },
        cores: { type: 'string' },
        warmup: { type: 'string' },
        dashboard: { type: 'boolean' },
        instances: { type: 'string' },
        ...SERVER_OPTIONS,
      },
      CapacityOptions,
    );
    if (o.from) return refitFrom(o.from, o, new Set(argv.filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')[0]!)));
    const steps = [...o.steps].sort((a, b) => a - b);
    checkInstances(o.instances, steps[0]!, 'users in the smallest step', o);
    const holdS = o['step-duration'];
    const rampUpS = o['ramp-up'];
    const scenarios = await buildScenarios();
    const script = scenarios.find((s) => s.name === 'capacity-step')!.file;
    const k6 = resolveK6();
    console.log(`k6 ${k6.version} (${k6.path})`);
    const dir = createReportDir('capacity');
    const dashboard = o.dashboard ? await openK6Dashboard() : undefined;

    const freshDatabase = o.target || o['existing-data'] ? undefined : { profile: o.profile };
    return usingLoadTarget({ target: o.target, force: o.force, seed: o.seed, logDir: dir, freshDatabase, serverWorkers: o['server-workers'] }, async (target) => {
      const pool = await buildDataPool(target.api, { seed: o.seed });
      console.log(
        `capacity steps ${steps.join(', ')} users against ${target.baseUrl}: think time ${o['think-time']} ms, ` +
          `each step ramp ${rampUpS} s + hold ${holdS} s`,
      );
      if (dashboard) console.log(dashboardLine(dashboard, dir));
      const runStartedAt = new Date().toISOString();
      let cutStep: string | undefined;
      if (o.warmup > 0) {
        // Caches, connections and the JIT warm up here, not in the first measured step.
        console.log(`warm-up: ${steps[0]} users for ${o.warmup} s (not measured)`);
        await runStep(k6, target, script, dir, pool, o, { users: steps[0]!, rampUpS: 1, holdS: Math.max(1, o.warmup - 1), label: 'warmup' }, false, dashboard);
        if (interruption()) cutStep = `warm-up (${steps[0]} users)`;
        await new Promise((r) => setTimeout(r, BETWEEN_STEPS_MS));
      }
      const summaries: StepSummary[] = [];
      for (const users of steps) {
        // Let the server drain whatever the previous step left queued before the next one starts.
        if (summaries.length) await new Promise((r) => setTimeout(r, BETWEEN_STEPS_MS));
        if (interruption()) break;
        const step = await runStep(k6, target, script, dir, pool, o, { users, rampUpS, holdS, label: `step-${users}` }, o['keep-samples'], dashboard);
        // A step cut by a signal did not hold its load: it is named, never modelled.
        if (!step) {
          cutStep = `step-${users} (${users} users)`;
          break;
        }
        summaries.push(step);
        console.log(stepLine(step));
        writeFileSync(path.join(dir, 'steps.json'), `${JSON.stringify(summaries, null, 2)}\n`);
      }
      const modelOf = () =>
        buildCapacityModel({
        runId: path.basename(dir),
        createdAt: new Date().toISOString(),
        k6Version: k6.version,
        target: target.baseUrl,
        targetIsOwnServer: target.ownServer,
        steps: summaries,
        thinkMs: o['think-time'],
        rampUpS,
        holdS,
        targetUsers: o['target-users'],
        rtTargetMs: o['rt-target'],
        seed: o.seed,
        dataProfile: freshDatabase ? freshDatabase.profile : o.target ? 'as found on the target' : 'existing data (--existing-data)',
        cores: o.cores,
      });
      // Weak evidence: one more step where the model says the bottleneck is ~60 % busy (settle-step.ts).
      // The model of the steps decides; it stands as the model unless a settling step is added.
      let ofSteps: CapacityModel | undefined;
      if (!interruption() && !o['no-settle'] && summaries.length) {
        ofSteps = modelOf();
        const settle = settleStep(ofSteps, o['target-users']);
        console.log(`settling step: ${settle.users === null ? `none (${settle.why})` : `${settle.users} users (${settle.why})`}`);
        if (settle.users !== null) {
          await new Promise((r) => setTimeout(r, BETWEEN_STEPS_MS));
          if (!interruption()) {
            const step = await runStep(k6, target, script, dir, pool, o, { users: settle.users, rampUpS, holdS, label: `step-${settle.users}` }, o['keep-samples'], dashboard);
            if (!step) cutStep = `step-${settle.users} (${settle.users} users, the settling step)`;
            else {
              step.notes.push('settling step (weak evidence: added by the run)');
              summaries.push(step);
              ofSteps = undefined;
              console.log(stepLine(step));
              writeFileSync(path.join(dir, 'steps.json'), `${JSON.stringify(summaries, null, 2)}\n`);
            }
          }
        }
      }
      const cut = interruption();
      if (cut) return interruptedCapacity(dir, cut, runStartedAt, cutStep, summaries, (m) => writeReport(dir, m), modelOf);
      let model = ofSteps ?? modelOf();
      let text = writeReport(dir, model);
      if (o.validate) {
        const vRamp = Math.max(rampUpS, 20);
        const vHold = o['validate-duration'] ?? Math.max(holdS, 60);
        console.log(`\n${text}`);
        console.log(`validation: ${o['target-users']} users for real (ramp ${vRamp} s + hold ${vHold} s) ...`);
        await new Promise((r) => setTimeout(r, BETWEEN_STEPS_MS));
        const step = await runStep(k6, target, script, dir, pool, o, { users: o['target-users'], rampUpS: vRamp, holdS: vHold, label: 'validate' }, o['keep-samples'], dashboard);
        const vcut = interruption();
        if (!step || vcut) {
          // The model of all steps stands; the validation run was cut.
          model = { ...model, interruption: { ...interruptionOf(vcut!, runStartedAt, new Date().toISOString(), {}), completed: { requests: summaries.reduce((a, s) => a + s.requests, 0), seconds: (Date.now() - Date.parse(runStartedAt)) / 1000 }, cut_step: `validate (${o['target-users']} users)`, completed_steps: summaries.map((s) => `step-${s.users}`) } };
          writeReport(dir, model);
          console.log(`\n${renderCapacityReport(model)}\nreport folder: ${path.relative(process.cwd(), dir) || dir}`);
          return EXIT_INTERRUPTED;
        }
        console.log(stepLine(step));
        model = withValidation(model, step);
        text = writeReport(dir, model);
        console.log(`\nValidation (a real run at ${step.users} users):\n${validationLines(model).join('\n')}`);
      } else {
        console.log(`\n${text}`);
      }
      console.log(`report folder: ${path.relative(process.cwd(), dir) || dir}`);
      return nothingSaid(model);
    });
  },
};
