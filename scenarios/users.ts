// Realistic users: USERS virtual users each perform exactly OPS operations (one request per
// iteration), start evenly spread over RAMP_UP_S, and think between operations. PATTERN picks the
// kind of user (read-heavy, write-heavy, mixed, file users) or the distributed 50/20/25/5 split.
import { sleep } from 'k6';
import exec from 'k6/execution';
import type { Options } from 'k6/options';
import { readSettings } from './lib/config';
import { loadDataPool } from './lib/data';
import { assertHealthy } from './lib/health';
import { createClient } from './lib/http';
import { newUserState, runOperation, type OpContext, type UserState } from './lib/ops';
import { chooseOperation, kindOfUser, splitUsers, weightTable, type Pattern, type UserKind } from './lib/patterns';
import { rampUpDelayS, thinkTime } from './lib/think';

const settings = readSettings();
const pattern = (__ENV.PATTERN || 'distributed') as Pattern;
const tagVu = __ENV.TAG_VU === '1';
const uploadBytes = Number(__ENV.UPLOAD_BYTES || 16_384);
// `random` (default): weighted choice per operation. `cycle`: each user walks its kind's
// operations in order (starting at its own offset) — reproducible sequences for tests.
const cycle = __ENV.OP_SELECTION === 'cycle';
const pool = loadDataPool(settings.dataFile);
const client = createClient(settings.baseUrl, settings.token);
const split = splitUsers(pattern, settings.users);

export const options: Options = {
  scenarios: {
    users: {
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

// Per-VU state (module scope is per VU in k6).
let user: UserState | undefined;
let ctx: OpContext | undefined;
let table: ReturnType<typeof weightTable> | undefined;
let upload: string | undefined;

export default function (): void {
  const vu = exec.vu.idInTest;
  const iter = exec.vu.iterationInScenario;
  if (!user) {
    const kind: UserKind = kindOfUser(vu, split);
    user = newUserState(vu, settings.runTag);
    table = weightTable(kind);
    const tags: Record<string, string> = { user_kind: kind };
    if (tagVu) tags.vu = String(vu);
    ctx = {
      client,
      pool,
      user,
      tags,
      uploadBody: () => (upload ??= 'x'.repeat(uploadBytes)),
    };
  }
  if (iter === 0) sleep(rampUpDelayS(vu, settings.users, settings.rampUpS));
  const op = cycle ? table!.ops[(vu + iter) % table!.ops.length]! : chooseOperation(table!, Math.random());
  runOperation(op, ctx!);
  if (iter < settings.ops - 1) thinkTime(settings.thinkTimeMs);
}

export function handleSummary(data: unknown): Record<string, string> {
  return { [settings.summaryFile]: JSON.stringify(data) };
}
