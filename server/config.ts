// One place where the environment becomes a typed, validated Config.
// Everything the server reads from the environment is named and checked here.
import { availableParallelism } from 'node:os';
import { z } from 'zod';

/** Most processes `WORKERS` / `--workers` may ask for: four per core of this machine. */
export const MAX_WORKERS = availableParallelism() * 4;

/** The workers option (env WORKERS, CLI --workers / --server-workers): 1 .. parallelism × 4. */
export const workersSchema = (name = 'workers') =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(1, `${name} must be at least 1`)
    .max(MAX_WORKERS, `${name} must be at most ${MAX_WORKERS} (4 per core of this machine's ${availableParallelism()})`);

/** An empty variable is an unset one (compose passes `${X:-}` through as ''). */
const optionalUrl = (message: string) => z.preprocess((v) => (v === '' ? undefined : v), z.string().url(message).optional());

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(def);

export const ConfigSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().default('127.0.0.1'),
    PORT: int(3000, 0, 65535),
    API_TOKEN: z.string().min(16, 'API_TOKEN must be at least 16 characters').optional(),
    DATABASE_URL: z.string().url('DATABASE_URL must be a postgres:// URL'),
    DATABASE_READ_URL: optionalUrl('DATABASE_READ_URL must be a postgres:// URL'),
    /** Processes sharing the port (node:cluster); 1 = this process serves alone. */
    WORKERS: workersSchema('WORKERS').default(1),
    /** Replica lag over this: reads go to the primary and /health says degraded (server/db/read-replica.ts). */
    REPLICA_MAX_LAG_MS: int(5_000, 1),
    /** How often the replay position of the replica is compared with the primary's. */
    REPLICA_POLL_MS: int(100, 10, 60_000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

    // Pool (node-postgres). Times in milliseconds.
    DB_POOL_MAX: int(20, 1, 1000),
    DB_IDLE_TIMEOUT_MS: int(10_000),
    DB_CONNECT_TIMEOUT_MS: int(3_000, 100),
    DB_MAX_LIFETIME_S: int(3_600),
    DB_STATEMENT_TIMEOUT_MS: int(10_000),

    // Read-through cache for hot reads.
    CACHE_ENABLED: bool.default(true),
    CACHE_TTL_MS: int(30_000, 1),
    CACHE_MAX_ENTRIES: int(20_000, 1),

    // Rate limiting: 0 = off (the loopback harness default).
    RATE_LIMIT_MAX: int(0),
    RATE_LIMIT_WINDOW_MS: int(60_000, 1),

    // Load shedding (under-pressure): 0 disables a limit.
    SHED_MAX_EVENT_LOOP_DELAY_MS: int(1_000),
    SHED_MAX_EVENT_LOOP_UTILIZATION: z.coerce.number().min(0).max(1).default(0.98),

    // Files.
    FILES_DIR: z.string().default('.data/files'),
    MAX_UPLOAD_BYTES: int(25 * 1024 * 1024, 1),
  })
  .superRefine((c, ctx) => {
    if (c.NODE_ENV === 'production' && !c.API_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['API_TOKEN'],
        message: 'API_TOKEN is required when NODE_ENV=production',
      });
    }
  });

export type Config = z.infer<typeof ConfigSchema> & { API_TOKEN: string };

/** Parse an environment into a Config; throws one readable error naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new Error(`invalid configuration: ${lines.join('; ')}`);
  }
  if (!parsed.data.API_TOKEN) {
    throw new Error('invalid configuration: API_TOKEN is not set (run `loadlab serve`, which generates one into .env)');
  }
  return parsed.data as Config;
}

export const VERSION = '0.1.0';
