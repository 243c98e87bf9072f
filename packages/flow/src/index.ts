// Public surface of @unwarp/flow: pure warp-field math, no I/O, no tfjs.
// Convention: W lives on the MODIFIED image's grid, modified(p) = original(p + W(p)).

export type { Colormap, HeatmapOptions } from './color.ts';
export { colormapColor, colormapLegend, colorWheelLegend, flowToColor, magnitudeHeatmap } from './color.ts';
export type { EstimateFlowOptions, FlowEstimate } from './estimate.ts';
export { estimateFlow } from './estimate.ts';
export { cropFlow, cropImage, flowMagnitude, placeFlow, resizeFlow, scaleFlow } from './field.ts';
export { decodeFlo, encodeFlo, FloFormatError } from './flo.ts';
export type { PixelMask } from './metrics.ts';
export { accuracyAt, averagePrecision, endpointError, movedShare, psnr, rocAuc, windowsOnEdit } from './metrics.ts';
export { sampleImage } from './sample.ts';
export type { FlowField, Image, Interpolation, PixelData, PixelDataConstructor } from './types.ts';
export { createFlow, createImage } from './types.ts';
export type { ApplyWarpOptions, InvertWarpOptions, InvertWarpResult, UnwarpOptions } from './warp.ts';
export { applyWarp, composeWarps, invertWarp, unwarp } from './warp.ts';
