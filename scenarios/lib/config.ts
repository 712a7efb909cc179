// Run settings handed to k6 by the harness through environment variables (__ENV), parsed once
// in the init context.
export interface RunSettings {
  baseUrl: string;
  token: string;
  dataFile: string;
  runTag: string;
  users: number;
  ops: number;
  thinkTimeMs: number;
  rampUpS: number;
  maxDuration: string;
  summaryFile: string;
}

function num(name: string, def: number): number {
  const v = __ENV[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got ${v}`);
  return n;
}

export function readSettings(): RunSettings {
  return {
    baseUrl: __ENV.BASE_URL || 'http://127.0.0.1:3000',
    token: __ENV.API_TOKEN || '',
    dataFile: __ENV.DATA_FILE || '',
    runTag: __ENV.RUN_TAG || 'run',
    users: num('USERS', 5),
    ops: num('OPS', 10),
    thinkTimeMs: num('THINK_TIME_MS', 100),
    rampUpS: num('RAMP_UP_S', 0),
    maxDuration: __ENV.MAX_DURATION || '10m',
    summaryFile: __ENV.SUMMARY_FILE || 'k6-summary.json',
  };
}
