import { type FaceDetector, ImageDecodeError } from '@unwarp/faces';
import { CompareJobSchema, type ComparisonResult, ComparisonResultSchema, formatFailure } from '@unwarp/jobs';
import { ComparisonError, compareWithOriginal, renderComparisonArtifacts } from '@unwarp/pipeline';
import { type ArtifactStore, getJson, putJson, resultKey } from '@unwarp/storage';
import { UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import type { JobLike } from './analyze-job.ts';
import { parsePayload, readUpload, stageClock, storeArtifacts } from './job-steps.ts';

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
  const data = parsePayload(CompareJobSchema, job.data);
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

  const { stageMs, enter } = stageClock(job);

  enter('decoding');
  const [edited, original] = await Promise.all([
    readUpload(store, data.editedSha256, 'edited photo'),
    readUpload(store, data.originalSha256, 'original'),
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
  const artifacts = (await storeArtifacts(store, data.comparisonId, files)) as ComparisonResult['artifacts'];
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
