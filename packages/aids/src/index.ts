// Public surface of @unwarp/aids. Helpers under src/_internal/ (decoding, JPEG segment walking, test fixtures) stay
// private.
export { C2PA_HOW_TO_READ, JPEG_HOW_TO_READ, METADATA_HOW_TO_READ, runAids } from './aids.ts';
export { findEmbeddedC2pa, readContentCredentials } from './c2pa.ts';
export type { DoubleJpegMap } from './dq-map.ts';
export {
  BREAK_HOTSPOT_SHARE,
  BREAK_WINDOW_SHARE,
  combineHistoryFeatures,
  compressionBreak,
  compressionBreakWindow,
  doubleJpegMap,
  EVIDENCE_WINDOW_SHARES,
  gridOffset,
  HISTORY_EVIDENCE_FIT,
  type HistoryEvidenceFit,
  type HistoryEvidenceFits,
  HOTSPOT_MIN_EVIDENCE,
  historyAround,
  historyEvidence,
  historyFeatures,
  historyFitFor,
  historyReading,
  isFaintHistory,
  lumaOf,
  MEAN_AROUND_FEATURE,
  signedLog1p,
  weighHistoryFeatures,
} from './dq-map.ts';
export { editorsIn } from './editors.ts';
export { ELA_HOW_TO_READ, errorLevelAnalysis } from './ela.ts';
export { UndecodableImageError } from './errors.ts';
export { doubleCompressionHint, estimateJpegQuality, ijgTable, lumaTableOf, STD_LUMA } from './jpeg.ts';
export {
  type FaceHistoryReading,
  faceHistoryReading,
  type JpegHistory,
  MIN_HISTORY_FREQUENCIES,
  readJpegHistory,
  SHIFTED_HISTORY_FIT,
} from './jpeg-history.ts';
export { readMetadata } from './metadata.ts';
export { NOISE_HOW_TO_READ, noiseResidual } from './noise.ts';
export { type ShiftedHistory, shiftedJpegHistory } from './shifted-history.ts';
export type * from './types.ts';
