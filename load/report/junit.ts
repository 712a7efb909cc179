// junit.xml: one test case per threshold (and one for lost writes), one per operation (its requests
// answered without failure), and with a --baseline one per operation "not slower than baseline"
// (compare.ts's verdict), so CI systems show the gate case by case.
import type { Comparison } from './compare';
import type { RunSummary } from './summary';
import { LABELS } from './assessment';

const x = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

const testcase = (kind: string, name: string, failure?: string, out?: string, skipped?: string) =>
  `    <testcase classname="loadlab.${x(kind)}" name="${x(name)}">${failure === undefined ? '' : `<failure message="${x(failure)}"/>`}${skipped === undefined ? '' : `<skipped message="${x(skipped)}"/>`}${out ? `<system-out>${x(out)}</system-out>` : ''}</testcase>`;

export function renderJunit(s: RunSummary, comparison?: Comparison): string {
  const cases: { xml: string; failed: boolean; skipped?: boolean }[] = [];
  const add = (name: string, failure: string | undefined, out?: string) => cases.push({ xml: testcase(s.kind, name, failure, out), failed: failure !== undefined });
  for (const t of s.thresholds) {
    const actual = t.actual === null ? 'not measured' : String(Number(t.actual.toFixed(3)));
    add(`${LABELS[t.metric]} ${t.op} ${t.limit}`, t.pass ? undefined : `actual ${actual}`, t.pass ? `actual ${actual}` : undefined);
  }
  if (s.instances) {
    add(`all ${s.instances.count} k6 instances reported, one result file each`, s.instances.complete ? undefined : `INCOMPLETE: ${s.instances.problems.join('; ')}`);
  }
  for (const o of s.operations) {
    const stats = `${o.count} requests, p50 ${o.latency_ms.med.toFixed(2)} ms, p95 ${o.latency_ms.p95.toFixed(2)} ms, p99 ${o.latency_ms.p99.toFixed(2)} ms`;
    add(`operation ${o.op}: every request answered without failure`, o.errors ? `${o.errors} of ${o.count} requests failed` : undefined, stats);
  }
  if (comparison) {
    for (const o of comparison.operations) {
      const name = `operation ${o.op}: not slower than baseline ${comparison.a.run_id}`;
      const out = `${o.verdict}${o.reasons.length ? `: ${o.reasons.join('; ')}` : ''}`;
      // too noisy to judge: neither passed nor failed (noise alone does not fail the gate), so skipped
      if (o.verdict === 'too noisy to judge') cases.push({ xml: testcase(s.kind, name, undefined, out, 'too noisy to judge'), failed: false, skipped: true });
      else add(name, o.verdict === 'slower' ? `slower: ${o.reasons.join('; ')}` : undefined, out);
    }
  }
  if (s.interrupted && s.interruption) {
    const i = s.interruption;
    const msg = `INTERRUPTED by ${i.signal} ${i.after_s.toFixed(1)} s into the run: ${i.completed.requests}${i.requested.requests === null ? '' : ` of ${i.requested.requests}`} requests${i.cut_step ? `; cut step ${i.cut_step}` : ''}`;
    cases.unshift({ xml: `    <testcase classname="loadlab.${x(s.kind)}" name="run completed"><failure type="interrupted" message="${x(msg)}"/></testcase>`, failed: true });
  }
  if (s.faults?.server_exit) {
    const e = s.faults.server_exit;
    cases.unshift({ xml: `    <testcase classname="loadlab.${x(s.kind)}" name="API server stayed up"><failure type="fault" message="${x(`the API server died ${e.after_s.toFixed(1)} s into the run: ${e.how}`)}"/></testcase>`, failed: true });
  }
  const failures = cases.filter((c) => c.failed).length;
  const skipped = cases.filter((c) => c.skipped).length;
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="loadlab ${x(s.kind)} ${x(s.run_id)}" tests="${cases.length}" failures="${failures}"${skipped ? ` skipped="${skipped}"` : ''} time="${s.totals.duration_s.toFixed(3)}">
${cases.map((c) => c.xml).join('\n')}
  </testsuite>
</testsuites>
`;
}
