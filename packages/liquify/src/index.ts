export type { BrushShape } from './brushes.ts';
export { bloat, localAffine, pucker, pushStroke, twirl } from './brushes.ts';
export { liquifyLandmarkedJpeg, liquifyPhoto } from './edit-photo.ts';
export type { Edit, EditSamplerOptions, Family } from './edits.ts';
export { editCenters, FAMILIES, sampleEdits, warpFromEdits } from './edits.ts';
export type { FaceGeometry, Slider, SliderSetting } from './face-aware.ts';
export { faceAwareWarp, faceGeometry, SLIDERS, sliderWarp } from './face-aware.ts';
export type { ColourEdit, FacePhoto, Pair, PairOptions } from './pairs.ts';
export {
  DEFAULT_PAIR_OPTIONS,
  jpegRoundTrip,
  landmarkBox,
  makePair,
  recolour,
  sampleColourEdit,
  toRaw,
} from './pairs.ts';
export type { PhotoRef } from './photo-pool.ts';
export { listLandmarkedPhotos, loadFacePhoto, onePerPhoto } from './photo-pool.ts';
export type { Rng } from './random.ts';
export { createRng } from './random.ts';
export type { Box, Falloff, Point, Warp } from './warp.ts';
export { brushFalloff, compose, composeAll, IDENTITY, movePoint, rasterize, reconstruct } from './warp.ts';
