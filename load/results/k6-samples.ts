// Reads k6's raw CSV output (one row per metric sample) and keeps one record per HTTP request:
// time, duration, status, op, route template, and whether it failed. Everything the reports say
// about requests is computed from these, failures included.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';

export interface RequestSample {
  /** ms since epoch */
  t: number;
  /** http_req_duration, ms */
  ms: number;
  status: number;
  op: string;
  name: string;
  scenario: string;
  failed: boolean;
  errorCode: string;
  /** The user's kind (read_heavy, …) and, when the run tagged it, the VU number. */
  userKind?: string;
  vu?: number;
}

export interface K6Samples {
  requests: RequestSample[];
  /** Other metrics: name -> samples (t, value, tags). Only the ones the caller asked for. */
  metrics: Map<string, { t: number; value: number; tags: Record<string, string> }[]>;
}

function parseExtraTags(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!s) return out;
  for (const part of s.split('&')) {
    const i = part.indexOf('=');
    if (i > 0) out[decodeURIComponent(part.slice(0, i))] = decodeURIComponent(part.slice(i + 1));
  }
  return out;
}

/** Split one CSV line (k6 quotes fields containing commas). */
export function splitCsv(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** One CSV row: an HTTP request (http_req_duration) or a sample of another metric. */
export type K6Row =
  | { kind: 'request'; request: RequestSample; extra: Record<string, string> }
  | { kind: 'metric'; metric: string; t: number; value: number; tags: Record<string, string> };

/** The lines of a k6 CSV file (gunzipped when it ends in .gz, as k6 writes `--out csv=x.csv.gz`). */
function csvLines(file: string) {
  const input = createReadStream(file);
  return createInterface({ input: file.endsWith('.gz') ? input.pipe(createGunzip()) : input, crlfDelay: Infinity });
}

/**
 * Streams the rows of a k6 CSV without keeping them: every http_req_duration row, and rows of the
 * other metrics named in `keepMetrics`. Memory does not grow with the file.
 */
export async function forEachK6Row(file: string, keepMetrics: Iterable<string>, cb: (row: K6Row) => void): Promise<void> {
  let header: string[] | undefined;
  let col: Record<string, number> = {};
  const keep = new Set(keepMetrics);
  for await (const line of csvLines(file)) {
    if (!header) {
      header = line.split(',');
      col = Object.fromEntries(header.map((h, i) => [h, i]));
      continue;
    }
    if (!line) continue;
    const comma = line.indexOf(',');
    const metric = line.slice(0, comma);
    if (metric !== 'http_req_duration' && !keep.has(metric)) continue;
    const f = splitCsv(line);
    const extra = parseExtraTags(f[col.extra_tags!] ?? '');
    const t = Number(f[col.timestamp!]);
    const value = Number(f[col.metric_value!]);
    if (metric === 'http_req_duration') {
      const status = Number(f[col.status!] || 0);
      cb({
        kind: 'request',
        extra,
        request: {
          t,
          ms: value,
          status,
          op: extra.op ?? 'untagged',
          name: f[col.name!] ?? '',
          scenario: f[col.scenario!] ?? '',
          // expected_response is k6's own verdict (2xx/3xx by default); status 0 = no response.
          failed: f[col.expected_response!] !== 'true',
          errorCode: f[col.error_code!] ?? '',
          userKind: extra.user_kind,
          vu: extra.vu === undefined ? undefined : Number(extra.vu),
        },
      });
    } else {
      cb({ kind: 'metric', metric, t, value, tags: { ...extra, name: f[col.name!] ?? '', status: f[col.status!] ?? '', scenario: f[col.scenario!] ?? '' } });
    }
  }
}

/** All request records of a k6 CSV in memory (raw-sample consumers: capacity steps, tests). */
export async function readK6Csv(file: string, keepMetrics: string[] = []): Promise<K6Samples> {
  const requests: RequestSample[] = [];
  const metrics = new Map<string, { t: number; value: number; tags: Record<string, string> }[]>();
  await forEachK6Row(file, keepMetrics, (row) => {
    if (row.kind === 'request') {
      requests.push(row.request);
      return;
    }
    const list = metrics.get(row.metric) ?? [];
    list.push({ t: row.t, value: row.value, tags: row.tags });
    metrics.set(row.metric, list);
  });
  return { requests, metrics };
}
