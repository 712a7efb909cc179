// One capacity step: USERS virtual users held constant (executor constant-vus) for RAMP_UP_S +
// HOLD_S seconds. Each iteration is one operation of a read-mostly mix (member list, member
// detail, search, some create_member) followed by think time, so every step of a capacity run
// has the same per-user behaviour and only N changes. Users start spread over RAMP_UP_S; the
// harness measures only the steady-state window after it. Response bodies are discarded (the
// checks read status codes only) to keep k6 memory per VU small at thousands of VUs.
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import { Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { MEMBER_CLASSIFICATIONS, MEMBER_STATUSES, ROUTES } from './lib/domain';
import { readSettings } from './lib/config';
import { loadDataPool, pick } from './lib/data';
import { assertHealthy } from './lib/health';
import { createClient } from './lib/http';

const settings = readSettings();
const pool = loadDataPool(settings.dataFile);
const client = createClient(settings.baseUrl, settings.token);
const holdS = Number(__ENV.HOLD_S || '20');
/**
 * How late a user is against its own schedule, per iteration: time from the end of the request
 * to the end of the think time, minus the think time it meant to sleep. Near 0 when k6 keeps up;
 * grows when the generator is starved (VUs wake up late, JS waits for CPU).
 */
const vuLag = new Trend('vu_lag', true);

export const options: Options = {
  scenarios: {
    capacity_step: {
      executor: 'constant-vus',
      vus: settings.users,
      duration: `${settings.rampUpS + holdS}s`,
      // Requests still in flight at the end are cut off; they fall outside the measured window.
      gracefulStop: '0s',
    },
  },
  discardResponseBodies: true,
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(95)', 'p(99)'],
};

export function setup(): void {
  assertHealthy(settings.baseUrl);
}

/** Cumulative weights of the operation mix: 35% list, 35% detail, 20% search, 10% create. */
const MIX = [
  ['read_member_list', 0.35],
  ['read_member_detail', 0.7],
  ['search_members', 0.9],
  ['create_member', 1],
] as const;

function chooseOp(): (typeof MIX)[number][0] {
  const r = Math.random();
  for (const [op, upTo] of MIX) if (r < upTo) return op;
  return 'create_member';
}

export default function (): void {
  const vu = exec.vu.idInTest;
  const iter = exec.vu.iterationInScenario;
  // Stagger the start: user k begins at a uniformly random moment in the ramp window.
  if (iter === 0 && settings.rampUpS > 0) sleep(Math.random() * settings.rampUpS);
  const op = chooseOp();
  switch (op) {
    case 'read_member_list': {
      const res = client.request(op, 'GET', ROUTES.members, `/members?limit=20&offset=${Math.floor(Math.random() * 200)}`);
      check(res, { 'list 200': (r) => r.status === 200 });
      break;
    }
    case 'read_member_detail': {
      const res = client.request(op, 'GET', ROUTES.member, `/members/${pick(pool.memberIds)}`);
      check(res, { 'detail 200': (r) => r.status === 200 });
      break;
    }
    case 'search_members': {
      const kind = Math.floor(Math.random() * 3);
      const query =
        kind === 0
          ? `status=${pick(MEMBER_STATUSES)}`
          : kind === 1
            ? `classification=${pick(MEMBER_CLASSIFICATIONS)}`
            : `q=${encodeURIComponent(pick(pool.searchPrefixes))}`;
      const res = client.request(op, 'GET', ROUTES.members, `/members?limit=20&${query}`, { tags: { search: ['status', 'classification', 'name'][kind]! } });
      check(res, { 'search 200': (r) => r.status === 200 });
      break;
    }
    case 'create_member': {
      const name = pick(pool.names);
      const res = client.request(op, 'POST', ROUTES.members, '/members', {
        json: {
          member_number: `${settings.runTag}-${vu}-${iter}`,
          first_name: name.first_name,
          last_name: name.last_name,
          classification: 'apprentice_1',
        },
      });
      check(res, { 'create 201': (r) => r.status === 201 });
      break;
    }
  }
  const requested = Date.now();
  // Think time jittered like scenarios/lib/think.ts (uniform 0.5x–1.5x of the mean), drawn here
  // so the intended pause is known for the lag measurement.
  const pauseMs = settings.thinkTimeMs > 0 ? settings.thinkTimeMs * (0.5 + Math.random()) : 0;
  if (pauseMs > 0) sleep(pauseMs / 1000);
  vuLag.add(Math.max(0, Date.now() - requested - pauseMs), { op });
}

export function handleSummary(data: unknown): Record<string, string> {
  return { [settings.summaryFile]: JSON.stringify(data) };
}
