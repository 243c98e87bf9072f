import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The monorepo root: the nearest folder above this file that holds turbo.json. */
export function repoRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'turbo.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root (turbo.json)');
    dir = up;
  }
  return dir;
}

const intFrom = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const dir = z
  .string()
  .min(1)
  .transform((p) => path.resolve(p));

const RedisUrlSchema = z
  .string()
  .refine((s) => /^rediss?:\/\/[^\s]+$/.test(s), 'must look like redis://host:port or rediss://host:port');

/**
 * Callback hosts allowed even when they resolve to private, loopback or link-local addresses: hostnames or IPs,
 * comma-separated, `*` for all. The web app checks a callbackUrl against it when a job is submitted and the worker
 * again when it connects, so both processes must get the same value. Parsed to a lower-case list.
 */
const CallbackAllowHostsSchema = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((h) =>
        h
          .trim()
          .toLowerCase()
          .replace(/^\[|\]$/g, ''),
      )
      .filter(Boolean),
  );

/** Variables every process that talks to the queue reads. */
const CommonEnvSchema = z.object({
  REDIS_URL: RedisUrlSchema.default('redis://127.0.0.1:6379'),
  /** Namespaces every BullMQ key; tests use a unique one each, two deployments may share a Redis with different ones. */
  UNWARP_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only')
    .default('unwarp'),
  UNWARP_DATA_DIR: dir.optional(),
  /** Part of every analysis id: change it when the model changes so old results are not served as new ones. */
  UNWARP_MODEL_TAG: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/)
    .default('unwarp-base'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Job options are set by the producer, so these live here, not in the worker schema. */
  UNWARP_JOB_ATTEMPTS: intFrom(1, 20).default(3),
  UNWARP_BACKOFF_MS: intFrom(10, 600_000).default(2_000),
});

export const WorkerEnvSchema = CommonEnvSchema.extend({
  UNWARP_MODEL_DIR: dir.optional(),
  UNWARP_BACKEND: z.string().optional(),
  /** XNNPACK threads of each sandbox's wasm backend; default the cores shared out between the sandboxes. */
  UNWARP_WASM_THREADS: intFrom(1, 64).optional(),
  /** Jobs at once per worker process; each runs in its own sandbox process holding its own model. */
  UNWARP_WORKER_CONCURRENCY: intFrom(1, 256).optional(),
  /** Port of /healthz and /metrics; 0 picks a free one (tests). */
  UNWARP_METRICS_PORT: intFrom(0, 65535).default(9464),
  UNWARP_LOCK_DURATION_MS: intFrom(1_000, 600_000).default(30_000),
  UNWARP_STALLED_INTERVAL_MS: intFrom(500, 600_000).default(30_000),
  UNWARP_MAX_STALLED_COUNT: intFrom(0, 10).default(1),
  /** How long SIGTERM waits for running jobs before giving them back to the queue. */
  UNWARP_SHUTDOWN_GRACE_MS: intFrom(0, 600_000).default(25_000),
  UNWARP_CALLBACK_TIMEOUT_MS: intFrom(100, 60_000).default(5_000),
  /** Webhook deliveries are tried this many times, with exponential backoff (1 s, 4 s, 16 s, …). */
  UNWARP_CALLBACK_TRIES: intFrom(1, 10).default(3),
  /**
   * Signs every webhook delivery (X-Unwarp-Timestamp, X-Unwarp-Signature: HMAC-SHA256, see @unwarp/jobs webhook.ts).
   * Unset or empty: deliveries are sent unsigned.
   */
  UNWARP_WEBHOOK_SECRET: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().min(16, 'use at least 16 random characters, e.g. `openssl rand -hex 32`').optional(),
  ),
  UNWARP_CALLBACK_ALLOW_HOSTS: CallbackAllowHostsSchema,
});

export const WebEnvSchema = CommonEnvSchema.extend({
  PORT: intFrom(1, 65535).default(3000),
  UNWARP_MAX_UPLOAD_BYTES: intFrom(1, 1 << 30).default(32 * 1024 * 1024),
  UNWARP_MAX_BATCH_FILES: intFrom(1, 10_000).default(1_000),
  UNWARP_CALLBACK_ALLOW_HOSTS: CallbackAllowHostsSchema,
});

/** The start script (scripts/start.ts). */
export const StartEnvSchema = CommonEnvSchema.extend({
  REDIS_URL: RedisUrlSchema.optional(),
  UNWARP_WORKERS: intFrom(0, 64).default(1),
  UNWARP_REDIS_PORT: intFrom(1, 65535).default(6379),
  UNWARP_WEB: z.enum(['auto', 'off']).default('auto'),
});

export type WorkerEnv = z.infer<typeof WorkerEnvSchema> & { dataDir: string; concurrency: number; wasmThreads: number };
export type WebEnv = z.infer<typeof WebEnvSchema> & { dataDir: string };
export type StartEnv = z.infer<typeof StartEnvSchema> & { dataDir: string };

export class ConfigError extends Error {
  readonly retry = false;
  constructor(
    readonly processName: string,
    readonly issues: string[],
  ) {
    super(`invalid ${processName} configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Variables whose value never appears in an error message (only its length does). */
const SECRETS = new Set(['UNWARP_WEBHOOK_SECRET']);

function parse<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv, name: string): z.infer<S> {
  const r = schema.safeParse(env);
  if (r.success) return r.data;
  throw new ConfigError(
    name,
    r.error.issues.map((i) => {
      const key = i.path.join('.');
      const value = !(key in env)
        ? ''
        : SECRETS.has(key)
          ? ` (got ${String(env[key]).length} characters)`
          : ` (got ${JSON.stringify(String(env[key]).slice(0, 80))})`;
      return `${key}: ${i.message}${value}`;
    }),
  );
}

const defaultDataDir = () => path.join(repoRoot(), 'data');

export function parseWorkerEnv(env: NodeJS.ProcessEnv = process.env): WorkerEnv {
  const e = parse(WorkerEnvSchema, env, 'worker');
  const gpu = (e.UNWARP_BACKEND ?? '').trim().toLowerCase() === 'gpu';
  // On CPU one job per core; on a GPU one at a time, the device is the bottleneck and memory is scarce.
  const concurrency = e.UNWARP_WORKER_CONCURRENCY ?? (gpu ? 1 : availableParallelism());
  return {
    ...e,
    dataDir: e.UNWARP_DATA_DIR ?? defaultDataDir(),
    concurrency,
    // Sandboxes running side by side share the cores rather than each spinning a thread per core.
    wasmThreads: e.UNWARP_WASM_THREADS ?? Math.max(1, Math.floor(availableParallelism() / concurrency)),
  };
}

export function parseWebEnv(env: NodeJS.ProcessEnv = process.env): WebEnv {
  const e = parse(WebEnvSchema, env, 'web');
  return { ...e, dataDir: e.UNWARP_DATA_DIR ?? defaultDataDir() };
}

export function parseStartEnv(env: NodeJS.ProcessEnv = process.env): StartEnv {
  const e = parse(StartEnvSchema, env, 'start');
  return { ...e, dataDir: e.UNWARP_DATA_DIR ?? defaultDataDir() };
}

/**
 * For a process's entry point: parse once at boot; on a bad value print what is wrong and exit 1, before anything
 * connects or loads a model.
 */
export function loadOrExit<T>(parseFn: (env: NodeJS.ProcessEnv) => T, env: NodeJS.ProcessEnv = process.env): T {
  try {
    return parseFn(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\nFix the environment variables above and start again.\n`);
    process.exit(1);
  }
}
