import { CallbackUrlError, ensureReady, InvalidInputError, NotFoundError, RedisUnavailableError } from '@unwarp/jobs';
import { bearerToken, findKey } from './api-keys.ts';
import { appEnv } from './env.ts';
import { ApiError, errorResponse } from './errors.ts';
import { takeToken } from './rate-limit.ts';
import { services } from './services.ts';

export type Caller = { keyId: string | null; subject: string };
type Ctx<P> = { params: Promise<P> };

/**
 * Wraps an API route: Bearer auth when keys are configured, the per-key rate limit, and one error shape for
 * everything that goes wrong. Handlers throw ApiError for answers meant for the client.
 */
export function apiRoute<P = Record<string, never>>(
  handler: (req: Request, params: P, caller: Caller) => Promise<Response>,
) {
  return async (req: Request, ctx: Ctx<P>): Promise<Response> => {
    const rateHeaders: Record<string, string> = {};
    try {
      const env = appEnv();
      const { redis, log } = services();
      let caller: Caller;
      let perMinute = env.UNWARP_RATE_LIMIT_PER_MINUTE;
      if (env.apiKeys.length > 0) {
        const token = bearerToken(req.headers.get('authorization'));
        if (!token)
          throw new ApiError('unauthorized', 'an API key is required: send Authorization: Bearer <key>', {
            'www-authenticate': 'Bearer realm="unwarp"',
          });
        const key = findKey(env.apiKeys, token);
        if (!key)
          throw new ApiError('unauthorized', 'the API key is not valid', {
            'www-authenticate': 'Bearer realm="unwarp", error="invalid_token"',
          });
        caller = { keyId: key.id, subject: `key:${key.id}` };
        perMinute = key.perMinute ?? perMinute;
      } else {
        caller = { keyId: null, subject: `ip:${clientAddress(req)}` };
      }
      if (perMinute > 0) {
        const d = await ensureReady(redis, env.REDIS_URL, 2_000)
          .then(() => takeToken(redis, env.UNWARP_QUEUE_PREFIX, caller.subject, perMinute))
          .catch((err: Error) => {
            // Fail open: the limit protects capacity, and without Redis the request fails on its own anyway.
            log.warn({ err: err.message }, 'rate limit check failed');
            return null;
          });
        if (d) {
          Object.assign(rateHeaders, {
            'ratelimit-limit': String(d.limit),
            'ratelimit-remaining': String(d.remaining),
            'ratelimit-reset': String(d.resetSeconds),
          });
          if (!d.allowed)
            throw new ApiError(
              'rate-limited',
              `rate limit of ${d.limit} requests per minute reached; retry in ${d.resetSeconds} s`,
              { 'retry-after': String(d.resetSeconds) },
            );
        }
      }
      const res = await handler(req, await ctx.params, caller);
      for (const [k, v] of Object.entries(rateHeaders)) res.headers.set(k, v);
      return res;
    } catch (err) {
      const api = toApiError(err);
      const res = errorResponse(api);
      for (const [k, v] of Object.entries(rateHeaders)) if (!res.headers.has(k)) res.headers.set(k, v);
      return res;
    }
  };
}

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof InvalidInputError) return new ApiError('invalid-input', err.message);
  if (err instanceof CallbackUrlError) return new ApiError(err.code, err.message);
  if (err instanceof NotFoundError) return new ApiError('not-found', err.message);
  if (err instanceof RedisUnavailableError)
    return new ApiError('unavailable', 'the job queue is unavailable; try again shortly', { 'retry-after': '5' });
  try {
    services().log.error(
      { err: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined },
      'unhandled API error',
    );
  } catch {
    // Config itself is broken: the message below is all we can give.
  }
  return new ApiError('internal', 'internal error; the server log has the details');
}

/** The peer address as the proxy in front reports it; only used to key the local-mode rate limit. */
function clientAddress(req: Request): string {
  const fwd = req.headers.get('x-forwarded-for')?.split(',')[0]?.trim();
  return fwd || req.headers.get('x-real-ip') || 'local';
}

/** Rejects a request whose declared body is larger than `max` before reading it. */
export function checkContentLength(req: Request, max: number, what: string): void {
  const len = Number(req.headers.get('content-length') ?? 'NaN');
  if (Number.isFinite(len) && len > max)
    throw new ApiError('too-large', `${what} is ${len} bytes; the limit is ${max} bytes`);
}

export async function readForm(
  req: Request,
  expected = 'send the photo as multipart/form-data with the file in the field "image"',
): Promise<FormData> {
  const type = req.headers.get('content-type') ?? '';
  if (!type.toLowerCase().startsWith('multipart/form-data')) throw new ApiError('unsupported-type', expected);
  try {
    return await req.formData();
  } catch {
    throw new ApiError('bad-request', 'the multipart body could not be read');
  }
}
