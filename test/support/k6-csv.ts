// Writes files in the exact layout of k6's `--out csv` (header, column order, `%f` values, tags
// in extra_tags), so the CSV -> result file path can be tested on samples whose exact answer is known.
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

export const K6_CSV_HEADER = 'metric_name,timestamp,metric_value,error_code,expected_response,method,name,scenario,status,extra_tags,metadata';

export interface CsvRequest {
  t: number;
  ms: number;
  status: number;
  op: string;
  name: string;
  scenario?: string;
  extra?: Record<string, string>;
}

export interface CsvMetric {
  metric: string;
  t: number;
  value: number;
  scenario?: string;
  tags?: Record<string, string>;
}

const extraTags = (t: Record<string, string>) =>
  Object.entries(t)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');

export function k6CsvText(requests: CsvRequest[], metrics: CsvMetric[] = [], common: Record<string, string> = {}): string {
  const lines = [K6_CSV_HEADER];
  for (const r of requests) {
    const method = r.name.split(' ')[0];
    const ok = r.status >= 200 && r.status < 400;
    lines.push(`http_req_duration,${r.t},${r.ms.toFixed(6)},,${ok},${method},${r.name},${r.scenario ?? 'users'},${r.status},${extraTags({ ...common, op: r.op, ...r.extra })},`);
  }
  for (const m of metrics) lines.push(`${m.metric},${m.t},${m.value.toFixed(6)},,,,,${m.scenario ?? 'users'},,${extraTags({ ...common, ...m.tags })},`);
  return `${lines.join('\n')}\n`;
}

export function writeK6Csv(file: string, requests: CsvRequest[], metrics: CsvMetric[] = [], common: Record<string, string> = {}): void {
  const text = k6CsvText(requests, metrics, common);
  writeFileSync(file, file.endsWith('.gz') ? gzipSync(text) : text);
}
