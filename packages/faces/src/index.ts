export { cropBoxFor, cropScale, flowToImage, toCropCoords, toImageCoords } from './crop.ts';
export type { FaceDetector, FaceDetectorOptions } from './detector.ts';
export { createFaceDetector } from './detector.ts';
export type { ImageDecodeErrorCode, LoadUprightOptions } from './image.ts';
export { ImageDecodeError, loadUpright } from './image.ts';
export { landmarks68FromMesh, MESH_TO_68, regionsFrom68 } from './landmarks68.ts';
export { listLandmarkedPhotos, onePerPhoto, type PhotoRef, readPts } from './pts.ts';
export type { Box, Face, FaceRegion, Point, RgbImage } from './types.ts';
// Not exported on purpose: src/_internal (human build loading, the model router).
