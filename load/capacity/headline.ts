// Which model answers "what happens at the target users": the demand model when the steps
// measured resources (it sees limits the steps never reached), the USL only within 2× the
// largest measured step (beyond that its extrapolation is labelled unreliable), neither when
// both are missing. The answer in words carries bands, the first resource to saturate and the
// next one, and says when the evidence is weak — never a number that was not computed.
import { int } from '../../common/text-format';
import type { DemandSection } from './demand-prediction';
import type { StepSummary } from './step-summary';

/** Beyond this multiple of the largest measured step a USL extrapolation is called unreliable. */
export const USL_RELIABLE_FACTOR = 2;

interface HeadlineInput {
  config: { target_users: number; rt_target_ms: number; think_time_ms: number };
  fit: { ok: true; sigma: number; kappa: number } | { ok: false; reason: string };
  prediction: { throughput_rps: number; throughput_band: [number, number] | null; response_ms: number; response_band: [number, number] | null; largest_measured_users: number } | null;
  demand: DemandSection;
  steps: StepSummary[];
}

export interface Headline {
  model: 'demand' | 'usl' | 'none';
  reason: string;
  answer: string;
  notes: string[];
}

/** A figure in words: never "0.00" for something small but computed, never NaN. */
export const f0 = (v: number) => (!Number.isFinite(v) ? 'n/a' : v >= 100 ? int(v) : v >= 10 ? v.toFixed(1) : v >= 0.01 ? v.toFixed(2) : '< 0.01');
const band = (b: [number, number] | null, unit: string) => (b ? ` (band ${f0(b[0])}–${f0(b[1])}${unit})` : ' (no band: too few steps for a standard error)');

export function chooseHeadline(m: HeadlineInput): Headline {
  const n = m.config.target_users;
  const rt = m.config.rt_target_ms;
  const notes: string[] = [];
  const largest = m.prediction?.largest_measured_users ?? Math.max(0, ...m.steps.filter((s) => !s.saturated).map((s) => s.users));
  const factor = largest > 0 ? n / largest : Infinity;
  const uslReliable = m.fit.ok && m.prediction !== null && factor <= USL_RELIABLE_FACTOR;
  if (m.config.think_time_ms === 0) {
    notes.push(`think time 0: every user always has a request in flight, so ${int(n)} "users" here means ${int(n)} concurrent requests, not ${int(n)} people who pause between requests`);
  }
  if (m.fit.ok && m.prediction && !uslReliable) {
    notes.push(`the USL was fitted to steps up to ${int(largest)} users; ${int(n)} users is ${factor.toFixed(1)}× that, beyond ${USL_RELIABLE_FACTOR}×: its extrapolation is unreliable (a curve fitted where nothing saturated cannot see a limit)`);
  }
  if (m.demand.ok) {
    const d = m.demand;
    const p = d.prediction;
    const first = d.saturations[0];
    const next = d.saturations[1];
    const held = p.meets_rt_target;
    let answer =
      `${int(n)} users: ${held ? 'held' : 'not held'} — predicted mean ${f0(p.mean_ms)} ms${band(p.mean_band, ' ms')} against the ${int(rt)} ms target, ` +
      `p95 ${f0(p.p95_ms)} ms${band(p.p95_band, ' ms')}, ${f0(p.throughput_rps)} req/s${band(p.throughput_band, ' req/s')}`;
    if (first) {
      const at80 = first.users80 === null ? `beyond ${int(d.curve_users)}` : `~${int(first.users80)}`;
      answer += `; breaks at ~${int(first.users100)} users on ${first.resource} (80% at ${at80} users${first.users100 <= n ? `, below the ${int(n)} asked about` : ''})`;
      if (next) answer += `, then ${next.resource} (~${int(next.users100)} users)`;
    } else {
      answer += '; no modelled resource saturates';
    }
    answer += '.';
    if (d.evidence.weak) {
      const share = d.evidence.max_share === null ? 'an unmeasured share' : `at most ${(100 * d.evidence.max_share).toFixed(0)}%`;
      answer +=
        ` Weak evidence: the steps reached ${share} of ${d.evidence.bottleneck}'s capacity (largest step ${int(d.evidence.largest_step)} users), so the demands are extrapolated; ` +
        `the bound X ≤ ${f0(d.bounds.x_max)} req/s holds regardless${d.evidence.settle_users ? `, and a step at ~${int(d.evidence.settle_users)} users (about 60% of it) would settle it` : ''}.`;
    }
    let reason = `the demand model decides: it is built from what each step used of the CPU, the event loop and the pool, so it sees where they run out even beyond the steps`;
    if (uslReliable && m.prediction) {
      const [lowX, highX] = p.throughput_band ?? [p.throughput_rps, p.throughput_rps];
      const ux = m.prediction.throughput_rps;
      if (ux < lowX * 0.97) {
        notes.push(
          `the USL (within ${USL_RELIABLE_FACTOR}× the steps) predicts less throughput, ${f0(ux)} req/s: contention (σ) or coherency (κ) costs that resource demands do not show; the lower figure is the safer one`,
        );
        return { model: 'usl', reason: `the USL decides: within ${USL_RELIABLE_FACTOR}× the measured steps it sees contention the demands do not show, and predicts less than the demand model's band`, answer: uslAnswer(m, notes), notes };
      }
      if (ux > highX * 1.03) {
        reason += `; the USL predicts more, ${f0(ux)} req/s, above the demand model's band (${f0(lowX)}–${f0(highX)} req/s): its curve does not know the resource limits, so the demand model's lower figure stands`;
      } else {
        reason += `; the USL agrees: ${f0(ux)} req/s, within the demand model's band (${f0(lowX)}–${f0(highX)} req/s, ±3%)`;
      }
    }
    return { model: 'demand', reason, answer, notes };
  }
  notes.push(`no demand model: ${m.demand.reason}`);
  if (uslReliable) return { model: 'usl', reason: `the USL decides: no resource demands, and ${int(n)} users is within ${USL_RELIABLE_FACTOR}× the largest step`, answer: uslAnswer(m, notes), notes };
  const why = !m.fit.ok ? `the USL could not be fitted (${m.fit.reason})` : `the USL extrapolation is unreliable this far out`;
  return { model: 'none', reason: `nothing decides: ${m.demand.reason}; ${why}`, answer: `${int(n)} users: cannot be predicted from these steps — ${m.demand.reason}, and ${why}.`, notes };
}

function uslAnswer(m: HeadlineInput, notes: string[]): string {
  const p = m.prediction!;
  const n = m.config.target_users;
  const held = p.response_ms <= m.config.rt_target_ms;
  const r = p.response_ms > 0.05 ? `mean ${f0(p.response_ms)} ms${band(p.response_band, ' ms')}` : 'a mean response time too small to compute from N/X − Z (the fitted throughput leaves no measurable time for responses)';
  if (p.response_ms <= 0.05) notes.push('the USL gives response time only through Little\'s law R = N/X − Z, which cannot resolve times this small');
  return `${int(n)} users: ${held ? 'held' : 'not held'} — predicted ${r}, ${f0(p.throughput_rps)} req/s${band(p.throughput_band, ' req/s')} (USL; no p95: the USL predicts throughput only).`;
}
