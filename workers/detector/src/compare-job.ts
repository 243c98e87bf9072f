import { type FaceDetector, ImageDecodeError } from '@unwarp/faces';
import {
  CompareJobSchema,
  type ComparisonResult,
  ComparisonResultSchema,
  formatFailure,
  type JobStage,
  STAGE_PERCENT,
} from '@unwarp/jobs';
import { CORE_ARTIFACTS, ComparisonError, compareWithOriginal, renderComparisonArtifacts } from '@unwarp/pipeline';
import { type ArtifactStore, getJson, putJson, resultKey, sha256Hex, uploadKey } from '@unwarp/storage';
import { UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import type { JobLike } from './analyze-job.ts';

export type CompareDeps = {
  store: ArtifactStore;
  /** The sandbox's face detector for per-region statistics; `undefined` compares without faces. */
  faces: () => Promise<FaceDetector | undefined>;
  log: Logger;
};

/**
 * One compare job: the warp field measured between an edited photo and its original (no model). The same guarantees
 * as `runAnalyzeJob`: idempotent writes, `result.json` last, and bad input (undecodable bytes, photos framed
 * differently) fails once with UnrecoverableError.
 */
export async function runCompareJob(job: JobLike, deps: CompareDeps): Promise<ComparisonResult> {
  const parsed = CompareJobSchema.safeParse(job.data);
  if (!parsed.success)
    throw new UnrecoverableError(
      formatFailure('invalid-payload', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')),
    );
  const data = parsed.data;
  const log = deps.log.child({
    jobId: job.id,
    sha256: data.editedSha256,
    original: data.originalSha256,
    attempt: job.attemptsMade + 1,
  });
  const { store } = deps;

  const stored = await getJson(store, resultKey(data.comparisonId, 'result.json'), (v) =>
    ComparisonResultSchema.safeParse(v),
  );
  if (stored?.success) {
    log.info('result already in storage, not recomputing');
    return { ...stored.data, reused: true };
  }

  const stageMs: Record<string, number> = {};
  let current: JobStage | undefined;
  let started = performance.now();
  const enter = (stage: JobStage) => {
    const now = performance.now();
    if (current) stageMs[current] = Math.round((stageMs[current] ?? 0) + now - started);
    current = stage;
    started = now;
    job.updateProgress({ stage, percent: STAGE_PERCENT[stage] }).catch(() => {});
  };

  enter('decoding');
  const read = async (sha: string, which: string) => {
    const bytes = await store.get(uploadKey(sha));
    if (!bytes)
      throw new UnrecoverableError(
        formatFailure('missing-upload', `the ${which} ${sha} is not in storage (${store.location})`),
      );
    if (sha256Hex(bytes) !== sha)
      throw new UnrecoverableError(formatFailure('missing-upload', `the stored ${which} does not match its sha256`));
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
  const [edited, original] = await Promise.all([
    read(data.editedSha256, 'edited photo'),
    read(data.originalSha256, 'original'),
  ]);
  const faces = await deps.faces();

  enter('measuring');
  let comparison: Awaited<ReturnType<typeof compareWithOriginal>>;
  try {
    comparison = await compareWithOriginal(edited, original, {
      ...(faces ? { faces } : {}),
      ...(data.editedName ? { editedName: data.editedName } : {}),
      ...(data.originalName ? { originalName: data.originalName } : {}),
    });
  } catch (err) {
    const name = (err as Error)?.name;
    if (err instanceof ComparisonError || err instanceof ImageDecodeError || name === 'ImageDecodeError') {
      const e = err as ComparisonError | ImageDecodeError;
      log.warn({ code: e.code }, 'bad input, failing without retry');
      throw new UnrecoverableError(formatFailure(e.code, e.message));
    }
    throw err;
  }
  if (!faces)
    comparison.report.warnings.push('faces were not searched (the face detector did not load): no per-region numbers');

  enter('rendering');
  const files = await renderComparisonArtifacts(comparison);
  enter('storing');
  const artifacts = {} as ComparisonResult['artifacts'];
  await Promise.all(
    CORE_ARTIFACTS.map(async (name) => {
      const key = resultKey(data.comparisonId, name);
      await store.put(key, files[name]);
      artifacts[name] = key;
    }),
  );
  enter('done');
  const result: ComparisonResult = {
    comparisonId: data.comparisonId,
    editedSha256: data.editedSha256,
    originalSha256: data.originalSha256,
    report: comparison.report,
    artifacts,
    stageMs,
    computedAt: new Date().toISOString(),
    reused: false,
  };
  await putJson(store, resultKey(data.comparisonId, 'result.json'), result);
  log.info(
    { maxPx: comparison.report.displacement.max, faces: comparison.report.faces.length, stageMs },
    'comparison done',
  );
  return result;
}
