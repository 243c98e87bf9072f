import { assertKey } from './keys.ts';
import type { ArtifactStore } from './store.ts';

/** In-memory store for unit tests and single-process tools; same key rules as the real ones. */
export function createMemoryStore(): ArtifactStore {
  const map = new Map<string, Uint8Array>();
  return {
    location: 'memory:',
    async put(key, bytes) {
      map.set(assertKey(key), new Uint8Array(bytes));
    },
    async get(key) {
      const v = map.get(assertKey(key));
      return v ? new Uint8Array(v) : null;
    },
    async has(key) {
      return map.has(assertKey(key));
    },
    async delete(key) {
      map.delete(assertKey(key));
    },
    async list(prefix) {
      return [...map.keys()].filter((k) => k.startsWith(`${prefix}/`) && !k.slice(prefix.length + 1).includes('/'));
    },
  };
}
