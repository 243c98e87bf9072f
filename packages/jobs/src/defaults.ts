import type { JobsOptions } from 'bullmq';

export type JobPolicy = { attempts: number; backoffMs: number };
export const DEFAULT_POLICY: JobPolicy = { attempts: 3, backoffMs: 2_000 };

/**
 * Options for every analyze job. Finished jobs are trimmed from Redis by age and count; the results stay in
 * storage (result.json / error.json), and getAnalysis falls back to them.
 */
export function analyzeJobOptions(policy: JobPolicy): JobsOptions {
  return {
    attempts: policy.attempts,
    // Exponential with jitter so a fleet of workers does not retry in lockstep after a shared outage.
    backoff: { type: 'exponential', delay: policy.backoffMs, jitter: 0.5 },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
  };
}

export function batchJobOptions(): JobsOptions {
  return {
    attempts: 3,
    backoff: { type: 'exponential', delay: 1_000, jitter: 0.5 },
    removeOnComplete: { age: 7 * 24 * 3600, count: 1_000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 1_000 },
  };
}
