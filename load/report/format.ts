// Small formatting helpers shared by the text reports.
export const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)} ms` : 'n/a');
export const int = (v: number) => Math.round(v).toLocaleString('en-US');
export const pct = (v: number, digits = 2) => `${v.toFixed(digits)}%`;
export const rule = (ch = '=', width = 72) => ch.repeat(width);

export function table(rows: string[][], align: ('l' | 'r')[] = []): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) => r.map((cell, c) => ((align[c] ?? 'l') === 'r' ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd())
    .join('\n');
}
