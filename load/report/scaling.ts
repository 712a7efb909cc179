import { readLatestCapacityModel, type CapacityModel } from '../capacity/capacity-model';
import { scalingSummaryLines } from '../capacity/capacity-text-report';
import { utilisations, type ResourceUse } from './assessment';

// "Scaling to 4,000 Users" of a load report. A capacity model (loadlab capacity) answers the
// question only for the workload it measured: it is quoted when its operation mix, think time and
// data profile match this run; otherwise the section says which of them differ and gives the run's
// own answer: Little's law (what 4,000 users would demand) and the Utilization Law on the run's own
// resources (the most used resource's ceiling). Never the old `users × 100 / avg_ms` formula.
// An arrival-rate run (level) has no users and no think time: what 4,000 users demand is then not
// computed; the section gives the ceiling and the think time at which 4,000 users would reach it.
export interface ScalingSection {
  method: 'littles_law_one_run' | 'capacity_model';
  target_users: number;
  lines: string[];
  required_rps?: number;
  demonstrated_rps: number;
}

export interface RunFigures {
  users: number;
  throughputRps: number;
  meanResponseMs: number;
  thinkTimeMs: number;
  /** set for an arrival-rate run (constant-arrival-rate): `users` are pre-allocated VUs, not users */
  arrivalRateRps?: number;
  targetUsers?: number;
  /** the run's workload, for the match with a capacity model: mix (scenario + pattern) and data profile */
  mix?: string;
  dataProfile?: string;
  resources?: ResourceUse;
}

/** The data profile a run's "data" line names (dev / stress), or 'unknown'. */
export function profileOf(data: string): string {
  const m = /^(dev|stress) profile/.exec(data) ?? /(?:^|\s)(dev|stress) profile/.exec(data);
  return m ? m[1]! : 'unknown';
}

/** Why a capacity model does not answer for this run (empty when it does). */
export function mismatches(m: CapacityModel, run: RunFigures): string[] {
  const out: string[] = [];
  if (run.mix !== undefined && run.mix !== m.config.mix) out.push(`operation mix differs (model: ${m.config.mix}; this run: ${run.mix})`);
  if (m.config.think_time_ms !== run.thinkTimeMs) out.push(`think time differs (model: ${m.config.think_time_ms} ms; this run: ${run.thinkTimeMs} ms)`);
  const runProfile = run.dataProfile ?? 'unknown';
  if (runProfile === 'unknown' || m.config.data_profile !== runProfile) out.push(`data profile differs (model: ${m.config.data_profile}; this run: ${runProfile})`);
  return out;
}

/** The section from a matching capacity model, with this run beside it. */
export function scalingFromCapacityModel(modelLines: string[], run: RunFigures): ScalingSection {
  const lines = modelLines.map((l) => l.replace(/^ {2}/, ''));
  lines.push(`This run (${run.users} users, think time ${run.thinkTimeMs} ms) measured ${run.throughputRps.toFixed(1)} ops/s at a mean ${run.meanResponseMs.toFixed(1)} ms.`);
  return { method: 'capacity_model', target_users: run.targetUsers ?? 4000, lines, demonstrated_rps: run.throughputRps };
}

const rps = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });

/** The most used resource's ceiling from one run (a lower bound: the idle baseline is inside U). */
function oneRunCeiling(o: RunFigures) {
  const top = o.resources?.samples && o.throughputRps > 0 ? utilisations(o.resources)[0] : undefined;
  return top && top.share > 0 ? { top, ceiling: o.throughputRps / top.share } : undefined;
}

/** An arrival-rate run: no users, no think time, so no "required" rate for 4,000 users. */
function scalingFromArrivalRateRun(o: RunFigures & { arrivalRateRps: number }, why: string[]): ScalingSection {
  const target = o.targetUsers ?? 4000;
  const lines: string[] = [...why];
  lines.push(
    `Measured: an arrival-rate run at ${o.arrivalRateRps} requests/s, ${o.throughputRps.toFixed(1)} ops/s delivered, mean response ${o.meanResponseMs.toFixed(1)} ms ` +
      `(${o.users} virtual users pre-allocated; requests are not tied to users, so there is no think time).`,
  );
  lines.push(
    `What ${target.toLocaleString('en-US')} users demand depends on how long they think between requests, which this run does not have: with think time Z they demand ${target.toLocaleString('en-US')} / (R + Z) ops/s (Little's law).`,
  );
  const c = oneRunCeiling(o);
  if (c) {
    const minThinkS = target / c.ceiling - o.meanResponseMs / 1000;
    lines.push(
      `This run's own resources: ${c.top.resource} was ${(100 * c.top.share).toFixed(0)}% used at ${o.throughputRps.toFixed(1)} ops/s (${c.top.detail}); by the Utilization Law it runs out at no less than ~${rps(c.ceiling)} ops/s ` +
        `(one run cannot separate its idle baseline, so this is a lower bound on the ceiling). ${target.toLocaleString('en-US')} users stay below that bound when each thinks at least ${minThinkS.toFixed(1)} s between requests.`,
    );
  }
  lines.push('For the user question, run `loadlab load --users N --think-time MS` (a closed loop of users) or `loadlab capacity` (stepped runs, resource demands, mean value analysis and the USL, checked with --validate).');
  return { method: 'littles_law_one_run', target_users: target, lines, demonstrated_rps: o.throughputRps };
}

export function scalingFromOneRun(o: RunFigures, why: string[] = []): ScalingSection {
  if (o.arrivalRateRps !== undefined) return scalingFromArrivalRateRun({ ...o, arrivalRateRps: o.arrivalRateRps }, why);
  const target = o.targetUsers ?? 4000;
  const cycleS = (o.meanResponseMs + o.thinkTimeMs) / 1000;
  const lines: string[] = [...why];
  lines.push(`Measured: ${o.users} users, ${o.throughputRps.toFixed(1)} ops/s, mean response ${o.meanResponseMs.toFixed(1)} ms, think time ${o.thinkTimeMs} ms.`);
  if (cycleS <= 0) {
    lines.push('No response or think time measured: nothing can be said about other user counts.');
    return { method: 'littles_law_one_run', target_users: target, lines, demonstrated_rps: o.throughputRps };
  }
  const required = target / cycleS;
  lines.push(
    `Little's law (X = N / (R + Z)): ${target.toLocaleString('en-US')} users with the same think time and the same response time generate ${rps(required)} ops/s, ${(required / Math.max(o.throughputRps, 1e-9)).toFixed(1)}x what this run drove.`,
  );
  const c = oneRunCeiling(o);
  if (c) {
    const { top, ceiling } = c;
    lines.push(
      `This run's own resources: ${top.resource} was ${(100 * top.share).toFixed(0)}% used at ${o.throughputRps.toFixed(1)} ops/s (${top.detail}); by the Utilization Law it runs out at no less than ~${rps(ceiling)} ops/s ` +
        `(one run cannot separate its idle baseline, so this is a lower bound on the ceiling), ${ceiling >= required ? 'above' : 'below'} the ${rps(required)} ops/s that ${target.toLocaleString('en-US')} users would demand.`,
    );
  }
  lines.push(
    `This run shows the API handles ${o.throughputRps.toFixed(1)} ops/s at ${o.meanResponseMs.toFixed(1)} ms; it does not show whether it reaches ${rps(required)} ops/s, nor how response time grows on the way.`,
  );
  lines.push('For a prediction, run `loadlab capacity` with this workload (resource demands, mean value analysis and the USL from stepped runs, checked with --validate).');
  return { method: 'littles_law_one_run', target_users: target, lines, required_rps: required, demonstrated_rps: o.throughputRps };
}

/** The latest capacity model for the target in `reportsRoot` when it matches the run, else the run's own answer. */
export function scalingSection(reportsRoot: string, run: RunFigures): ScalingSection {
  const latest = readLatestCapacityModel(reportsRoot, run.targetUsers ?? 4000);
  if (!latest) return scalingFromOneRun(run);
  const why = mismatches(latest.model, run);
  if (why.length) return scalingFromOneRun(run, [`The latest capacity model (${latest.dir.split('/').pop()}) does not answer for this run: ${why.join('; ')}.`]);
  return scalingFromCapacityModel(scalingSummaryLines(latest.model, latest.dir.split('/').pop()), run);
}
