export { DEFAULT_MAX_PIXELS, DEFAULT_MODEL_DIR, DEFAULT_THRESHOLD, createAnalyzer, displacementStats } from './analyze.ts';
export type { Analysis, AnalyzeOptions, Analyzer, AnalyzerOptions, Stage } from './analyze.ts';
export { ARTIFACTS, renderArtifacts, writeArtifacts } from './artifacts.ts';
export type { ArtifactName } from './artifacts.ts';
export { CAVEAT, FaceReportSchema, REGIONS, REPORT_VERSION, ReportSchema, verdictFor } from './report.ts';
export type { FaceReport, Report } from './report.ts';
