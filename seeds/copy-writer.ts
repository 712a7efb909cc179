// Streams generated rows into PostgreSQL with COPY (text format) through pg-copy-streams. Rows are
// encoded in ~64 KB chunks pulled lazily by the stream, so JavaScript generates the next chunk
// while PostgreSQL ingests the previous one, and backpressure keeps memory flat.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

export type CopyValue = string | number | boolean | null | undefined | readonly string[];

const NEEDS_ESCAPE_ALL = /[\\\n\r\t]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeText(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92 || c === 9 || c === 10 || c === 13) return s.replace(NEEDS_ESCAPE_ALL, (ch) => ESCAPES[ch]!);
  }
  return s;
}

/** A PostgreSQL array literal of text elements: {"a","b \"c\""}. */
export function arrayLiteral(items: readonly string[]): string {
  return `{${items.map((s) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

/** One value in COPY text format (\N for null). */
export function encodeCopyValue(v: CopyValue): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'string') return escapeText(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError(`cannot COPY a non-finite number: ${v}`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 't' : 'f';
  return escapeText(arrayLiteral(v));
}

export function encodeCopyRow(row: readonly CopyValue[]): string {
  let line = encodeCopyValue(row[0]);
  for (let i = 1; i < row.length; i++) line += `\t${encodeCopyValue(row[i])}`;
  return `${line}\n`;
}

export interface TableSource {
  table: string;
  columns: readonly string[];
  rows: Iterable<readonly CopyValue[]>;
}

export interface CopyOptions {
  /** COPY … FREEZE: allowed when the table was truncated in the same transaction. */
  freeze?: boolean;
  /** Called with the running row count after each chunk. */
  onProgress?: (rows: number) => void;
  chunkBytes?: number;
}

/** COPY every row of `source` into its table on `client`; resolves with the row count. */
export async function copyRows(client: pg.ClientBase, source: TableSource, opts: CopyOptions = {}): Promise<number> {
  const chunkBytes = opts.chunkBytes ?? 64 * 1024;
  let count = 0;
  function* chunks(): Generator<string> {
    let buf = '';
    for (const row of source.rows) {
      buf += encodeCopyRow(row);
      count++;
      if (buf.length >= chunkBytes) {
        opts.onProgress?.(count);
        yield buf;
        buf = '';
      }
    }
    if (buf) yield buf;
    opts.onProgress?.(count);
  }
  const columns = source.columns.map((c) => `"${c}"`).join(', ');
  const sql = `copy "${source.table}" (${columns}) from stdin${opts.freeze ? ' with (freeze)' : ''}`;
  await pipeline(Readable.from(chunks()), client.query(copyFrom(sql)));
  return count;
}
