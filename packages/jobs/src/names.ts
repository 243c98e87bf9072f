import { createHash, randomUUID } from 'node:crypto';

/** Queue names. BullMQ keys are `<prefix>:<queue>:…`; the prefix (UNWARP_QUEUE_PREFIX) isolates deployments and tests. */
export const ANALYSIS_QUEUE = 'analysis';
export const BATCH_QUEUE = 'batch';
export const DEFAULT_PREFIX = 'unwarp';

/** `compare` jobs run on the analysis queue beside `analyze`: running workers take them without a new queue. */
export const JOB_NAMES = { analyze: 'analyze', compare: 'compare', batch: 'batch' } as const;

const SHA256 = /^[0-9a-f]{64}$/;
export const ANALYSIS_ID = /^a-[0-9a-f]{64}-[0-9a-f]{12}$/;
export const COMPARISON_ID = /^c-[0-9a-f]{64}$/;
export const BATCH_ID = /^b-[0-9a-f]{32}$/;
export const BATCH_ITEM_ID = /^(b-[0-9a-f]{32})\.(\d{1,6})$/;

/**
 * The analysis id is a pure function of the photo's bytes, the options that change the result and the model tag,
 * so a re-upload lands on the same BullMQ job id (BullMQ ignores the second add) and the same storage folder.
 * The file name is deliberately not part of it: the same photo under two names is one analysis.
 */
export function analysisId(sha256: string, options: { noCrop: boolean; threshold: number }, modelTag: string): string {
  if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
  const canonical = JSON.stringify({ m: modelTag, n: options.noCrop, t: options.threshold });
  return `a-${sha256}-${createHash('sha256').update(canonical).digest('hex').slice(0, 12)}`;
}

/**
 * A comparison is a pure function of the two photos (no model is involved), so resubmitting the same pair lands on
 * the same job and storage folder. The order matters: edited and original play different roles.
 */
export function comparisonId(editedSha256: string, originalSha256: string): string {
  for (const sha of [editedSha256, originalSha256]) if (!SHA256.test(sha)) throw new Error(`not a sha256: ${sha}`);
  return `c-${createHash('sha256').update(`compare:${editedSha256}:${originalSha256}`).digest('hex')}`;
}

export const newBatchId = (): string => `b-${randomUUID().replaceAll('-', '')}`;
export const batchItemId = (batchId: string, index: number): string => `${batchId}.${index}`;

export type IdKind =
  | { kind: 'analysis'; id: string }
  | { kind: 'batch-item'; id: string; batchId: string; index: number }
  | { kind: 'invalid' };

/** Ids come back from HTTP paths: classify them before they touch Redis or storage. */
export function parseId(id: string): IdKind {
  if (ANALYSIS_ID.test(id)) return { kind: 'analysis', id };
  const m = BATCH_ITEM_ID.exec(id);
  if (m) return { kind: 'batch-item', id, batchId: m[1]!, index: Number(m[2]) };
  return { kind: 'invalid' };
}
