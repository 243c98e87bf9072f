import { loadOrExit, parseWorkerEnv } from '@unwarp/config';
import { type Analyzer, createAnalyzer } from '@unwarp/pipeline';
import { createFsStore } from '@unwarp/storage';
import type { SandboxedJob } from 'bullmq';
import { pino } from 'pino';
import { type JobLike, runAnalyzeJob } from './analyze-job.ts';

/**
 * The sandboxed processor: BullMQ forks one process per concurrent job slot and reuses it, so the model is loaded
 * once per process here (module scope), not per job. CPU-heavy analysis runs here; the parent process keeps
 * renewing locks.
 */
const env = loadOrExit(parseWorkerEnv);
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

export default async function process_(job: SandboxedJob) {
  return runAnalyzeJob(job as unknown as JobLike, { store, analyzer: getAnalyzer, log });
}
