import { createHash } from 'node:crypto';

/** A flat key → bytes store. Implementations must make `put` atomic: a reader sees the old value, the new one, or none. */
export type ArtifactStore = {
  /** Where the bytes live, for logs ("file:///…/data", "s3://bucket/prefix"). */
  readonly location: string;
  put(key: string, bytes: Uint8Array, opts?: { contentType?: string }): Promise<void>;
  /** `null` when the key does not exist. */
  get(key: string): Promise<Uint8Array | null>;
  has(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Keys directly below a prefix such as `results/<id>`; order unspecified. */
  list(prefix: string): Promise<string[]>;
};

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export async function getJson<T>(store: ArtifactStore, key: string, parse: (v: unknown) => T): Promise<T | null> {
  const bytes = await store.get(key);
  if (!bytes) return null;
  return parse(JSON.parse(new TextDecoder().decode(bytes)));
}

export async function putJson(store: ArtifactStore, key: string, value: unknown): Promise<void> {
  await store.put(key, new TextEncoder().encode(`${JSON.stringify(value)}\n`), { contentType: 'application/json' });
}
