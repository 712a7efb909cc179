// How a comparison (compare.ts) is shown: a text table for the terminal, a Markdown table for a PR
// comment or $GITHUB_STEP_SUMMARY, and JSON. The numbers are the comparison's; nothing is computed here.
import { table } from '../../common/text-format';
import { criterionLine, type Comparison, type OpComparison } from './compare';
import type { Interval } from './significance';

const signed = (v: number, d = 2) => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(d)}` : 'n/a');
const fixed = (v: number | undefined, d = 2) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d));
const interval = (i: Interval | undefined, d = 2) => (i ? `${signed(i.delta, d)} [${signed(i.lo, d)}, ${signed(i.hi, d)}]` : '');

function cells(o: OpComparison): string[] {
  const m = (k: 'p50' | 'p95' | 'p99') => (o.a && o.b ? `${fixed(o.a[k])} → ${fixed(o.b[k])}` : '-');
  return [
    o.op,
    o.a && o.b ? `${o.a.n} / ${o.b.n}` : '-',
    m('p50'),
    interval(o.latency?.p50),
    m('p95'),
    interval(o.latency?.p95),
    m('p99'),
    interval(o.latency?.p99),
    o.a && o.b ? `${fixed(o.a.error_pct)} → ${fixed(o.b.error_pct)}` : '-',
    interval(o.error_pct),
    o.verdict.toUpperCase() === 'SLOWER' ? 'SLOWER' : o.verdict,
  ];
}

const HEAD = ['operation', 'requests A / B', 'p50 ms A → B', 'Δp50 [CI]', 'p95 ms A → B', 'Δp95 [CI]', 'p99 ms A → B', 'Δp99 [CI]', 'errors % A → B', 'Δ pp [CI]', 'verdict'];

function headLines(c: Comparison): string[] {
  return [
    `A: ${c.a.run_id} (${c.a.kind}, ${c.a.users} users, k6 ${c.a.k6})`,
    `B: ${c.b.run_id} (${c.b.kind}, ${c.b.users} users, k6 ${c.b.k6})`,
    `method: ${c.method} (blocks: A ${c.block_seconds.a} s, B ${c.block_seconds.b} s)`,
    criterionLine(c.settings),
  ];
}

export function verdictLine(c: Comparison): string {
  const noisy = c.noisy.length ? `; too noisy to judge: ${c.noisy.join(', ')}` : '';
  if (c.slower.length) return `SLOWER: ${c.slower.join(', ')}${noisy}`;
  if (c.faster.length) return `faster: ${c.faster.join(', ')}; nothing slower${noisy}`;
  if (c.noisy.length) return `no significant change; too noisy to judge (rerun both on a quieter machine): ${c.noisy.join(', ')}`;
  return 'no significant change on any operation';
}

export function renderComparisonText(c: Comparison): string {
  const lines = headLines(c);
  for (const r of c.refusals) lines.push(`NOT COMPARABLE: ${r}`);
  for (const w of c.warnings) lines.push(`warning: ${w}`);
  lines.push('', table([HEAD, ...c.operations.map(cells)].map((r, i) => (i === 0 ? r : r)), ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l']));
  for (const o of c.operations) if (o.reasons.length && o.verdict !== 'no significant change') lines.push(`  ${o.op}: ${o.verdict} — ${o.reasons.join('; ')}`);
  lines.push('', verdictLine(c));
  return lines.join('\n');
}

const md = (s: string) => s.replace(/\|/g, '\\|');

export function renderComparisonMarkdown(c: Comparison): string {
  const lines = [`### loadlab compare: ${md(verdictLine(c))}`, '', ...headLines(c).map((l) => `${md(l)}  `), ''];
  for (const r of c.refusals) lines.push(`> **NOT COMPARABLE:** ${md(r)}  `);
  for (const w of c.warnings) lines.push(`> warning: ${md(w)}  `);
  if (c.refusals.length || c.warnings.length) lines.push('');
  lines.push(`| ${HEAD.join(' | ')} |`, `|${HEAD.map((_h, i) => (i === 0 || i === HEAD.length - 1 ? ':--' : '--:')).join('|')}|`);
  for (const o of c.operations) {
    const row = cells(o).map(md);
    if (o.verdict === 'slower') row[row.length - 1] = '**SLOWER**';
    lines.push(`| ${row.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

export function comparisonJson(c: Comparison): string {
  return `${JSON.stringify({ format: 'loadlab-compare', version: 1, verdict: verdictLine(c), ...c }, null, 2)}\n`;
}
