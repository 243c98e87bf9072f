import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { noiseResidual } from './noise.ts';
import type { RGBImage } from './types.ts';

async function raw(input: Sharp): Promise<RGBImage> {
  const { data, info } = await input.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data) };
}

describe('noiseResidual', () => {
  it('is zero on a flat image', async () => {
    const flat = await sharp({ create: { width: 96, height: 64, channels: 3, background: '#7f8c8d' } })
      .png()
      .toBuffer();
    const r = await noiseResidual(new Uint8Array(flat));
    expect(r.meanResidual).toBe(0);
    expect(r.blockStd).toEqual({ min: 0, median: 0, max: 0, blocks: 6 });
    expect(r.image.data.every((v) => v === 0)).toBe(true);
    expect(r.outlierBlockFraction).toBe(0);
  });

  it('lights up a noisy patch on a smooth background and counts its blocks as outliers', async () => {
    const w = 256;
    const h = 256;
    const data = new Uint8Array(w * h * 3);
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        // gentle gradient plus faint grain everywhere, strong grain in one 64x64 block-aligned square
        const strong = x >= 64 && x < 128 && y >= 128 && y < 192;
        const v = 60 + x / 4 + (rand() - 0.5) * (strong ? 60 : 6);
        data.fill(Math.max(0, Math.min(255, Math.round(v))), 3 * (y * w + x), 3 * (y * w + x) + 3);
      }
    }
    const r = await noiseResidual({ width: w, height: h, channels: 3, data }, { scale: 4 });
    expect(r.blockStd.blocks).toBe(64);
    expect(r.blockStd.max).toBeGreaterThan(5 * r.blockStd.median);
    expect(r.outlierBlockFraction).toBeCloseTo(4 / 64, 2);
    const at = (x: number, y: number) => r.image.data[3 * (y * w + x)] as number;
    let inside = 0;
    let outside = 0;
    for (let y = 130; y < 190; y++) for (let x = 66; x < 126; x++) inside += at(x, y);
    for (let y = 10; y < 70; y++) for (let x = 150; x < 210; x++) outside += at(x, y);
    expect(inside).toBeGreaterThan(4 * outside);
    expect(r.legend.max).toMatch(/64 or more levels/);
    expect(r.howToRead).toMatch(/not a verdict/);
  });

  it('works on decoded photo bytes and keeps the picture size', async () => {
    const jpeg = await sharp({
      create: {
        width: 120,
        height: 80,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 20 },
      },
    })
      .jpeg()
      .toBuffer();
    const r = await raw(sharp(jpeg));
    const res = await noiseResidual(r);
    expect(res.analysedSize).toEqual({ width: 120, height: 80 });
    expect(res.meanResidual).toBeGreaterThan(1);
  });
});
