import { createProducerConnection, createUnwarpClient, type UnwarpClient } from '@unwarp/jobs';
import { type ArtifactStore, createFsStore } from '@unwarp/storage';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { appEnv } from './env.ts';

type Services = { client: UnwarpClient; store: ArtifactStore; redis: Redis; log: pino.Logger };

const g = globalThis as typeof globalThis & { __unwarpWeb?: Services };

/** One queue client, store and Redis connection per server process (kept across dev hot reloads). */
export function services(): Services {
  if (g.__unwarpWeb) return g.__unwarpWeb;
  const env = appEnv();
  const log = pino({ level: env.LOG_LEVEL }).child({ service: 'web' });
  const store = createFsStore(env.dataDir);
  const client = createUnwarpClient({
    redisUrl: env.REDIS_URL,
    storage: store,
    prefix: env.UNWARP_QUEUE_PREFIX,
    modelTag: env.UNWARP_MODEL_TAG,
    maxUploadBytes: env.UNWARP_MAX_UPLOAD_BYTES,
    logger: log,
  });
  const redis = createProducerConnection(env.REDIS_URL);
  g.__unwarpWeb = { client, store, redis, log };
  log.info(
    { keys: env.apiKeys.length, mode: env.apiKeys.length ? 'api keys' : 'local', data: store.location },
    'web services ready',
  );
  return g.__unwarpWeb;
}
