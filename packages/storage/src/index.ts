export { createFsStore } from './fs-store.ts';
export { assertKey, batchKey, InvalidKeyError, KEY_PATTERN, resultKey, uploadKey } from './keys.ts';
export { createMemoryStore } from './memory-store.ts';
export type { ArtifactStore } from './store.ts';
export { getJson, putJson, sha256Hex } from './store.ts';
