import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CallbackUrlError, checkCallbackTarget, guardedLookup, type Resolver, webhookHeaders } from '@unwarp/jobs';
import type { Logger } from 'pino';

export type CallbackOptions = {
  /** Per attempt, connect to response headers. */
  timeoutMs: number;
  log: Logger;
  /** Attempts in all. Default 3. */
  tries?: number;
  /** Pause before the second attempt; each later pause is 4x longer (1 s, 4 s, 16 s, …). Default 1000. */
  backoffMs?: number;
  /** UNWARP_WEBHOOK_SECRET: when set, every attempt carries X-Unwarp-Timestamp and X-Unwarp-Signature, signed anew. */
  secret?: string;
  /** UNWARP_CALLBACK_ALLOW_HOSTS as parsed by @unwarp/config: hosts or IPs that may be private, `*` = any. */
  allow?: readonly string[];
  /** DNS for the connect-time check (tests). Default: the system resolver. */
  resolve?: Resolver;
};

/**
 * Best-effort webhook: a few tries with exponentially growing pauses, then give up and log. It never fails the job:
 * the result is already in storage and getAnalysis answers either way.
 *
 * The web app checked the URL at submission, but DNS may have changed since: every attempt checks again, on the
 * addresses it actually connects to (`guardedLookup`), and a URL that now points at a private, loopback or link-local
 * address is dropped without retrying. Redirects are not followed.
 */
export async function deliverCallback(url: string, body: unknown, opts: CallbackOptions): Promise<boolean> {
  const tries = opts.tries ?? 3;
  const allow = opts.allow ?? [];
  const payload = JSON.stringify(body);
  const target = redact(url);
  for (let i = 0; i < tries; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, (opts.backoffMs ?? 1_000) * 4 ** (i - 1)));
    try {
      // Signed per attempt: a retry gets a fresh timestamp, so receivers can keep a tight replay window.
      const headers = opts.secret ? webhookHeaders(opts.secret, payload) : {};
      const status = await post(checkCallbackTarget(url, allow), payload, headers, allow, opts);
      if (status >= 200 && status < 300) return true;
      opts.log.warn({ url: target, status, attempt: i + 1 }, 'callback answered with an error status');
    } catch (err) {
      if (err instanceof CallbackUrlError || (err as { code?: string }).code === 'callback-url-forbidden') {
        opts.log.warn({ url: target, err: (err as Error).message, attempt: i + 1 }, 'callback refused, not retrying');
        return false;
      }
      opts.log.warn({ url: target, err: (err as Error).message, attempt: i + 1 }, 'callback failed');
    }
  }
  return false;
}

function post(
  url: URL,
  payload: string,
  signature: Record<string, string>,
  allow: readonly string[],
  opts: CallbackOptions,
): Promise<number> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(payload)),
          'user-agent': 'unwarp-detector',
          ...signature,
        },
        lookup: guardedLookup(allow, opts.resolve),
        signal: AbortSignal.timeout(opts.timeoutMs),
      },
      (res) => {
        // Only the status matters; drain the body so the socket is freed.
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Callback URLs may carry tokens in their query string: logs get the origin and path only. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
