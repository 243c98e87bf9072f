import { readFile } from 'node:fs/promises';
import { readPts } from '@unwarp/faces/pts';
import { applyWarp, type FlowField, type Image, type Interpolation } from '@unwarp/flow';
import sharp from 'sharp';
import { faceAwareWarp, type SliderSetting } from './face-aware.ts';
import { type Point, rasterize } from './warp.ts';

/** A photo edited with Face-Aware sliders at full size: modified(p) = original(p + W(p)). */
export function liquifyPhoto(
  image: Image<Uint8Array>,
  landmarks: Point[],
  settings: readonly SliderSetting[],
  interpolation: Interpolation = 'bicubic',
): { modified: Image<Uint8Array>; W: FlowField } {
  const W = rasterize(faceAwareWarp(landmarks, [...settings]), image.width, image.height);
  return { modified: applyWarp(image, W, { interpolation }) as Image<Uint8Array>, W };
}

/**
 * A landmarked JPEG (its 68 points in the `.pts` beside it) and the same photo edited with Face-Aware sliders,
 * re-encoded as a JPEG: the pair a journalist compares, for tests, examples and demos.
 */
export async function liquifyLandmarkedJpeg(
  file: string,
  settings: readonly SliderSetting[],
  opts: { quality?: number } = {},
): Promise<{ original: Buffer; edited: Buffer; W: FlowField; landmarks: Point[] }> {
  const original = await readFile(file);
  const { data, info } = await sharp(original).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const landmarks = readPts(await readFile(file.replace(/\.[^.]+$/, '.pts'), 'utf8'));
  const image = { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data) };
  const { modified, W } = liquifyPhoto(image, landmarks, settings);
  const raw = { width: info.width, height: info.height, channels: 3 } as const;
  const edited = await sharp(modified.data, { raw })
    .jpeg({ quality: opts.quality ?? 90 })
    .toBuffer();
  return { original, edited, W, landmarks };
}
