import type { Box, Point } from './types.ts';

/**
 * The research tool's crop around a detected face. Every margin is a fraction of the box *width* w, above as well:
 * w/2.5 left and right, w/1.5 above (forehead and hair, which liquify edits often touch), w/2.5 below. Using w for
 * the vertical margins too is our reading of the tool: it keeps the crop independent of how tall the detector draws
 * the box (blazeface/mesh boxes vary more in height than in width). Edges are rounded to whole pixels, then clamped
 * to the image, so the result may be smaller than the margins ask for near a border.
 */
export function cropBoxFor(face: Box, imageWidth: number, imageHeight: number): Box {
  const w = face.width;
  const left = clamp(Math.round(face.x - w / 2.5), 0, imageWidth);
  const right = clamp(Math.round(face.x + w + w / 2.5), 0, imageWidth);
  const top = clamp(Math.round(face.y - w / 1.5), 0, imageHeight);
  const bottom = clamp(Math.round(face.y + face.height + w / 2.5), 0, imageHeight);
  return { x: left, y: top, width: Math.max(0, right - left), height: Math.max(0, bottom - top) };
}

/** Resize factor that brings the crop's shorter side to `shortSide` px, and the resulting size (rounded). */
export function cropScale(crop: Box, shortSide = 400): { scale: number; width: number; height: number } {
  const short = Math.min(crop.width, crop.height);
  if (!(short > 0)) throw new Error(`crop ${crop.width}x${crop.height} is empty`);
  const scale = shortSide / short;
  return { scale, width: Math.round(crop.width * scale), height: Math.round(crop.height * scale) };
}

/*
 * Points are pixel-centre coordinates (pixel i has its centre at i, as in the 0-based .pts landmarks). Resizing by s
 * with half-pixel centres (sharp, tf.image.resizeBilinear with halfPixelCenters) maps u to (u + 0.5) * s - 0.5.
 */

/** Image coordinates -> coordinates in the crop after resizing it by `scale` (1 = not resized). */
export function toCropCoords(crop: Box, point: Point, scale = 1): Point {
  return [(point[0] - crop.x + 0.5) * scale - 0.5, (point[1] - crop.y + 0.5) * scale - 0.5];
}

/** Inverse of toCropCoords: a point in the (resized) crop back to image coordinates. */
export function toImageCoords(crop: Box, point: Point, scale = 1): Point {
  return [(point[0] + 0.5) / scale - 0.5 + crop.x, (point[1] + 0.5) / scale - 0.5 + crop.y];
}

/** A displacement (flow vector) measured in the resized crop, in image pixels: only the scale applies. */
export function flowToImage(vector: Point, scale = 1): Point {
  return [vector[0] / scale, vector[1] / scale];
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
