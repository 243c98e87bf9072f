import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readPts } from '@unwarp/faces';
import { applyWarp } from '@unwarp/flow';
import { faceAwareWarp, rasterize } from '@unwarp/liquify';
import sharp from 'sharp';
import { PHOTOS_DIR } from './paths.ts';

export const PORTRAIT = path.join(PHOTOS_DIR, '299527853_1.jpg');

/**
 * A real portrait and a Face-Aware edit of it (bigger eyes, narrower face) saved as a JPEG: what a journalist
 * compares when they have both. Made with the Liquify simulator from the photo's own landmarks.
 */
export async function warpedPair(): Promise<{ original: Buffer; edited: Buffer; cropped: Buffer }> {
  const original = await readFile(PORTRAIT);
  const { data, info } = await sharp(original).raw().toBuffer({ resolveWithObject: true });
  const landmarks = readPts(await readFile(PORTRAIT.replace(/\.jpg$/, '.pts'), 'utf8'));
  const W = rasterize(
    faceAwareWarp(landmarks, [
      { slider: 'eyeSize', value: 70 },
      { slider: 'faceWidth', value: -60 },
    ]),
    info.width,
    info.height,
  );
  const raw = { width: info.width, height: info.height, channels: 3 } as const;
  const warped = applyWarp({ ...raw, data: new Uint8Array(data) }, W, { interpolation: 'bicubic' });
  const edited = await sharp(warped.data, { raw }).jpeg({ quality: 90 }).toBuffer();
  // Another framing of the same photo: cannot be compared.
  const cropped = await sharp(original).extract({ left: 0, top: 0, width: 300, height: 200 }).jpeg().toBuffer();
  return { original, edited, cropped };
}
