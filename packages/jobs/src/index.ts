export type { Resolver } from './callback-url.ts';
export {
  CallbackUrlError,
  checkCallbackTarget,
  checkCallbackUrl,
  guardedLookup,
  isPrivateAddress,
} from './callback-url.ts';
export type { UnwarpClient, UnwarpClientOptions } from './client.ts';
export { createUnwarpClient } from './client.ts';
export type {
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
export type { JobPolicy } from './defaults.ts';
export { analyzeJobOptions, batchJobOptions, DEFAULT_POLICY } from './defaults.ts';
export {
  formatFailure,
  InvalidInputError,
  NotFoundError,
  parseFailure,
  RedisUnavailableError,
  redactUrl,
} from './errors.ts';
export type { TypedQueueEvents } from './events.ts';
export { createQueueEvents } from './events.ts';
export { csvCell, EXPORT_COLUMNS, sortForTriage, toCsv, toJsonl } from './export.ts';
export {
  ANALYSIS_ID,
  ANALYSIS_QUEUE,
  analysisId,
  BATCH_ID,
  BATCH_ITEM_ID,
  BATCH_QUEUE,
  batchItemId,
  COMPARISON_ID,
  comparisonId,
  DEFAULT_PREFIX,
  JOB_NAMES,
  newBatchId,
  parseId,
} from './names.ts';
export type { RedisServerCheck } from './redis.ts';
export {
  checkRedisServer,
  createProducerConnection,
  createWorkerConnection,
  ensureReady,
  isRedisReachable,
  withRedis,
} from './redis.ts';
export type {
  AnalysisOptions,
  AnalysisResult,
  AnalyzeJob,
  BatchJob,
  BatchManifest,
  CompareJob,
  ComparisonResult,
  JobError,
  JobProgress,
  JobStage,
} from './schemas.ts';
export {
  AnalysisOptionsSchema,
  AnalysisResultSchema,
  AnalyzeJobSchema,
  ArtifactKeysSchema,
  BatchJobSchema,
  BatchManifestSchema,
  CallbackUrlSchema,
  CompareJobSchema,
  ComparisonArtifactKeysSchema,
  ComparisonResultSchema,
  ERROR_CODES,
  FileNameSchema,
  JobErrorSchema,
  JobProgressSchema,
  STAGE_PERCENT,
  STAGES,
  StageSchema,
  StoredErrorSchema,
} from './schemas.ts';
export type { VerifyResult } from './webhook.ts';
export { SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER, verifyWebhook, webhookHeaders } from './webhook.ts';
