import path from 'node:path';
import { liquifyLandmarkedJpeg } from '@unwarp/liquify';
import sharp from 'sharp';
import { PHOTOS_DIR } from './paths.ts';

export const PORTRAIT = path.join(PHOTOS_DIR, '299527853_1.jpg');

/**
 * A real portrait and a Face-Aware edit of it (bigger eyes, narrower face) saved as a JPEG: what a journalist
 * compares when they have both. Made with the Liquify simulator from the photo's own landmarks.
 */
export async function warpedPair(): Promise<{ original: Buffer; edited: Buffer; cropped: Buffer }> {
  const { original, edited } = await liquifyLandmarkedJpeg(PORTRAIT, [
    { slider: 'eyeSize', value: 70 },
    { slider: 'faceWidth', value: -60 },
  ]);
  // Another framing of the same photo: cannot be compared.
  const cropped = await sharp(original).extract({ left: 0, top: 0, width: 300, height: 200 }).jpeg().toBuffer();
  return { original, edited, cropped };
}
