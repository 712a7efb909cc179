// Plain-text formatting shared by every part that prints tables (the load reports, the capacity
// report, the database-care output). Lives outside load/ and maintenance/ so both may use it; like
// server/domain it imports nothing.
export const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)} ms` : 'n/a');
export const int = (v: number) => Math.round(v).toLocaleString('en-US');
export const pct = (v: number, digits = 2) => `${v.toFixed(digits)}%`;
export const rule = (ch = '=', width = 72) => ch.repeat(width);

/** Aligned columns (first row = header when `headerRule`, which adds a dashed line under it). */
export function table(rows: string[][], align: ('l' | 'r')[] = [], o: { headerRule?: boolean } = {}): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((cell, c) => ((align[c] ?? 'l') === 'r' ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  const lines = rows.map(line);
  if (o.headerRule) lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return lines.join('\n');
}
