// Smoke scenario: proves the pipe end to end with three operations (list, detail, create), each
// a tagged request named by its route template. Every user does exactly OPS operations.
import { check } from 'k6';
import exec from 'k6/execution';
import type { Options } from 'k6/options';
import { ROUTES } from '../server/domain/routes';
import { readSettings } from './lib/config';
import { loadDataPool, pick } from './lib/data';
import { assertHealthy } from './lib/health';
import { createClient } from './lib/http';
import { rampUpDelayS, thinkTime } from './lib/think';
import { sleep } from 'k6';

const settings = readSettings();
const pool = loadDataPool(settings.dataFile);
const client = createClient(settings.baseUrl, settings.token);

export const options: Options = {
  scenarios: {
    smoke: {
      executor: 'per-vu-iterations',
      vus: settings.users,
      iterations: settings.ops,
      maxDuration: settings.maxDuration,
    },
  },
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(95)', 'p(99)'],
};

export function setup(): void {
  assertHealthy(settings.baseUrl);
}

const OPS = ['read_member_list', 'read_member_detail', 'create_member'] as const;

export default function (): void {
  const vu = exec.vu.idInTest;
  const iter = exec.vu.iterationInScenario;
  if (iter === 0) sleep(rampUpDelayS(vu, settings.users, settings.rampUpS));
  const op = OPS[(vu + iter) % OPS.length]!;
  switch (op) {
    case 'read_member_list': {
      const res = client.request(op, 'GET', ROUTES.members, `/members?limit=20&offset=${Math.floor(Math.random() * 200)}`);
      check(res, { 'list 200': (r) => r.status === 200 });
      break;
    }
    case 'read_member_detail': {
      const id = pick(pool.memberIds);
      const res = client.request(op, 'GET', ROUTES.member, `/members/${id}`);
      check(res, { 'detail 200': (r) => r.status === 200 });
      break;
    }
    case 'create_member': {
      const name = pick(pool.names);
      const res = client.request(op, 'POST', ROUTES.members, '/members', {
        member_number: `${settings.runTag}-${vu}-${iter}`,
        first_name: name.first_name,
        last_name: name.last_name,
        classification: 'apprentice_1',
      });
      check(res, { 'create 201': (r) => r.status === 201 });
      break;
    }
  }
  if (iter < settings.ops - 1) thinkTime(settings.thinkTimeMs);
}

export function handleSummary(data: unknown): Record<string, string> {
  return { [settings.summaryFile]: JSON.stringify(data) };
}
