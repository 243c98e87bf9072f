import { createHash, timingSafeEqual } from 'node:crypto';

/** One configured key: only its SHA-256 is known to the server. `id` (the first 12 hex digits) names it in logs and Redis. */
export type ApiKey = { id: string; hash: Buffer; perMinute?: number };

export class ApiKeyConfigError extends Error {
  readonly retry = false;
  constructor(message: string) {
    super(`UNWARP_API_KEYS: ${message}`);
    this.name = 'ApiKeyConfigError';
  }
}

export const hashKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** `UNWARP_API_KEYS="<sha256>[:perMinute],…"`. A wrong entry stops the server rather than silently opening it. */
export function parseApiKeys(raw: string): ApiKey[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const m = /^([0-9a-fA-F]{64})(?::(\d{1,9}))?$/.exec(entry);
      if (!m)
        throw new ApiKeyConfigError(
          `"${entry.slice(0, 12)}…" is not a SHA-256 hex digest (64 hex digits, optionally :N). Hash a key with \`npm run hash-key -w @unwarp/web\``,
        );
      const hex = m[1]!.toLowerCase();
      return { id: hex.slice(0, 12), hash: Buffer.from(hex, 'hex'), ...(m[2] ? { perMinute: Number(m[2]) } : {}) };
    });
}

/** The configured key a bearer token hashes to, compared in constant time; `null` if none. */
export function findKey(keys: ApiKey[], token: string): ApiKey | null {
  const h = createHash('sha256').update(token, 'utf8').digest();
  let found: ApiKey | null = null;
  // Every entry is compared so the time does not depend on which one matched.
  for (const k of keys) if (timingSafeEqual(k.hash, h) && !found) found = k;
  return found;
}

/** The token of an `Authorization: Bearer …` header, or null. */
export function bearerToken(header: string | null): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m ? m[1]! : null;
}
