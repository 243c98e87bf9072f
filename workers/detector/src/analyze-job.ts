import { ImageDecodeError } from '@unwarp/faces';
import {
  type AnalysisResult,
  AnalysisResultSchema,
  AnalyzeJobSchema,
  formatFailure,
  type JobProgress,
} from '@unwarp/jobs';
import { type Analyzer, renderArtifacts } from '@unwarp/pipeline';
import { type ArtifactStore, getJson, putJson, resultKey } from '@unwarp/storage';
import { UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { parsePayload, readUpload, stageClock, storeArtifacts } from './job-steps.ts';

export type JobLike = {
  id?: string;
  data: unknown;
  attemptsMade: number;
  updateProgress(p: JobProgress): Promise<unknown>;
};

/**
 * One analyze job, independent of where it runs (sandbox process, tests, bench). Idempotent: every write is an
 * atomic put of a content-addressed key, and `result.json` is written last, so a job killed at any point and run
 * again produces the same files and one result.
 */
export async function runAnalyzeJob(
  job: JobLike,
  deps: { store: ArtifactStore; analyzer: () => Promise<Analyzer>; log: Logger },
): Promise<AnalysisResult> {
  const data = parsePayload(AnalyzeJobSchema, job.data);
  const log = deps.log.child({ jobId: job.id, sha256: data.sha256, attempt: job.attemptsMade + 1 });
  const { store } = deps;

  const stored = await getJson(store, resultKey(data.analysisId, 'result.json'), (v) =>
    AnalysisResultSchema.safeParse(v),
  );
  if (stored?.success) {
    log.info('result already in storage, not recomputing');
    return { ...stored.data, reused: true };
  }

  const { stageMs, enter } = stageClock(job);

  const upload = await readUpload(store, data.sha256, 'upload');

  const analyzer = await deps.analyzer();
  let analysis: Awaited<ReturnType<Analyzer['analyze']>>;
  try {
    analysis = await analyzer.analyze(upload, {
      ...(data.fileName ? { fileName: data.fileName } : {}),
      noCrop: data.options.noCrop,
      threshold: data.options.threshold,
      onStage: (s) => {
        if (s !== 'done') enter(s);
      },
    });
  } catch (err) {
    if (err instanceof ImageDecodeError || (err as Error)?.name === 'ImageDecodeError') {
      const e = err as ImageDecodeError;
      log.warn({ code: e.code }, 'bad input, failing without retry');
      // Bad bytes stay bad: fail once, clearly, and let no retry run.
      throw new UnrecoverableError(formatFailure(e.code, e.message));
    }
    throw err;
  }
  enter('rendering');
  const files = await renderArtifacts(analysis);
  enter('storing');
  // Every file the pipeline rendered: the core ones always, ela.png and noise.png when the aids ran.
  const artifacts = (await storeArtifacts(store, data.analysisId, files)) as AnalysisResult['artifacts'];
  enter('done');
  const result: AnalysisResult = {
    analysisId: data.analysisId,
    sha256: data.sha256,
    report: analysis.report,
    artifacts,
    stageMs,
    computedAt: new Date().toISOString(),
    reused: false,
  };
  await putJson(store, resultKey(data.analysisId, 'result.json'), result);
  log.info({ probability: analysis.report.probability, faces: analysis.report.faces.length, stageMs }, 'analysis done');
  return result;
}
