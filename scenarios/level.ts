// Fixed-rate levels: a constant arrival rate of RATE requests/s for DURATION (constant-arrival-rate,
// not VU ramps), one request per iteration, no think time. The mix is read-mostly with a hot set of
// popular members, the traffic a member database sees when everyone looks up the same people.
import exec from 'k6/execution';
import type { Options } from 'k6/options';
import { readSettings } from './lib/config';
import { loadDataPool } from './lib/data';
import { assertHealthy } from './lib/health';
import { createClient } from './lib/http';
import { newUserState, runOperation, type OpContext } from './lib/ops';
import type { Operation } from './lib/patterns';

const settings = readSettings();
const rate = Number(__ENV.RATE || 100);
const duration = __ENV.DURATION || '60s';
const preAllocatedVUs = Number(__ENV.PRE_VUS || rate);
const maxVUs = Number(__ENV.MAX_VUS || 2 * rate);
const hotSet = Number(__ENV.HOT_SET || 200);
// Warm-up: the same rate for WARMUP_S seconds before the measured window (cold cache, pool still
// growing, JIT). Its requests are tagged scenario=warmup; the harness reports them separately.
const warmupS = Number(__ENV.WARMUP_S || 0);
const fullPool = loadDataPool(settings.dataFile);
const client = createClient(settings.baseUrl, settings.token);

/** Level mix (percent): popular-member lookups, list pages, searches, new members. */
export const LEVEL_MIX: [Operation, number][] = [
  ['read_member_detail', 85],
  ['read_member_list', 5],
  ['search_members', 5],
  ['create_member', 5],
];

const arrival = { executor: 'constant-arrival-rate' as const, rate, timeUnit: '1s', preAllocatedVUs, maxVUs };

export const options: Options = {
  scenarios: {
    ...(warmupS > 0 ? { warmup: { ...arrival, duration: `${warmupS}s` } } : {}),
    level: { ...arrival, duration, startTime: `${warmupS}s` },
  },
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(95)', 'p(99)'],
};

export function setup(): void {
  assertHealthy(settings.baseUrl);
}

let ctx: OpContext | undefined;

export default function (): void {
  if (!ctx) {
    const pool = { ...fullPool, memberIds: fullPool.memberIds.slice(0, hotSet) };
    ctx = { client, pool, user: newUserState(exec.vu.idInTest, settings.runTag), tags: { user_kind: 'level' }, uploadBody: () => '' };
  }
  let x = Math.random() * 100;
  for (const [op, w] of LEVEL_MIX) {
    if (x < w) return runOperation(op, ctx);
    x -= w;
  }
}

export function handleSummary(data: unknown): Record<string, string> {
  return { [settings.summaryFile]: JSON.stringify(data) };
}
