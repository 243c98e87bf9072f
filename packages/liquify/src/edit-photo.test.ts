import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { flowMagnitude, psnr, unwarp } from '@unwarp/flow';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { liquifyLandmarkedJpeg } from './edit-photo.ts';
import { toRaw } from './pairs.ts';

const PORTRAIT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../shared/data/val/helen/299527853_1.jpg',
);

describe.skipIf(!existsSync(PORTRAIT))('liquifyLandmarkedJpeg', () => {
  it('edits the face only, and undoing its W brings the original back', async () => {
    const { original, edited, W } = await liquifyLandmarkedJpeg(PORTRAIT, [{ slider: 'faceWidth', value: -80 }]);
    const mag = flowMagnitude(W);
    expect(mag.reduce((m, v) => Math.max(m, v), 0)).toBeGreaterThan(3);
    expect(mag[0]).toBe(0); // a corner is far from the face
    const a = await toRaw(sharp(original));
    const b = await toRaw(sharp(edited));
    const back = unwarp(b, W, { interpolation: 'bicubic' }).image;
    // JPEG at q90 on both sides limits either PSNR; undoing the true W must still be clearly closer.
    expect(psnr(back, a)).toBeGreaterThan(psnr(b, a) + 3);
  });
});
