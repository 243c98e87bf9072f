export type { CalibrateOptions } from './calibrate.ts';
export { CALIBRATION_CONDITIONS, calibrateModel, FIELD_GAINS } from './calibrate.ts';
export type { Calibration, FieldCalibration } from './calibration.ts';
export {
  calibratedProbability,
  type FieldBand,
  FLAG_THRESHOLD,
  fieldBandsFor,
  fieldGainFor,
  fitCalibration,
  fitFieldGain,
  MIN_FIELD_PSNR_GAIN,
} from './calibration.ts';
export type { EvalOptions, EvalReport } from './evaluate.ts';
export { evaluateModel } from './evaluate.ts';
export type {
  FacePrediction,
  PredictOptions,
  Region,
  RgbImage,
  WarpDetector,
  WindowAggregate,
  WindowGrid,
} from './infer.ts';
export {
  aggregateWindows,
  describeAggregate,
  loadDetector,
  NATIVE_MAX_SHORT_SIDE,
  networkScale,
  seesNatively,
  windowIndicesInRegion,
  windowsInRegion,
} from './infer.ts';
export { registerWasmGradKernels } from './kernels.ts';
export { computeLoss } from './loss.ts';
export type { Arch, Outputs, Weight } from './network.ts';
export { flops, forward, globalHead, initWeights, parameterCount, paramSpecs } from './network.ts';
export type { Recipe } from './recipe.ts';
export { getRecipe, HELD_OUT_FAMILIES, listRecipeNames, recipes, TRAIN_FAMILIES, validateRecipe } from './recipe.ts';
export { appendExperiment, conclusion, plotCurves } from './train/experiment-log.ts';
export type { EvalRow, RunState, TrainOptions } from './train/trainer.ts';
export { formatRow, runTraining } from './train/trainer.ts';
export { VIEW_NAMES, type ViewName } from './views.ts';
export type { ModelManifest } from './weights-io.ts';
export { loadWeights, ModelFormatError, saveWeights } from './weights-io.ts';
