import { parseWebEnv } from '@unwarp/config';
import { z } from 'zod';
import { parseApiKeys } from './api-keys.ts';

/**
 * The web process's own settings, on top of the shared WebEnvSchema (REDIS_URL, prefix, data dir, upload limits,
 * callback allow-list).
 * Parsed once, on first use, so `next build` does not need them.
 */
export const WebAppEnvSchema = z.object({
  /** Comma-separated SHA-256 hashes of API keys, each optionally `:N` (its own requests per minute). Empty = local mode. */
  UNWARP_API_KEYS: z.string().default(''),
  /** Requests per minute per API key (per client address in local mode); 0 turns the limit off. */
  UNWARP_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(120),
  /** Refuse photos with more pixels than this (read from the header, nothing is decoded). */
  UNWARP_MAX_PIXELS: z.coerce.number().int().min(1).default(64_000_000),
  /** Whole-request limit of a batch upload. */
  UNWARP_MAX_BATCH_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(512 * 1024 * 1024),
});

export type AppEnv = ReturnType<typeof parseWebEnv> &
  z.infer<typeof WebAppEnvSchema> & { apiKeys: ReturnType<typeof parseApiKeys>; callbackAllow: string[] };

let cached: AppEnv | undefined;

export function appEnv(): AppEnv {
  if (cached) return cached;
  const base = parseWebEnv(process.env);
  const own = WebAppEnvSchema.parse(process.env);
  cached = {
    ...base,
    ...own,
    apiKeys: parseApiKeys(own.UNWARP_API_KEYS),
    // Shared with the worker (WebEnvSchema / WorkerEnvSchema), which checks the address again when it connects.
    callbackAllow: base.UNWARP_CALLBACK_ALLOW_HOSTS,
  };
  return cached;
}
