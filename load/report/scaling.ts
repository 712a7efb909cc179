import { readLatestCapacityModel } from '../capacity/capacity-model';
import { scalingSummaryLines } from '../capacity/capacity-text-report';

// "Scaling to 4,000 Users" from one run, with Little's law only: what the run demonstrated and
// what 4,000 users would require. One run cannot say whether the server reaches that; the
// capacity model (loadlab capacity) can. Never the old `users × 100 / avg_ms` formula.
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
  targetUsers?: number;
}

/** The section from the latest capacity model for the same target users, with this run beside it. */
export function scalingFromCapacityModel(modelLines: string[], run: RunFigures): ScalingSection {
  const lines = modelLines.map((l) => l.replace(/^ {2}/, ''));
  lines.push(
    `This run (${run.users} users, think time ${run.thinkTimeMs} ms) measured ${run.throughputRps.toFixed(1)} ops/s at a mean ${run.meanResponseMs.toFixed(1)} ms; the model above was fitted to the capacity run's own steps (its think time may differ from this run's).`,
  );
  return { method: 'capacity_model', target_users: run.targetUsers ?? 4000, lines, demonstrated_rps: run.throughputRps };
}

export function scalingFromOneRun(o: RunFigures): ScalingSection {
  const target = o.targetUsers ?? 4000;
  const cycleS = (o.meanResponseMs + o.thinkTimeMs) / 1000;
  const lines: string[] = [];
  lines.push(`Measured: ${o.users} users, ${o.throughputRps.toFixed(1)} ops/s, mean response ${o.meanResponseMs.toFixed(1)} ms, think time ${o.thinkTimeMs} ms.`);
  if (cycleS <= 0) {
    lines.push('No response or think time measured: nothing can be said about other user counts.');
    return { method: 'littles_law_one_run', target_users: target, lines, demonstrated_rps: o.throughputRps };
  }
  const required = target / cycleS;
  lines.push(
    `Little's law (X = N / (R + Z)): ${target.toLocaleString('en-US')} users with the same think time and the same response time generate ${required.toFixed(0)} ops/s, ${(required / Math.max(o.throughputRps, 1e-9)).toFixed(1)}x what this run drove.`,
  );
  lines.push(
    `This run shows the API handles ${o.throughputRps.toFixed(1)} ops/s at ${o.meanResponseMs.toFixed(1)} ms; it does not show whether it reaches ${required.toFixed(0)} ops/s, nor how response time grows on the way.`,
  );
  lines.push('For a prediction, run `loadlab capacity` (fits the Universal Scalability Law to stepped runs and checks it with --validate).');
  return { method: 'littles_law_one_run', target_users: target, lines, required_rps: required, demonstrated_rps: o.throughputRps };
}


/** The latest capacity model for the target in `reportsRoot` when there is one, else Little's law on this run. */
export function scalingSection(reportsRoot: string, run: RunFigures): ScalingSection {
  const latest = readLatestCapacityModel(reportsRoot, run.targetUsers ?? 4000);
  if (!latest) return scalingFromOneRun(run);
  return scalingFromCapacityModel(scalingSummaryLines(latest.model, latest.dir.split('/').pop()), run);
}
