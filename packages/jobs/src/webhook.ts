import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The webhook signature contract, for receivers (and the worker that sends them):
 *   X-Unwarp-Timestamp: <unix seconds when sent>
 *   X-Unwarp-Signature: sha256=<hex HMAC-SHA256(UNWARP_WEBHOOK_SECRET, "<timestamp>.<raw request body>")>
 * A receiver recomputes the HMAC over the raw bytes it got, compares in constant time, and refuses timestamps older
 * than a few minutes (replays). Retries of one delivery are re-signed with a fresh timestamp.
 */
export const SIGNATURE_HEADER = 'x-unwarp-signature';
export const TIMESTAMP_HEADER = 'x-unwarp-timestamp';

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The two headers for one delivery attempt, signed now (call it again for every retry). */
export function webhookHeaders(
  secret: string,
  body: string,
  now: number = Math.floor(Date.now() / 1000),
): Record<typeof SIGNATURE_HEADER | typeof TIMESTAMP_HEADER, string> {
  return { [TIMESTAMP_HEADER]: String(now), [SIGNATURE_HEADER]: signWebhook(secret, now, body) };
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

export function verifyWebhook(
  secret: string,
  headers: { signature: string | null | undefined; timestamp: string | null | undefined },
  body: string,
  opts: { toleranceSeconds?: number; now?: number } = {},
): VerifyResult {
  const ts = Number(headers.timestamp);
  if (!headers.timestamp || !Number.isInteger(ts)) return { ok: false, reason: `missing or bad ${TIMESTAMP_HEADER}` };
  if (!headers.signature) return { ok: false, reason: `missing ${SIGNATURE_HEADER}` };
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - ts) > (opts.toleranceSeconds ?? 300))
    return { ok: false, reason: 'timestamp outside the tolerance (replay?)' };
  const expected = Buffer.from(signWebhook(secret, ts, body));
  const got = Buffer.from(headers.signature.trim());
  if (expected.length !== got.length || !timingSafeEqual(expected, got))
    return { ok: false, reason: 'signature does not match' };
  return { ok: true };
}
