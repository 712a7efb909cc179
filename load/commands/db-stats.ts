// loadlab db-stats: what the data costs on disk — per table exact rows, total / table / index size,
// bytes per row, and the totals (the numbers the old system's report showed but could not produce).
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../server/db/schema';
import { parseOptions } from '../lib/args';
import { CliError } from '../lib/cli-error';
import type { Command } from '../lib/command';
import { describeConnectionError, usingDatabaseTarget, usingMigratedDb } from '../lib/database-target';

export interface TableStats {
  table: string;
  rows: number;
  totalBytes: number;
  tableBytes: number;
  indexBytes: number;
  /** total bytes / rows (null for an empty table). */
  bytesPerRow: number | null;
}

export interface DbStats {
  database: string;
  databaseBytes: number;
  tables: TableStats[];
  totals: Omit<TableStats, 'table'>;
}

/** Stats of every ordinary table in the current schema, largest first. */
export async function collectDbStats(db: Kysely<Database>): Promise<DbStats> {
  const tables = await sql<{ table: string; total_bytes: number; table_bytes: number; index_bytes: number }>`
    select c.relname as table,
           pg_total_relation_size(c.oid) as total_bytes,
           pg_table_size(c.oid) as table_bytes,
           pg_indexes_size(c.oid) as index_bytes
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p') and n.nspname = current_schema()
     order by pg_total_relation_size(c.oid) desc, c.relname`.execute(db);
  const out: TableStats[] = [];
  for (const t of tables.rows) {
    const counted = await sql<{ n: number }>`select count(*) as n from ${sql.table(t.table)}`.execute(db);
    const rows = Number(counted.rows[0]!.n);
    const totalBytes = Number(t.total_bytes);
    out.push({
      table: t.table,
      rows,
      totalBytes,
      tableBytes: Number(t.table_bytes),
      indexBytes: Number(t.index_bytes),
      bytesPerRow: rows > 0 ? Math.round(totalBytes / rows) : null,
    });
  }
  const sum = (k: 'rows' | 'totalBytes' | 'tableBytes' | 'indexBytes') => out.reduce((a, t) => a + t[k], 0);
  const info = await sql<{ name: string; bytes: number }>`select current_database() as name, pg_database_size(current_database()) as bytes`.execute(db);
  const rows = sum('rows');
  return {
    database: info.rows[0]!.name,
    databaseBytes: Number(info.rows[0]!.bytes),
    tables: out,
    totals: {
      rows,
      totalBytes: sum('totalBytes'),
      tableBytes: sum('tableBytes'),
      indexBytes: sum('indexBytes'),
      bytesPerRow: rows > 0 ? Math.round(sum('totalBytes') / rows) : null,
    },
  };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[u]}`;
}

export function renderDbStats(s: DbStats): string {
  const head = ['table', 'rows', 'total', 'table', 'indexes', 'bytes/row', '% of total'];
  const pct = (b: number) => (s.totals.totalBytes > 0 ? `${((100 * b) / s.totals.totalBytes).toFixed(1)}%` : '-');
  const line = (name: string, t: Omit<TableStats, 'table'>) => [
    name,
    t.rows.toLocaleString('en-US'),
    formatBytes(t.totalBytes),
    formatBytes(t.tableBytes),
    formatBytes(t.indexBytes),
    t.bytesPerRow === null ? '-' : t.bytesPerRow.toLocaleString('en-US'),
    pct(t.totalBytes),
  ];
  const body = [...s.tables.map((t) => line(t.table, t)), line('TOTAL', s.totals)];
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [
    `database ${s.database}: ${formatBytes(s.databaseBytes)} on disk`,
    fmt(head),
    rule,
    ...body.slice(0, -1).map(fmt),
    rule,
    fmt(body[body.length - 1]!),
  ].join('\n');
}

export const dbStatsCommand: Command = {
  usage: '[--json]',
  async run(argv) {
    const o = parseOptions(argv, { json: { type: 'boolean' } }, z.object({ json: z.boolean().default(false) }));
    return usingDatabaseTarget(async ({ url }) => {
      const stats = await usingMigratedDb(url, collectDbStats).catch((err: unknown) => {
        throw new CliError(describeConnectionError(url, err));
      });
      console.log(o.json ? JSON.stringify(stats, null, 2) : renderDbStats(stats));
      return 0;
    }, o.json ? () => {} : console.log);
  },
};
