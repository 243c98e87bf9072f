import type { Redis } from 'ioredis';

export type RateDecision = { allowed: boolean; limit: number; remaining: number; resetSeconds: number };

/**
 * Fixed one-minute window per subject in Redis (INCR + PEXPIRE in one MULTI): shared by every web process,
 * survives restarts, costs one round trip.
 */
export async function takeToken(
  redis: Redis,
  prefix: string,
  subject: string,
  perMinute: number,
  now = Date.now(),
): Promise<RateDecision> {
  const window = Math.floor(now / 60_000);
  const key = `${prefix}:ratelimit:${subject}:${window}`;
  const res = await redis.multi().incr(key).pexpire(key, 61_000).exec();
  const count = Number(res?.[0]?.[1] ?? 0);
  const resetSeconds = Math.max(1, Math.ceil(((window + 1) * 60_000 - now) / 1000));
  return { allowed: count <= perMinute, limit: perMinute, remaining: Math.max(0, perMinute - count), resetSeconds };
}
