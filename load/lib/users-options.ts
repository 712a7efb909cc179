// The command-line options of a users run: load's, and k6-operator's, which writes the same scenario
// for a cluster (what they turn into is load/users-run.ts).
import { z } from 'zod';
import { PATTERNS } from '../../scenarios/lib/patterns';
import { workersSchema } from '../../server/config';
import { instancesOption } from './k6-instances';
import { K6_OUT_OPTIONS, k6OutOption } from './k6-outputs';

const positive = (name: string) =>
  z.coerce.number({ error: `${name} must be a number` }).int(`${name} must be a whole number`).positive(`${name} must be at least 1`);

/** The options of a users run (also those of `loadlab k6-operator`), without cross-option rules. */
export const UsersRunOptions = z.object({
    users: positive('users').max(20_000, 'users must be at most 20000').optional(),
    ops: positive('ops').max(100_000, 'ops must be at most 100000').optional(),
    'think-time': z.coerce.number({ error: 'think time must be a number' }).int().min(0, 'think time must be 0 or more').default(100),
    'ramp-up': z.coerce.number({ error: 'ramp-up must be a number' }).min(0, 'ramp-up must be 0 or more').default(10),
    pattern: z.enum(PATTERNS, { error: `pattern must be one of ${PATTERNS.join(', ')}` }).default('distributed'),
    quick: z.boolean().default(false),
    stress: z.boolean().default(false),
    target: z.url({ error: 'target must be a URL like http://127.0.0.1:3000' }).optional(),
    export: z.string().optional(),
    force: z.boolean().default(false),
    duration: z.string().regex(/^\d+(ms|s|m|h)$/, 'duration must look like 90s, 10m or 1h').default('30m'),
    seed: z.coerce.number().int().min(0).default(46),
    dashboard: z.boolean().default(false),
    instances: instancesOption.default(1),
    'k6-out': k6OutOption,
});
const notQuickAndStress = (o: { quick: boolean; stress: boolean }) => !(o.quick && o.stress);
export const QUICK_AND_STRESS = { message: '--quick and --stress cannot be combined', path: ['quick'] };

/** --server-workers N of the commands that start their own server (load, level, gate, capacity). */
export const SERVER_OPTIONS = { 'server-workers': { type: 'string' } } as const;
/** load's --read-replica (own server on the embedded PostgreSQL plus a streaming replica of it). */
export const REPLICA_OPTIONS = { 'read-replica': { type: 'boolean' } } as const;
export const serverWorkersOption = workersSchema('server workers').default(1);

export const LoadOptions = UsersRunOptions.extend({ 'server-workers': serverWorkersOption, 'read-replica': z.boolean().default(false) }).refine(notQuickAndStress, QUICK_AND_STRESS);

/** Users and operations of a users run: given, or the --quick / --stress / default sizes. */
export function usersAndOps(o: Pick<z.infer<typeof UsersRunOptions>, 'users' | 'ops' | 'quick' | 'stress'>): { users: number; ops: number } {
  return { users: o.users ?? (o.quick ? 10 : o.stress ? 200 : 50), ops: o.ops ?? (o.quick ? 20 : o.stress ? 100 : 50) };
}

export const LOAD_OPTIONS = {
  users: { type: 'string' },
  ops: { type: 'string' },
  'think-time': { type: 'string' },
  'ramp-up': { type: 'string' },
  pattern: { type: 'string' },
  quick: { type: 'boolean' },
  stress: { type: 'boolean' },
  target: { type: 'string' },
  export: { type: 'string' },
  force: { type: 'boolean' },
  duration: { type: 'string' },
  seed: { type: 'string' },
  dashboard: { type: 'boolean' },
  instances: { type: 'string' },
  ...K6_OUT_OPTIONS,
} as const;
