import { type ArtifactName, type CoreArtifactName, historyBreaksInWords } from '@unwarp/pipeline/report';
import { type ArtifactStore, batchKey, getJson, putJson, resultKey, sha256Hex, uploadKey } from '@unwarp/storage';
import { FlowProducer, type Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type {
  AnalysisEvent,
  AnalysisState,
  AnalysisStatus,
  BatchCounts,
  BatchFile,
  BatchItem,
  BatchStatus,
  CompareSubmitOptions,
  ComparisonStatus,
  SubmitOptions,
  Submitted,
} from './client-types.ts';
import { analyzeJobOptions, batchJobOptions, DEFAULT_POLICY, type JobPolicy } from './defaults.ts';
import { InvalidInputError, NotFoundError, parseFailure } from './errors.ts';
import { createQueueEvents, type TypedQueueEvents } from './events.ts';
import { toCsv, toJsonl } from './export.ts';
import {
  ANALYSIS_QUEUE,
  analysisId,
  BATCH_ID,
  BATCH_QUEUE,
  batchItemId,
  COMPARISON_ID,
  comparisonId,
  DEFAULT_PREFIX,
  JOB_NAMES,
  newBatchId,
  parseId,
} from './names.ts';
import { createProducerConnection, createWorkerConnection, ensureReady, withRedis } from './redis.ts';
import {
  AnalysisOptionsSchema,
  type AnalysisResult,
  AnalysisResultSchema,
  type AnalyzeJob,
  AnalyzeJobSchema,
  type BatchJob,
  BatchJobSchema,
  type BatchManifest,
  BatchManifestSchema,
  CallbackUrlSchema,
  type CompareJob,
  CompareJobSchema,
  type ComparisonResult,
  ComparisonResultSchema,
  FileNameSchema,
  JobProgressSchema,
  StoredErrorSchema,
} from './schemas.ts';

export type UnwarpClientOptions = {
  redisUrl: string;
  storage: ArtifactStore;
  /** BullMQ key prefix (UNWARP_QUEUE_PREFIX); must match the workers'. Default `unwarp`. */
  prefix?: string;
  /** Part of every analysis id (UNWARP_MODEL_TAG); must match across producers. Default `unwarp-base`. */
  modelTag?: string;
  /** How long a call waits for Redis before RedisUnavailableError. Default 3000 ms. */
  connectTimeoutMs?: number;
  /** Attempts and base backoff of new jobs. Default 3 attempts, 2000 ms. */
  jobPolicy?: Partial<JobPolicy>;
  /** Refuse larger uploads before touching storage. Default 32 MiB. */
  maxUploadBytes?: number;
  logger?: Logger;
};

export type UnwarpClient = {
  submitAnalysis(bytes: Uint8Array, opts?: SubmitOptions): Promise<Submitted>;
  /** `null` for an id that is unknown (never submitted, or trimmed from Redis with no result in storage). */
  getAnalysis(id: string): Promise<AnalysisStatus | null>;
  /** Bytes of one artifact of a finished analysis, `null` if absent. */
  readArtifact(id: string, name: ArtifactName): Promise<Uint8Array | null>;
  submitBatch(files: BatchFile[], opts?: Omit<SubmitOptions, 'fileName'>): Promise<{ batchId: string; ids: string[] }>;
  getBatch(batchId: string): Promise<BatchStatus | null>;
  exportBatch(batchId: string, format: 'csv' | 'jsonl'): Promise<string>;
  /** Live progress/done/failed events of one analysis, batch item or comparison; returns the unsubscribe function. */
  subscribe(id: string, listener: (event: AnalysisEvent) => void): Promise<() => void>;
  waitForAnalysis(id: string, opts?: { timeoutMs?: number }): Promise<AnalysisStatus>;
  waitForBatch(batchId: string, opts?: { timeoutMs?: number; pollMs?: number }): Promise<BatchStatus>;
  /** Queues a `compare` job: the warp field measured between an edited photo and the photo it was made from. */
  submitComparison(edited: Uint8Array, original: Uint8Array, opts?: CompareSubmitOptions): Promise<Submitted>;
  /** `null` for an unknown or malformed comparison id. */
  getComparison(id: string): Promise<ComparisonStatus | null>;
  readComparisonArtifact(id: string, name: CoreArtifactName): Promise<Uint8Array | null>;
  waitForComparison(id: string, opts?: { timeoutMs?: number }): Promise<ComparisonStatus>;
  close(): Promise<void>;
};

const MAX_BATCH = 10_000;

export function createUnwarpClient(options: UnwarpClientOptions): UnwarpClient {
  const { redisUrl, storage } = options;
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const modelTag = options.modelTag ?? 'unwarp-base';
  const timeoutMs = options.connectTimeoutMs ?? 3_000;
  const policy: JobPolicy = { ...DEFAULT_POLICY, ...options.jobPolicy };
  const maxUploadBytes = options.maxUploadBytes ?? 32 * 1024 * 1024;
  const log = options.logger?.child({ component: 'unwarp-client' });

  const connection = createProducerConnection(redisUrl, { connectTimeout: timeoutMs });
  const analysisQueue = new Queue<AnalyzeJob | CompareJob, AnalysisResult | ComparisonResult>(ANALYSIS_QUEUE, {
    connection,
    prefix,
  });
  const batchQueue = new Queue<BatchJob>(BATCH_QUEUE, { connection, prefix });
  const flow = new FlowProducer({ connection, prefix });
  const onError = (err: Error) => log?.debug({ err }, 'redis error');
  analysisQueue.on('error', onError);
  batchQueue.on('error', onError);
  flow.on('error', onError);

  const redis = <T>(fn: () => Promise<T>) => withRedis(connection, redisUrl, fn, timeoutMs);

  let events: { analysis: TypedQueueEvents; batch: TypedQueueEvents; conns: Redis[] } | undefined;
  const getEvents = async () => {
    if (!events) {
      await ensureReady(connection, redisUrl, timeoutMs);
      const conns = [createWorkerConnection(redisUrl), createWorkerConnection(redisUrl)];
      events = {
        analysis: createQueueEvents(ANALYSIS_QUEUE, conns[0]!, prefix),
        batch: createQueueEvents(BATCH_QUEUE, conns[1]!, prefix),
        conns,
      };
      await Promise.all([events.analysis.waitUntilReady(), events.batch.waitUntilReady()]);
    }
    return events;
  };

  const readResult = (aid: string) =>
    getJson(storage, resultKey(aid, 'result.json'), (v) => AnalysisResultSchema.parse(v));
  const readStoredError = (aid: string) =>
    getJson(storage, resultKey(aid, 'error.json'), (v) => StoredErrorSchema.parse(v));
  const readComparison = (cid: string) =>
    getJson(storage, resultKey(cid, 'result.json'), (v) => ComparisonResultSchema.parse(v));
  const readManifest = (batchId: string) =>
    getJson(storage, batchKey(batchId, 'manifest.json'), (v) => BatchManifestSchema.parse(v));

  function validateBytes(bytes: Uint8Array) {
    if (!(bytes instanceof Uint8Array)) throw new InvalidInputError('bytes must be a Uint8Array or Buffer');
    // Zero bytes go through on purpose: the job fails once with a clear "empty" error the caller can show.
    if (bytes.byteLength > maxUploadBytes)
      throw new InvalidInputError(`file is ${bytes.byteLength} bytes, the limit is ${maxUploadBytes}`);
  }

  function parseSubmit(opts: SubmitOptions) {
    const o = AnalysisOptionsSchema.safeParse(opts.options ?? {});
    if (!o.success)
      throw new InvalidInputError(
        `invalid options: ${o.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    const cb = opts.callbackUrl === undefined ? undefined : CallbackUrlSchema.safeParse(opts.callbackUrl);
    if (cb && !cb.success) throw new InvalidInputError(`invalid callbackUrl: ${cb.error.issues[0]?.message}`);
    const fn = opts.fileName === undefined ? undefined : FileNameSchema.safeParse(opts.fileName);
    return { options: o.data, callbackUrl: cb?.data, fileName: fn?.success ? fn.data : undefined };
  }

  async function putUpload(bytes: Uint8Array, sha: string) {
    const key = uploadKey(sha);
    if (!(await storage.has(key))) await storage.put(key, bytes);
  }

  function statusFromJob(job: Job, state: string, id: string): AnalysisStatus {
    const data = AnalyzeJobSchema.safeParse(job.data);
    const base: AnalysisStatus = {
      id,
      status: mapState(state),
      ...(data.success
        ? { sha256: data.data.sha256, ...(data.data.fileName ? { fileName: data.data.fileName } : {}) }
        : {}),
      attempts: job.attemptsStarted ?? job.attemptsMade,
    };
    const p = JobProgressSchema.safeParse(job.progress);
    if (p.success && base.status !== 'queued') Object.assign(base, { stage: p.data.stage, progress: p.data.percent });
    if (base.status === 'done') {
      const r = AnalysisResultSchema.safeParse(job.returnvalue);
      if (r.success)
        Object.assign(base, { report: r.data.report, artifacts: r.data.artifacts, stage: 'done', progress: 100 });
    }
    if (base.status === 'failed') base.error = parseFailure(job.failedReason);
    return base;
  }

  async function analysisIdFor(id: string): Promise<string | null> {
    const kind = parseId(id);
    if (kind.kind === 'analysis') return kind.id;
    if (kind.kind === 'batch-item') return (await readManifest(kind.batchId))?.items[kind.index]?.analysisId ?? null;
    return null;
  }

  async function getAnalysis(id: string): Promise<AnalysisStatus | null> {
    if (parseId(id).kind === 'invalid') return null;
    const job = await redis(() => analysisQueue.getJob(id));
    if (job) {
      const state = await redis(() => job.getState());
      if (state !== 'unknown') return statusFromJob(job, state, id);
    }
    // Trimmed from Redis (or never queued because the result already existed): storage has the answer.
    const aid = await analysisIdFor(id);
    if (!aid) return null;
    const result = await readResult(aid);
    if (result)
      return {
        id,
        status: 'done',
        sha256: result.sha256,
        stage: 'done',
        progress: 100,
        report: result.report,
        artifacts: result.artifacts,
      };
    return storedFailure(id, aid);
  }

  /**
   * What a resubmission of job `id` gets without queueing anything: its stored result, or the live job's state. A
   * job that failed for a transient reason and ran out of attempts is retried instead. `null`: not known, queue it.
   */
  async function alreadySubmitted(id: string): Promise<Submitted | null> {
    await ensureReady(connection, redisUrl, timeoutMs);
    if (await storage.has(resultKey(id, 'result.json'))) return { id, status: 'done', deduplicated: true };
    const existing = await redis(() => analysisQueue.getJob(id));
    if (!existing) return null;
    const state = await redis(() => existing.getState());
    if (state === 'failed' && parseFailure(existing.failedReason).retryable) {
      await redis(() => existing.retry('failed'));
      return { id, status: 'queued', deduplicated: false };
    }
    return state === 'unknown' ? null : { id, status: mapState(state), deduplicated: true };
  }

  /** A job that failed for good, from its error.json in storage (it outlives Redis trimming); `null` if none. */
  async function storedFailure(id: string, key: string) {
    const err = await readStoredError(key);
    if (!err) return null;
    return {
      id,
      status: 'failed' as const,
      error: { code: err.code, message: err.message, retryable: err.retryable },
      attempts: err.attempts,
    };
  }

  async function submitAnalysis(bytes: Uint8Array, opts: SubmitOptions = {}): Promise<Submitted> {
    validateBytes(bytes);
    const { options: o, callbackUrl, fileName } = parseSubmit(opts);
    const sha = sha256Hex(bytes);
    const id = analysisId(sha, o, modelTag);
    const known = await alreadySubmitted(id);
    if (known) return known;
    await putUpload(bytes, sha);
    const data: AnalyzeJob = AnalyzeJobSchema.parse({
      analysisId: id,
      sha256: sha,
      options: o,
      submittedAt: new Date().toISOString(),
      ...(fileName ? { fileName } : {}),
      ...(callbackUrl ? { callbackUrl } : {}),
    });
    // Same jobId twice is a no-op in BullMQ, so two racing producers still make one job.
    await redis(() => analysisQueue.add(JOB_NAMES.analyze, data, { ...analyzeJobOptions(policy), jobId: id }));
    log?.debug({ jobId: id, sha256: sha }, 'analysis queued');
    return { id, status: 'queued', deduplicated: false };
  }

  async function submitBatch(files: BatchFile[], opts: Omit<SubmitOptions, 'fileName'> = {}) {
    if (!Array.isArray(files) || files.length === 0) throw new InvalidInputError('a batch needs at least one file');
    if (files.length > MAX_BATCH) throw new InvalidInputError(`a batch holds at most ${MAX_BATCH} files`);
    for (const f of files) validateBytes(f.bytes);
    const { options: o, callbackUrl } = parseSubmit(opts);
    await ensureReady(connection, redisUrl, timeoutMs);
    const batchId = newBatchId();
    const items = files.map((f, index) => {
      const sha = sha256Hex(f.bytes);
      const name = FileNameSchema.safeParse(f.fileName);
      return {
        id: batchItemId(batchId, index),
        file: name.success ? name.data : `file-${index + 1}`,
        sha256: sha,
        analysisId: analysisId(sha, o, modelTag),
        bytes: f.bytes,
      };
    });
    const seen = new Set<string>();
    for (const it of items) {
      if (seen.has(it.sha256)) continue;
      seen.add(it.sha256);
      await putUpload(it.bytes, it.sha256);
    }
    const manifest: BatchManifest = {
      batchId,
      createdAt: new Date().toISOString(),
      options: o,
      items: items.map(({ bytes: _b, ...rest }) => rest),
    };
    // The manifest is written first: getBatch must never see a batch whose items it cannot list.
    await putJson(storage, batchKey(batchId, 'manifest.json'), manifest);
    const parent: BatchJob = BatchJobSchema.parse({
      batchId,
      count: items.length,
      ...(callbackUrl ? { callbackUrl } : {}),
    });
    const childOpts = analyzeJobOptions(policy);
    await redis(() =>
      flow.add({
        name: JOB_NAMES.batch,
        queueName: BATCH_QUEUE,
        data: parent,
        opts: { ...batchJobOptions(), jobId: batchId },
        children: items.map((it) => ({
          name: JOB_NAMES.analyze,
          queueName: ANALYSIS_QUEUE,
          data: AnalyzeJobSchema.parse({
            analysisId: it.analysisId,
            sha256: it.sha256,
            fileName: it.file,
            options: o,
            batchId,
            submittedAt: manifest.createdAt,
          }),
          // A bad photo must not block the batch: its failure is recorded and the parent still runs.
          opts: { ...childOpts, jobId: it.id, ignoreDependencyOnFailure: true },
        })),
      }),
    );
    log?.info({ batchId, count: items.length }, 'batch queued');
    return { batchId, ids: items.map((i) => i.id) };
  }

  async function getBatch(batchId: string): Promise<BatchStatus | null> {
    if (!BATCH_ID.test(batchId)) return null;
    const manifest = await readManifest(batchId);
    if (!manifest) return null;
    const items = await Promise.all(manifest.items.map((ref) => itemStatus(ref)));
    const counts: BatchCounts = { total: items.length, queued: 0, running: 0, done: 0, failed: 0 };
    for (const it of items) counts[it.status]++;
    const status =
      counts.done + counts.failed === counts.total ? 'done' : counts.queued === counts.total ? 'queued' : 'running';
    return { batchId, status, createdAt: manifest.createdAt, counts, items };
  }

  async function itemStatus(ref: BatchManifest['items'][number]): Promise<BatchItem> {
    const s = await getAnalysis(ref.id);
    const item: BatchItem = { id: ref.id, file: ref.file, sha256: ref.sha256, status: s?.status ?? 'queued' };
    // Done in Redis but the return value trimmed: the stored result has the report.
    const report = s?.report ?? (s?.status === 'done' ? (await readResult(ref.analysisId))?.report : undefined);
    if (report)
      Object.assign(item, {
        probability: report.probability,
        verdict: report.verdict,
        faces: report.faces.length,
        maxDisplacementPx: report.faces.reduce((m, f) => Math.max(m, f.displacement.max), 0),
        historyBreaks: historyBreaksInWords(report),
      });
    if (s?.error) item.error = s.error;
    return item;
  }

  async function exportBatch(batchId: string, format: 'csv' | 'jsonl'): Promise<string> {
    const batch = await getBatch(batchId);
    if (!batch) throw new NotFoundError(`batch ${batchId}`);
    return format === 'csv' ? toCsv(batch.items) : toJsonl(batch.items);
  }

  // One QueueEvents listener per event type fans out to per-id listeners: thousands of waiting requests cost one
  // Redis stream reader, not thousands of emitter listeners.
  const listeners = new Map<string, Set<(event: AnalysisEvent) => void>>();
  let wired = false;
  const emit = (id: string, event: AnalysisEvent) => {
    for (const l of listeners.get(id) ?? []) l(event);
  };

  async function subscribe(id: string, listener: (event: AnalysisEvent) => void): Promise<() => void> {
    const ev = await getEvents();
    if (!wired) {
      wired = true;
      ev.analysis.onProgress((jobId, p) =>
        emit(jobId, { type: 'progress', id: jobId, stage: p.stage, progress: p.percent }),
      );
      ev.analysis.onCompleted((jobId) => emit(jobId, { type: 'done', id: jobId }));
      ev.analysis.onFailed((jobId, error) => emit(jobId, { type: 'failed', id: jobId, error }));
    }
    const set = listeners.get(id) ?? new Set();
    set.add(listener);
    listeners.set(id, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) listeners.delete(id);
    };
  }

  /** Resolves once `read` says done or failed. Events only wake it early; a missed one costs a poll interval at most. */
  async function waitForJob<S extends { status: AnalysisState }>(
    id: string,
    what: string,
    read: (id: string) => Promise<S | null>,
    timeoutMs = 10 * 60_000,
  ): Promise<S> {
    const deadline = Date.now() + timeoutMs;
    let wake: () => void = () => {};
    const off = await subscribe(id, (e) => e.type !== 'progress' && wake());
    try {
      for (;;) {
        const s = await read(id);
        if (s && (s.status === 'done' || s.status === 'failed')) return s;
        if (Date.now() > deadline)
          throw new Error(
            `${what} ${id} did not finish within ${timeoutMs} ms (last status ${s?.status ?? 'unknown'})`,
          );
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 1_000);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    } finally {
      off();
    }
  }

  const waitForAnalysis = (id: string, opts: { timeoutMs?: number } = {}) =>
    waitForJob(id, 'analysis', getAnalysis, opts.timeoutMs);

  async function waitForBatch(
    batchId: string,
    opts: { timeoutMs?: number; pollMs?: number } = {},
  ): Promise<BatchStatus> {
    const deadline = Date.now() + (opts.timeoutMs ?? 60 * 60_000);
    for (;;) {
      const b = await getBatch(batchId);
      if (!b) throw new NotFoundError(`batch ${batchId}`);
      if (b.status === 'done') return b;
      if (Date.now() > deadline)
        throw new Error(
          `batch ${batchId} did not finish in time (${b.counts.done + b.counts.failed}/${b.counts.total} finished)`,
        );
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 1_000));
    }
  }

  async function readArtifact(id: string, name: ArtifactName): Promise<Uint8Array | null> {
    const aid = await analysisIdFor(id);
    return aid ? storage.get(resultKey(aid, name)) : null;
  }

  async function submitComparison(
    edited: Uint8Array,
    original: Uint8Array,
    opts: CompareSubmitOptions = {},
  ): Promise<Submitted> {
    validateBytes(edited);
    validateBytes(original);
    const cb = opts.callbackUrl === undefined ? undefined : CallbackUrlSchema.safeParse(opts.callbackUrl);
    if (cb && !cb.success) throw new InvalidInputError(`invalid callbackUrl: ${cb.error.issues[0]?.message}`);
    const name = (n: string | undefined) => (n === undefined ? undefined : FileNameSchema.safeParse(n).data);
    const [editedName, originalName] = [name(opts.editedName), name(opts.originalName)];
    const editedSha = sha256Hex(edited);
    const originalSha = sha256Hex(original);
    const id = comparisonId(editedSha, originalSha);
    const known = await alreadySubmitted(id);
    if (known) return known;
    await putUpload(edited, editedSha);
    await putUpload(original, originalSha);
    const data: CompareJob = CompareJobSchema.parse({
      comparisonId: id,
      editedSha256: editedSha,
      originalSha256: originalSha,
      submittedAt: new Date().toISOString(),
      ...(editedName ? { editedName } : {}),
      ...(originalName ? { originalName } : {}),
      ...(cb?.data ? { callbackUrl: cb.data } : {}),
    });
    await redis(() => analysisQueue.add(JOB_NAMES.compare, data, { ...analyzeJobOptions(policy), jobId: id }));
    log?.debug({ jobId: id, edited: editedSha, original: originalSha }, 'comparison queued');
    return { id, status: 'queued', deduplicated: false };
  }

  async function getComparison(id: string): Promise<ComparisonStatus | null> {
    if (!COMPARISON_ID.test(id)) return null;
    const job = await redis(() => analysisQueue.getJob(id));
    const state = job ? await redis(() => job.getState()) : 'unknown';
    if (job && state !== 'unknown') {
      const data = CompareJobSchema.safeParse(job.data);
      const s: ComparisonStatus = {
        id,
        status: mapState(state),
        ...(data.success
          ? {
              editedSha256: data.data.editedSha256,
              originalSha256: data.data.originalSha256,
              ...(data.data.editedName ? { editedName: data.data.editedName } : {}),
              ...(data.data.originalName ? { originalName: data.data.originalName } : {}),
            }
          : {}),
        attempts: job.attemptsStarted ?? job.attemptsMade,
      };
      const p = JobProgressSchema.safeParse(job.progress);
      if (p.success && s.status !== 'queued') Object.assign(s, { stage: p.data.stage, progress: p.data.percent });
      if (s.status === 'done') {
        // The return value may be trimmed while the job is still listed: storage has the result either way.
        const r = ComparisonResultSchema.safeParse(job.returnvalue);
        const result = r.success ? r.data : await readComparison(id);
        if (result)
          Object.assign(s, { report: result.report, artifacts: result.artifacts, stage: 'done', progress: 100 });
      }
      if (s.status === 'failed') s.error = parseFailure(job.failedReason);
      return s;
    }
    const result = await readComparison(id);
    if (result)
      return {
        id,
        status: 'done',
        editedSha256: result.editedSha256,
        originalSha256: result.originalSha256,
        stage: 'done',
        progress: 100,
        report: result.report,
        artifacts: result.artifacts,
      };
    return storedFailure(id, id);
  }

  async function readComparisonArtifact(id: string, name: CoreArtifactName): Promise<Uint8Array | null> {
    return COMPARISON_ID.test(id) ? storage.get(resultKey(id, name)) : null;
  }

  return {
    submitComparison,
    getComparison,
    readComparisonArtifact,
    waitForComparison: (id, opts = {}) => waitForJob(id, 'comparison', getComparison, opts.timeoutMs),
    submitAnalysis,
    getAnalysis,
    readArtifact,
    submitBatch,
    getBatch,
    exportBatch,
    subscribe,
    waitForAnalysis,
    waitForBatch,
    async close() {
      await Promise.allSettled([
        analysisQueue.close(),
        batchQueue.close(),
        flow.close(),
        events?.analysis.close(),
        events?.batch.close(),
      ]);
      for (const c of events?.conns ?? []) c.disconnect();
      connection.disconnect();
    },
  };
}

function mapState(state: string): AnalysisState {
  switch (state) {
    case 'active':
      return 'running';
    case 'completed':
      return 'done';
    case 'failed':
      return 'failed';
    default:
      // waiting, delayed (backoff between attempts), prioritized, waiting-children
      return 'queued';
  }
}

export type { AnalysisResult };
