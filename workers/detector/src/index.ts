export { runAnalyzeJob } from './analyze-job.ts';
export { runCompareJob } from './compare-job.ts';
export { Metrics } from './metrics.ts';
export type { Detector } from './worker.ts';
export { startDetector } from './worker.ts';
