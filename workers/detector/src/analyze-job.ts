import { ImageDecodeError } from '@unwarp/faces';
import {
  type AnalysisResult,
  AnalysisResultSchema,
  AnalyzeJobSchema,
  formatFailure,
  type JobProgress,
  type JobStage,
  STAGE_PERCENT,
} from '@unwarp/jobs';
import { type Analyzer, ARTIFACTS, renderArtifacts } from '@unwarp/pipeline';
import { type ArtifactStore, getJson, putJson, resultKey, sha256Hex, uploadKey } from '@unwarp/storage';
import { UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';

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
  const parsed = AnalyzeJobSchema.safeParse(job.data);
  if (!parsed.success)
    throw new UnrecoverableError(
      formatFailure('invalid-payload', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')),
    );
  const data = parsed.data;
  const log = deps.log.child({ jobId: job.id, sha256: data.sha256, attempt: job.attemptsMade + 1 });
  const { store } = deps;

  const stored = await getJson(store, resultKey(data.analysisId, 'result.json'), (v) =>
    AnalysisResultSchema.safeParse(v),
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
    // Progress is advisory: a lost update must not fail the job.
    job.updateProgress({ stage, percent: STAGE_PERCENT[stage] }).catch(() => {});
  };

  const bytes = await store.get(uploadKey(data.sha256));
  if (!bytes)
    throw new UnrecoverableError(
      formatFailure('missing-upload', `the upload ${data.sha256} is not in storage (${store.location})`),
    );
  if (sha256Hex(bytes) !== data.sha256)
    throw new UnrecoverableError(
      formatFailure('missing-upload', `the stored upload does not match its sha256 ${data.sha256}`),
    );

  const analyzer = await deps.analyzer();
  let analysis: Awaited<ReturnType<Analyzer['analyze']>>;
  try {
    analysis = await analyzer.analyze(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
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
  const artifacts = {} as AnalysisResult['artifacts'];
  // Every file the pipeline rendered: the core ones always, ela.png and noise.png when the aids ran.
  await Promise.all(
    ARTIFACTS.map(async (name) => {
      const bytes = files[name];
      if (!bytes) return;
      const key = resultKey(data.analysisId, name);
      await store.put(key, bytes);
      artifacts[name] = key;
    }),
  );
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
