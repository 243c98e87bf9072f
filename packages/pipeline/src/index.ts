export type { Analysis, AnalyzeOptions, Analyzer, AnalyzerOptions, Stage } from './analyze.ts';
export {
  createAnalyzer,
  DEFAULT_MAX_PIXELS,
  DEFAULT_MODEL_DIR,
  DEFAULT_THRESHOLD,
  displacementStats,
  MIN_SIDE,
} from './analyze.ts';
export type { ArtifactName } from './artifacts.ts';
export {
  ARTIFACTS,
  checkOutputDir,
  HEATMAP_RANGE,
  OutputExistsError,
  renderArtifacts,
  writeArtifacts,
} from './artifacts.ts';
export type { FaceReport, Report } from './report.ts';
export { CAVEAT, FaceReportSchema, REGIONS, REPORT_VERSION, ReportSchema, verdictFor } from './report.ts';
// Not exported on purpose: src/_internal (crop blending, clustering).
