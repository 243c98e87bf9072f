export type { Analysis, AnalyzeOptions, Analyzer, AnalyzerOptions, Stage } from './analyze.ts';
export {
  createAnalyzer,
  DEFAULT_MAX_PIXELS,
  DEFAULT_MODEL_DIR,
  displacementStats,
  MIN_SIDE,
} from './analyze.ts';
export {
  checkOutputDir,
  HEATMAP_RANGE,
  OutputExistsError,
  renderArtifacts,
  renderComparisonArtifacts,
  writeArtifacts,
} from './artifacts.ts';
export type { CompareOptions, Comparison } from './compare.ts';
export { COMPARISON_HOW_TO_READ, ComparisonError, compareWithOriginal } from './compare.ts';
export type {
  AidArtifactName,
  AidsSection,
  ArtifactName,
  Artifacts,
  ComparisonReport,
  CoreArtifactName,
  FaceReport,
  ModelArtifactName,
  Report,
} from './report.ts';
export {
  AID_ARTIFACTS,
  AidsSectionSchema,
  ARTIFACTS,
  CAVEAT,
  CORE_ARTIFACTS,
  ComparisonReportSchema,
  DEFAULT_THRESHOLD,
  FaceReportSchema,
  historyBreaksInWords,
  MODEL_ARTIFACTS,
  REGION_NAMES,
  REGIONS,
  REPORT_VERSION,
  ReportSchema,
  UNVALIDATED_VERDICT,
  verdictFor,
} from './report.ts';
// Not exported on purpose: src/_internal (crop blending, clustering).
