import { Redis, type RedisOptions } from 'ioredis';
import { RedisUnavailableError, redactUrl } from './errors.ts';

/**
 * Producer connection (web app, CLI): fail fast. With the offline queue off, a command while Redis is down errors
 * at once instead of hanging a web request; reconnection keeps going in the background so the next call can succeed.
 */
export function createProducerConnection(redisUrl: string, opts: RedisOptions = {}): Redis {
  const redis = new Redis(redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    ...opts,
  });
  // Without a listener ioredis prints every failed reconnect; callers see RedisUnavailableError instead.
  redis.on('error', () => {});
  return redis;
}

/**
 * Worker / QueueEvents connection: BullMQ requires `maxRetriesPerRequest: null` for blocking commands, and a
 * worker should ride out a Redis restart rather than crash.
 */
export function createWorkerConnection(redisUrl: string, opts: RedisOptions = {}): Redis {
  const redis = new Redis(redisUrl, {
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(times * 250, 3_000),
    ...opts,
  });
  redis.on('error', () => {});
  return redis;
}

/** One PING on a throw-away connection: is a Redis answering at this URL? Never throws. */
export async function isRedisReachable(redisUrl: string, timeoutMs = 1_500): Promise<boolean> {
  const r = new Redis(redisUrl, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
  });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** Resolves when the connection is usable, or throws RedisUnavailableError after `timeoutMs`. */
export async function ensureReady(redis: Redis, redisUrl: string, timeoutMs = 3_000): Promise<void> {
  if (redis.status === 'ready') return;
  if (redis.status === 'end' || redis.status === 'close') {
    // A closed client after an outage: nudge it, the retry strategy may be between attempts.
    redis.connect().catch(() => {});
  }
  let lastError: unknown;
  await new Promise<void>((resolve, reject) => {
    const onReady = () => done();
    const onError = (err: unknown) => {
      lastError = err;
    };
    const timer = setTimeout(
      () => done(new RedisUnavailableError(redisUrl, lastError ?? new Error(`no connection within ${timeoutMs} ms`))),
      timeoutMs,
    );
    const done = (err?: Error) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      if (err) reject(err);
      else resolve();
    };
    redis.on('ready', onReady);
    redis.on('error', onError);
  });
}

/** Turns ioredis's "Stream isn't writeable…" and friends into one clear error. */
export async function withRedis<T>(
  redis: Redis,
  redisUrl: string,
  fn: () => Promise<T>,
  timeoutMs?: number,
): Promise<T> {
  await ensureReady(redis, redisUrl, timeoutMs);
  try {
    return await fn();
  } catch (err) {
    if (isConnectionError(err)) throw new RedisUnavailableError(redisUrl, err);
    throw err;
  }
}

function isConnectionError(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : String(err);
  return /Stream isn't writeable|Connection is closed|ECONNREFUSED|ETIMEDOUT|max retries per request|ENOTFOUND|EHOSTUNREACH/i.test(
    msg,
  );
}

export type RedisServerCheck = { maxmemoryPolicy?: string; appendonly?: string; version?: string; warnings: string[] };

/**
 * BullMQ's production advice: AOF on and `maxmemory-policy noeviction` (an evicted job key is a lost job).
 * Managed Redis often forbids CONFIG: then we say we could not check instead of failing.
 */
export async function checkRedisServer(redis: Redis, redisUrl: string): Promise<RedisServerCheck> {
  const out: RedisServerCheck = { warnings: [] };
  try {
    const info = await redis.info('server');
    out.version = /redis_version:(\S+)/.exec(info)?.[1];
  } catch {
    // INFO is optional for the check.
  }
  try {
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const [, aof] = (await redis.config('GET', 'appendonly')) as string[];
    out.maxmemoryPolicy = policy;
    out.appendonly = aof;
    if (policy !== 'noeviction')
      out.warnings.push(
        `Redis at ${redactUrl(redisUrl)} has maxmemory-policy=${policy}: under memory pressure it may evict job keys and lose jobs; set it to noeviction`,
      );
    if (aof !== 'yes')
      out.warnings.push(
        `Redis at ${redactUrl(redisUrl)} has appendonly=${aof}: queued jobs are lost if it restarts; turn AOF on (appendonly yes)`,
      );
  } catch (err) {
    out.warnings.push(
      `could not read Redis settings with CONFIG GET (${(err as Error).message}); make sure maxmemory-policy is noeviction and AOF is on`,
    );
  }
  return out;
}
