// Reads k6's raw CSV output (one row per metric sample) and keeps one record per HTTP request:
// time, duration, status, op, route template, and whether it failed. Everything the reports say
// about requests is computed from these, failures included.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

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

export async function readK6Csv(file: string, keepMetrics: string[] = []): Promise<K6Samples> {
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let header: string[] | undefined;
  let col: Record<string, number> = {};
  const keep = new Set(keepMetrics);
  const requests: RequestSample[] = [];
  const metrics = new Map<string, { t: number; value: number; tags: Record<string, string> }[]>();
  for await (const line of rl) {
    if (!header) {
      header = line.split(',');
      col = Object.fromEntries(header.map((h, i) => [h, i]));
      continue;
    }
    const comma = line.indexOf(',');
    const metric = line.slice(0, comma);
    if (metric !== 'http_req_duration' && !keep.has(metric)) continue;
    const f = splitCsv(line);
    const extra = parseExtraTags(f[col.extra_tags!] ?? '');
    const t = Number(f[col.timestamp!]);
    const value = Number(f[col.metric_value!]);
    if (metric === 'http_req_duration') {
      const status = Number(f[col.status!] || 0);
      requests.push({
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
      });
    } else {
      const list = metrics.get(metric) ?? [];
      list.push({ t, value, tags: { ...extra, name: f[col.name!] ?? '', status: f[col.status!] ?? '', scenario: f[col.scenario!] ?? '' } });
      metrics.set(metric, list);
    }
  }
  return { requests, metrics };
}
