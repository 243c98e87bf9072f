import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photoPng, tempDir } from './_internal/fixtures.ts';
import { errorLevelAnalysis } from './ela.ts';
import type { RGBImage } from './types.ts';

let files: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  files = await tempDir();
});
afterAll(() => files.cleanup());

function regionMean(img: RGBImage, x0: number, y0: number, w: number, h: number, inside: boolean): number {
  let s = 0;
  let n = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const isIn = x >= x0 && x < x0 + w && y >= y0 && y < y0 + h;
      // A 16-px margin keeps the paste's own edges out of the "outside" mean.
      const nearEdge = x >= x0 - 16 && x < x0 + w + 16 && y >= y0 - 16 && y < y0 + h + 16;
      if (inside ? !isIn : nearEdge) continue;
      for (let c = 0; c < 3; c++) s += img.data[3 * (y * img.width + x) + c] as number;
      n += 3;
    }
  }
  return s / n;
}

describe('errorLevelAnalysis', () => {
  it('shows a pasted, once-saved region brighter than the background saved at a different quality', async () => {
    // Background: saved at quality 75 and again at 90, so a third save at 90 changes it little.
    const base = await sharp(
      await sharp(await photoPng(0, 480))
        .jpeg({ quality: 75 })
        .toBuffer(),
    )
      .jpeg({ quality: 90 })
      .toBuffer();
    // Pasted patch: fresh pixels from another photo, off the 8x8 grid.
    const patch = await sharp(await photoPng(2, 480))
      .extract({ left: 150, top: 150, width: 160, height: 120 })
      .png()
      .toBuffer();
    const composite = await files.write(
      'pasted.jpg',
      await sharp(base)
        .composite([{ input: patch, left: 101, top: 77 }])
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
    const ela = await errorLevelAnalysis(composite);
    const inside = regionMean(ela.image, 101, 77, 160, 120, true);
    const outside = regionMean(ela.image, 101, 77, 160, 120, false);
    expect(inside).toBeGreaterThan(1.5 * outside);
    expect(ela.quality).toBe(90);
    expect(ela.scale).toBe(20);
    expect(ela.image).toMatchObject({ width: 480, channels: 3 });
    expect(ela.image.data.length).toBe(ela.image.width * ela.image.height * 3);
    expect(ela.meanError).toBeGreaterThan(0);
    expect(ela.maxError).toBeGreaterThanOrEqual(ela.meanError);
    expect(ela.legend.zero).toMatch(/^Black/);
    expect(ela.legend.max).toMatch(/13 or more levels/);
    expect(ela.howToRead).toMatch(/not a verdict/);
  });

  it('takes an RGB image, honours quality and scale, and is deterministic', async () => {
    const { data, info } = await sharp(await photoPng(1, 128))
      .raw()
      .toBuffer({ resolveWithObject: true });
    const img: RGBImage = { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data) };
    const a = await errorLevelAnalysis(img, { quality: 50, scale: 5 });
    const b = await errorLevelAnalysis(img, { quality: 50, scale: 5 });
    const c = await errorLevelAnalysis(img, { quality: 98, scale: 5 });
    expect(a.image.data).toEqual(b.image.data);
    expect(a.meanError).toBeGreaterThan(c.meanError);
    expect(a.legend.max).toMatch(/51 or more/);
  });

  it('rejects a malformed RGB image and a bad quality', async () => {
    await expect(errorLevelAnalysis({ width: 4, height: 4, channels: 3, data: new Uint8Array(10) })).rejects.toThrow(
      TypeError,
    );
    await expect(errorLevelAnalysis(await photoPng(0, 64), { quality: 0 })).rejects.toThrow(RangeError);
  });
});
