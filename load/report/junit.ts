// junit.xml: one test case per threshold (and one for lost writes), so CI systems show the gate.
import type { RunSummary } from './summary';
import { LABELS } from './assessment';

const x = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

export function renderJunit(s: RunSummary): string {
  const cases = s.thresholds.map((t) => {
    const name = `${LABELS[t.metric]} ${t.op} ${t.limit}`;
    const actual = t.actual === null ? 'not measured' : String(Number(t.actual.toFixed(3)));
    return t.pass
      ? `    <testcase classname="loadlab.${x(s.kind)}" name="${x(name)}"><system-out>actual ${x(actual)}</system-out></testcase>`
      : `    <testcase classname="loadlab.${x(s.kind)}" name="${x(name)}"><failure message="${x(`actual ${actual}`)}"/></testcase>`;
  });
  if (s.instances) {
    const name = `all ${s.instances.count} k6 instances reported, one result file each`;
    cases.push(
      s.instances.complete
        ? `    <testcase classname="loadlab.${x(s.kind)}" name="${x(name)}"/>`
        : `    <testcase classname="loadlab.${x(s.kind)}" name="${x(name)}"><failure message="${x(`INCOMPLETE: ${s.instances.problems.join('; ')}`)}"/></testcase>`,
    );
  }
  const failures = s.thresholds.filter((t) => !t.pass).length + (s.instances && !s.instances.complete ? 1 : 0);
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="loadlab ${x(s.kind)} ${x(s.run_id)}" tests="${cases.length}" failures="${failures}" time="${s.totals.duration_s.toFixed(3)}">
${cases.join('\n')}
  </testsuite>
</testsuites>
`;
}
