import { fileURLToPath } from 'node:url';
import type { WorkerEnv } from '@unwarp/config';
import {
  ANALYSIS_QUEUE,
  type AnalysisResult,
  AnalysisResultSchema,
  AnalyzeJobSchema,
  BATCH_QUEUE,
  BatchJobSchema,
  CompareJobSchema,
  type ComparisonResult,
  ComparisonResultSchema,
  checkRedisServer,
  createWorkerConnection,
  JOB_NAMES,
  parseFailure,
  redactUrl,
} from '@unwarp/jobs';
import { batchKey, createFsStore, putJson, resultKey } from '@unwarp/storage';
import { type Job, Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { deliverCallback } from './callbacks.ts';
import { Metrics, serveHttp } from './metrics.ts';

export type Detector = {
  readonly metrics: Metrics;
  readonly port: number;
  /** Stops taking jobs, lets running ones finish within the grace period, then gives the rest back to the queue. */
  close(): Promise<void>;
};

const PROCESSOR = fileURLToPath(new URL('./processor.mjs', import.meta.url));

export async function startDetector(env: WorkerEnv, log: Logger): Promise<Detector> {
  const prefix = env.UNWARP_QUEUE_PREFIX;
  const store = createFsStore(env.dataDir);
  const metrics = new Metrics();
  const connection = createWorkerConnection(env.REDIS_URL);

  const check = await checkRedisServer(connection, env.REDIS_URL);
  for (const w of check.warnings) log.warn(w);
  log.info(
    {
      redis: redactUrl(env.REDIS_URL),
      version: check.version,
      maxmemoryPolicy: check.maxmemoryPolicy,
      appendonly: check.appendonly,
    },
    'redis checked',
  );

  const queue = new Queue(ANALYSIS_QUEUE, { connection, prefix });
  const batchQueue = new Queue(BATCH_QUEUE, { connection, prefix });
  queue.on('error', () => {});
  batchQueue.on('error', () => {});

  const worker = new Worker<unknown, AnalysisResult | ComparisonResult>(ANALYSIS_QUEUE, PROCESSOR, {
    connection,
    prefix,
    concurrency: env.concurrency,
    // Forked processes, not threads: a native crash (sharp, tfjs) kills one sandbox, not the worker.
    useWorkerThreads: false,
    lockDuration: env.UNWARP_LOCK_DURATION_MS,
    stalledInterval: env.UNWARP_STALLED_INTERVAL_MS,
    maxStalledCount: env.UNWARP_MAX_STALLED_COUNT,
  });

  const batchWorker = new Worker(
    BATCH_QUEUE,
    async (job: Job) => {
      const data = BatchJobSchema.parse(job.data);
      const [values, failures] = await Promise.all([job.getChildrenValues(), job.getIgnoredChildrenFailures()]);
      const summary = {
        batchId: data.batchId,
        count: data.count,
        done: Object.keys(values).length,
        failed: Object.keys(failures).length,
        finishedAt: new Date().toISOString(),
      };
      await putJson(store, batchKey(data.batchId, 'summary.json'), summary);
      return summary;
    },
    { connection, prefix, concurrency: 4 },
  );

  // Signed (when UNWARP_WEBHOOK_SECRET is set) and checked against the same allow-list as the web app at connect time.
  const callbackOptions = {
    timeoutMs: env.UNWARP_CALLBACK_TIMEOUT_MS,
    tries: env.UNWARP_CALLBACK_TRIES,
    allow: env.UNWARP_CALLBACK_ALLOW_HOSTS,
    log,
    ...(env.UNWARP_WEBHOOK_SECRET ? { secret: env.UNWARP_WEBHOOK_SECRET } : {}),
  };
  if (!env.UNWARP_WEBHOOK_SECRET) log.warn('UNWARP_WEBHOOK_SECRET is not set: webhook deliveries are not signed');

  const active = new Map<string, Job>();
  worker.on('active', (job) => {
    if (job.id) active.set(job.id, job);
    log.info({ jobId: job.id, attempt: job.attemptsStarted }, 'job started');
  });
  worker.on('completed', (job, result) => {
    if (job.id) active.delete(job.id);
    metrics.inc('unwarp_jobs_completed_total');
    const r =
      job.name === JOB_NAMES.compare
        ? ComparisonResultSchema.safeParse(result)
        : AnalysisResultSchema.safeParse(result);
    if (r.success) {
      if (r.data.reused) metrics.inc('unwarp_jobs_reused_total');
      else
        for (const [stage, ms] of Object.entries(r.data.stageMs))
          metrics.observe('unwarp_stage_duration_seconds', { stage }, ms / 1000);
    }
    const data = resultFolder(job);
    if (data?.callbackUrl)
      void deliverCallback(
        data.callbackUrl,
        { id: job.id, status: 'done', report: r.success ? r.data.report : undefined },
        callbackOptions,
      );
  });
  worker.on('failed', (job, err) => {
    if (!job) return;
    if (job.id) active.delete(job.id);
    void (async () => {
      const state = await job.getState().catch(() => 'unknown');
      const final = state === 'failed';
      metrics.inc('unwarp_jobs_failed_total', { final: String(final) });
      const error = parseFailure(err.message);
      const jlog = log.child({ jobId: job.id });
      if (!final) {
        jlog.warn({ err: err.message, attempt: job.attemptsMade }, 'attempt failed, will retry');
        return;
      }
      jlog.error({ err: err.message, code: error.code }, 'job failed for good');
      const data = resultFolder(job);
      if (!data) return;
      // The failure outlives Redis trimming, so getAnalysis/getComparison can still answer "failed, and why".
      await putJson(store, resultKey(data.id, 'error.json'), {
        ...error,
        jobId: job.id,
        failedAt: new Date().toISOString(),
        attempts: job.attemptsMade,
      });
      if (data.callbackUrl)
        await deliverCallback(data.callbackUrl, { id: job.id, status: 'failed', error }, callbackOptions);
    })().catch((e: Error) => log.warn({ err: e.message }, 'could not record a failure'));
  });
  worker.on('stalled', (jobId) =>
    log.warn({ jobId }, 'job stalled (its worker died or blocked); it goes back to the queue'),
  );
  worker.on('error', (err) => log.error({ err: err.message }, 'worker error'));
  batchWorker.on('completed', (job) => {
    metrics.inc('unwarp_batches_completed_total');
    const d = BatchJobSchema.safeParse(job.data);
    if (d.success && d.data.callbackUrl)
      void deliverCallback(
        d.data.callbackUrl,
        { batchId: d.data.batchId, status: 'done', summary: job.returnvalue },
        callbackOptions,
      );
  });
  batchWorker.on('error', (err) => log.error({ err: err.message }, 'batch worker error'));

  const http = await serveHttp(env.UNWARP_METRICS_PORT, {
    health: async () => {
      const ok = worker.isRunning() && connection.status === 'ready';
      return {
        ok,
        detail: {
          worker: worker.isRunning() ? 'running' : 'stopped',
          redis: connection.status,
          concurrency: env.concurrency,
        },
      };
    },
    metrics: async () => {
      const counts = await queue
        .getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed', 'completed')
        .catch(() => ({}) as Record<string, number>);
      return metrics.render([
        {
          name: 'unwarp_queue_jobs',
          help: 'Jobs in the analysis queue by state (queue depth = waiting + prioritized + delayed)',
          values: Object.entries(counts).map(([state, value]) => ({ labels: { queue: ANALYSIS_QUEUE, state }, value })),
        },
        {
          name: 'unwarp_worker_active_jobs',
          help: 'Jobs this worker is running now',
          values: [{ labels: {}, value: active.size }],
        },
        {
          name: 'unwarp_worker_concurrency',
          help: 'Configured concurrency of this worker',
          values: [{ labels: {}, value: env.concurrency }],
        },
      ]);
    },
  });
  log.info({ port: http.port, concurrency: env.concurrency, prefix, data: store.location }, 'detector worker started');

  let closing: Promise<void> | undefined;
  return {
    metrics,
    port: http.port,
    close() {
      closing ??= (async () => {
        log.info(
          { active: active.size, graceMs: env.UNWARP_SHUTDOWN_GRACE_MS },
          'shutting down: finishing running jobs',
        );
        const graceful = worker.close().then(() => true);
        const timedOut = new Promise<false>((r) => setTimeout(() => r(false), env.UNWARP_SHUTDOWN_GRACE_MS).unref());
        if (!(await Promise.race([graceful, timedOut]))) {
          // Out of time: hand the running jobs back now instead of leaving them to the stalled checker.
          for (const job of active.values()) {
            await job
              .moveToWait(job.token)
              .catch((e: Error) =>
                log.warn({ jobId: job.id, err: e.message }, 'could not release job; it will be recovered as stalled'),
              );
            log.warn({ jobId: job.id }, 'released unfinished job back to the queue');
          }
          await worker.close(true);
        }
        await batchWorker.close();
        await Promise.allSettled([queue.close(), batchQueue.close()]);
        await new Promise<void>((r) => http.server.close(() => r()));
        connection.disconnect();
        log.info('detector worker stopped');
      })();
      return closing;
    },
  };
}

/** The storage folder id and callback of an analysis or comparison job, from its validated payload. */
function resultFolder(job: Job): { id: string; callbackUrl?: string } | null {
  if (job.name === JOB_NAMES.compare) {
    const d = CompareJobSchema.safeParse(job.data);
    return d.success
      ? { id: d.data.comparisonId, ...(d.data.callbackUrl ? { callbackUrl: d.data.callbackUrl } : {}) }
      : null;
  }
  const d = AnalyzeJobSchema.safeParse(job.data);
  return d.success
    ? { id: d.data.analysisId, ...(d.data.callbackUrl ? { callbackUrl: d.data.callbackUrl } : {}) }
    : null;
}
