// "Scaling to 4,000 Users" for load reports from the latest capacity model: the same shape as the
// one-run Little's-law answer (load/report/scaling.ts), with method 'capacity_model', so a load
// report can prefer the fitted model when `loadlab capacity` has made one for the same target.
import type { ScalingFromOneRun } from '../report/scaling';
import { readLatestCapacityModel } from './capacity-model';
import { scalingSummaryLines } from './capacity-text-report';

export function scalingFromCapacityModel(reportsDir: string, targetUsers: number): ScalingFromOneRun | undefined {
  const latest = readLatestCapacityModel(reportsDir, targetUsers);
  if (!latest) return undefined;
  const { model, prediction } = latest;
  const measured = model.steps.filter((s) => !s.saturated).map((s) => s.throughput_rps);
  return {
    method: 'capacity_model',
    target_users: targetUsers,
    lines: scalingSummaryLines(model, latest.dir).map((l) => l.trim()),
    ...(prediction ? { required_rps: prediction.throughput_rps } : {}),
    demonstrated_rps: measured.length ? Math.max(...measured) : 0,
  };
}
