import { loadOrExit, parseWorkerEnv } from '@unwarp/config';
import { createFaceDetector, type FaceDetector } from '@unwarp/faces';
import { JOB_NAMES } from '@unwarp/jobs';
import { type Analyzer, createAnalyzer } from '@unwarp/pipeline';
import { createFsStore } from '@unwarp/storage';
import type { SandboxedJob } from 'bullmq';
import { pino } from 'pino';
import { type JobLike, runAnalyzeJob } from './analyze-job.ts';
import { runCompareJob } from './compare-job.ts';

/**
 * The sandboxed processor: BullMQ forks one process per concurrent job slot and reuses it, so the model is loaded
 * once per process here (module scope), not per job. CPU-heavy analysis runs here; the parent process keeps
 * renewing locks.
 */
const env = loadOrExit(parseWorkerEnv);
// Read by @unwarp/tf when the model loads: this sandbox's share of the cores.
process.env.UNWARP_WASM_THREADS = String(env.wasmThreads);
const log = pino({ level: env.LOG_LEVEL }).child({ service: 'detector', role: 'sandbox' });
const store = createFsStore(env.dataDir);

let analyzer: Promise<Analyzer> | undefined;
const getAnalyzer = () => {
  analyzer ??= createAnalyzer(env.UNWARP_MODEL_DIR ? { modelDir: env.UNWARP_MODEL_DIR } : {}).then((a) => {
    log.info({ model: a.modelName, backend: a.backend }, 'model loaded');
    return a;
  });
  // A failed load must not stick: the next job tries again.
  analyzer.catch(() => {
    analyzer = undefined;
  });
  return analyzer;
};

// Comparisons need no warp model, only faces for region statistics: loaded once, on the first compare job. The
// analyzer holds its own detector, so a sandbox that runs both kinds keeps two (tens of MB).
let faces: Promise<FaceDetector> | undefined;
const getFaces = async (): Promise<FaceDetector | undefined> => {
  faces ??= createFaceDetector();
  try {
    return await faces;
  } catch (err) {
    // Measuring W does not need faces: compare without them, and try loading again on the next job.
    faces = undefined;
    log.warn({ err: (err as Error).message }, 'face detector did not load; comparing without faces');
    return undefined;
  }
};

export default async function process_(job: SandboxedJob) {
  if (job.name === JOB_NAMES.compare) return runCompareJob(job as unknown as JobLike, { store, faces: getFaces, log });
  return runAnalyzeJob(job as unknown as JobLike, { store, analyzer: getAnalyzer, log });
}
