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
  writeArtifacts,
} from './artifacts.ts';
export type {
  AidArtifactName,
  AidsSection,
  ArtifactName,
  Artifacts,
  CoreArtifactName,
  FaceReport,
  Report,
} from './report.ts';
export {
  AID_ARTIFACTS,
  AidsSectionSchema,
  ARTIFACTS,
  CAVEAT,
  CORE_ARTIFACTS,
  DEFAULT_THRESHOLD,
  FaceReportSchema,
  REGIONS,
  REPORT_VERSION,
  ReportSchema,
  UNVALIDATED_VERDICT,
  verdictFor,
} from './report.ts';
// Not exported on purpose: src/_internal (crop blending, clustering).
