// The light entry point: zod only. `@unwarp/pipeline`'s barrel loads tfjs, the face detector and sharp (~1 s,
// ~100 MB), which the web app and the worker's main process never need.
import {
  AID_ARTIFACTS,
  CORE_ARTIFACTS,
  ComparisonReportSchema,
  DEFAULT_THRESHOLD,
  MODEL_ARTIFACTS,
  ReportSchema,
} from '@unwarp/pipeline/report';
import { z } from 'zod';
import { ANALYSIS_ID, BATCH_ID, BATCH_ITEM_ID, COMPARISON_ID } from './names.ts';

const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/);
/** A display name only: it is stored in JSON and shown, never used as a path. */
export const FileNameSchema = z
  .string()
  .max(255)
  // Control characters (newlines in a CSV row, terminal escapes in a log) are dropped.
  .transform((s) =>
    [...s]
      .filter((c) => c.charCodeAt(0) > 0x1f && c.charCodeAt(0) !== 0x7f)
      .join('')
      .trim(),
  )
  .pipe(z.string().min(1));

export const AnalysisOptionsSchema = z
  .object({
    noCrop: z.boolean().default(false),
    threshold: z.number().min(0).max(1).default(DEFAULT_THRESHOLD),
  })
  .strict();
export type AnalysisOptions = z.infer<typeof AnalysisOptionsSchema>;

export const CallbackUrlSchema = z
  .string()
  .max(2048)
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'callbackUrl must be http(s)');

/** Payload of an `analyze` job. The photo itself is in storage under `uploads/<sha256>`, never in Redis. */
export const AnalyzeJobSchema = z.object({
  analysisId: z.string().regex(ANALYSIS_ID),
  sha256: Sha256Schema,
  fileName: FileNameSchema.optional(),
  options: AnalysisOptionsSchema,
  callbackUrl: CallbackUrlSchema.optional(),
  batchId: z.string().regex(BATCH_ID).optional(),
  submittedAt: z.string(),
});
export type AnalyzeJob = z.infer<typeof AnalyzeJobSchema>;

/** Payload of a `compare` job: both photos are in storage under `uploads/<sha256>`. */
export const CompareJobSchema = z.object({
  comparisonId: z.string().regex(COMPARISON_ID),
  editedSha256: Sha256Schema,
  originalSha256: Sha256Schema,
  editedName: FileNameSchema.optional(),
  originalName: FileNameSchema.optional(),
  callbackUrl: CallbackUrlSchema.optional(),
  submittedAt: z.string(),
});
export type CompareJob = z.infer<typeof CompareJobSchema>;

export const BatchJobSchema = z.object({
  batchId: z.string().regex(BATCH_ID),
  count: z.number().int().min(1),
  callbackUrl: CallbackUrlSchema.optional(),
});
export type BatchJob = z.infer<typeof BatchJobSchema>;

/** Worker stages: the pipeline's, plus writing artifacts to storage; a comparison is `measuring` instead of predicting. */
export const STAGES = [
  'decoding',
  'detecting faces',
  'predicting',
  'measuring',
  'rendering',
  'storing',
  'done',
] as const;
export const StageSchema = z.enum(STAGES);
export type JobStage = z.infer<typeof StageSchema>;
/** Rough share of the work done when a stage starts, for progress bars. */
export const STAGE_PERCENT: Record<JobStage, number> = {
  decoding: 5,
  'detecting faces': 15,
  predicting: 40,
  measuring: 20,
  rendering: 70,
  storing: 90,
  done: 100,
};

export const JobProgressSchema = z.object({ stage: StageSchema, percent: z.number().min(0).max(100) });
export type JobProgress = z.infer<typeof JobProgressSchema>;

/**
 * Storage key per artifact: the core files always, `evidence.png` (absent in results stored before it existed),
 * `history.png` for JPEG uploads with a face, the aid maps (`ela.png`, `noise.png`) when the aids ran.
 */
export const ArtifactKeysSchema = z.object({
  ...Object.fromEntries(CORE_ARTIFACTS.map((n) => [n, z.string()])),
  ...Object.fromEntries([...MODEL_ARTIFACTS, ...AID_ARTIFACTS].map((n) => [n, z.string().optional()])),
} as Record<(typeof CORE_ARTIFACTS)[number], z.ZodString> &
  Record<(typeof MODEL_ARTIFACTS)[number] | (typeof AID_ARTIFACTS)[number], z.ZodOptional<z.ZodString>>);

/** An `analyze` job's return value, also stored as `results/<analysisId>/result.json`: small, no image bytes. */
export const AnalysisResultSchema = z.object({
  analysisId: z.string().regex(ANALYSIS_ID),
  sha256: Sha256Schema,
  report: ReportSchema,
  /** Storage keys of the artifacts. */
  artifacts: ArtifactKeysSchema,
  /** Wall time per stage in ms for this computation. */
  stageMs: z.record(z.string(), z.number()),
  computedAt: z.string(),
  /** True when the worker found the result already in storage and computed nothing. */
  reused: z.boolean().default(false),
});
export type AnalysisResult = z.infer<typeof AnalysisResultSchema>;

/** Storage key per artifact of a comparison: the six core files, always. */
export const ComparisonArtifactKeysSchema = z.object(
  Object.fromEntries(CORE_ARTIFACTS.map((n) => [n, z.string()])) as Record<
    (typeof CORE_ARTIFACTS)[number],
    z.ZodString
  >,
);

/** A `compare` job's return value, also stored as `results/<comparisonId>/result.json`. */
export const ComparisonResultSchema = z.object({
  comparisonId: z.string().regex(COMPARISON_ID),
  editedSha256: Sha256Schema,
  originalSha256: Sha256Schema,
  report: ComparisonReportSchema,
  artifacts: ComparisonArtifactKeysSchema,
  stageMs: z.record(z.string(), z.number()),
  computedAt: z.string(),
  reused: z.boolean().default(false),
});
export type ComparisonResult = z.infer<typeof ComparisonResultSchema>;

/** Why a job failed, in a form a client can branch on. */
export const ERROR_CODES = [
  'empty',
  'not-found',
  'unsupported',
  'corrupt',
  'too-large',
  /** A comparison of two photos framed differently (crop or aspect ratio): no warp field can be measured. */
  'framing',
  /** A comparison with a photo too small to measure. */
  'too-small',
  'invalid-payload',
  'missing-upload',
  'internal',
] as const;
export const JobErrorSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  /** False for bad input: resubmitting the same bytes will fail the same way. */
  retryable: z.boolean(),
});
export type JobError = z.infer<typeof JobErrorSchema>;

/** Written to `results/<analysisId or comparisonId>/error.json` when a job fails for good, so the answer outlives Redis trimming. */
export const StoredErrorSchema = JobErrorSchema.extend({
  jobId: z.string(),
  failedAt: z.string(),
  attempts: z.number().int(),
});

export const BatchItemRefSchema = z.object({
  id: z.string().regex(BATCH_ITEM_ID),
  file: z.string(),
  sha256: Sha256Schema,
  analysisId: z.string().regex(ANALYSIS_ID),
});
/** `batches/<batchId>/manifest.json`: written before the flow is added, the one source of a batch's items. */
export const BatchManifestSchema = z.object({
  batchId: z.string().regex(BATCH_ID),
  createdAt: z.string(),
  options: AnalysisOptionsSchema,
  items: z.array(BatchItemRefSchema),
});
export type BatchManifest = z.infer<typeof BatchManifestSchema>;
