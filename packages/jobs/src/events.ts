import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { parseFailure } from './errors.ts';
import type { ANALYSIS_QUEUE, BATCH_QUEUE } from './names.ts';
import { type JobError, type JobProgress, JobProgressSchema } from './schemas.ts';

export type TypedQueueEvents = {
  onProgress(cb: (jobId: string, progress: JobProgress) => void): () => void;
  onCompleted(cb: (jobId: string) => void): () => void;
  /** Final failures only (BullMQ emits `failed` when no attempt is left or the error is unrecoverable). */
  onFailed(cb: (jobId: string, error: JobError) => void): () => void;
  waitUntilReady(): Promise<void>;
  close(): Promise<void>;
  readonly raw: QueueEvents;
};

/**
 * QueueEvents with parsed payloads. It needs its own blocking connection (XREAD BLOCK): pass a factory, not a
 * shared client.
 */
export function createQueueEvents(
  queue: typeof ANALYSIS_QUEUE | typeof BATCH_QUEUE,
  connection: Redis,
  prefix: string,
): TypedQueueEvents {
  const raw = new QueueEvents(queue, { connection, prefix });
  raw.on('error', () => {});
  const sub = <A extends unknown[]>(event: string, handler: (...a: A) => void) => {
    raw.on(event as 'progress', handler as never);
    return () => void raw.off(event as 'progress', handler as never);
  };
  return {
    raw,
    onProgress: (cb) =>
      sub('progress', ({ jobId, data }: { jobId: string; data: unknown }) => {
        const p = JobProgressSchema.safeParse(data);
        if (p.success) cb(jobId, p.data);
      }),
    onCompleted: (cb) => sub('completed', ({ jobId }: { jobId: string }) => cb(jobId)),
    onFailed: (cb) =>
      sub('failed', ({ jobId, failedReason }: { jobId: string; failedReason: string }) =>
        cb(jobId, parseFailure(failedReason)),
      ),
    waitUntilReady: () => raw.waitUntilReady().then(() => undefined),
    close: () => raw.close(),
  };
}
