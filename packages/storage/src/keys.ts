/**
 * Storage keys. Every key that reaches a store is checked here, so no user-supplied path (a file name, a `../`)
 * can ever name a file: callers build keys from hashes and generated ids only.
 */
export const KEY_PATTERN = /^(uploads|results|batches)(\/[A-Za-z0-9][A-Za-z0-9._-]{0,159}){1,2}$/;

export class InvalidKeyError extends Error {
  readonly retry = false;
  constructor(readonly key: string) {
    super(
      `invalid storage key ${JSON.stringify(key.slice(0, 200))}: keys are <uploads|results|batches>/<id>[/<name>] with [A-Za-z0-9._-] only`,
    );
    this.name = 'InvalidKeyError';
  }
}

export function assertKey(key: string): string {
  // The pattern already forbids a leading dot per segment; `..` inside a segment is harmless but refused for clarity.
  if (!KEY_PATTERN.test(key) || key.includes('..')) throw new InvalidKeyError(key);
  return key;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** The original bytes of an upload, addressed by their SHA-256. */
export function uploadKey(sha256: string): string {
  if (!SHA256.test(sha256)) throw new InvalidKeyError(`uploads/${sha256}`);
  return `uploads/${sha256}`;
}

/** One file of one analysis result (`report.json`, `result.json`, `heatmap.png`, …). */
export function resultKey(analysisId: string, name: string): string {
  return assertKey(`results/${analysisId}/${name}`);
}

export function batchKey(batchId: string, name: string): string {
  return assertKey(`batches/${batchId}/${name}`);
}
