import { describe, expect, it } from 'vitest';
import { sampleImage } from './sample.ts';
import { createImage } from './types.ts';

describe('sampleImage', () => {
  // 3x2, 2 channels: channel 0 = 10 * x + 100 * y, channel 1 = 1.
  const img = createImage(3, 2, 2, Float32Array);
  for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) img.data.set([10 * x + 100 * y, 1], 2 * (y * 3 + x));

  it('interpolates bilinearly and writes at the offset', () => {
    const out = new Float32Array(5).fill(-1);
    sampleImage(img, 0.5, 0.25, 'bilinear', out, 2);
    expect(Array.from(out)).toEqual([-1, -1, 30, 1, -1]);
  });

  it('rounds to the nearest pixel', () => {
    const out = new Float32Array(2);
    sampleImage(img, 1.6, 0.4, 'nearest', out);
    expect(out[0]).toBe(20);
    sampleImage(img, 0.5, 0.5, 'nearest', out);
    expect(out[0]).toBe(110);
  });

  it('is exact at pixel centres for bicubic and replicates edges outside', () => {
    const out = new Float32Array(2);
    sampleImage(img, 2, 1, 'bicubic', out);
    expect(out[0]).toBe(120);
    for (const mode of ['nearest', 'bilinear', 'bicubic'] as const) {
      sampleImage(img, -50, -3, mode, out);
      expect(out[0]).toBe(0);
      sampleImage(img, 99, 7, mode, out);
      expect(out[0]).toBe(120);
      sampleImage(img, Number.NaN, 0, mode, out);
      expect(Number.isFinite(out[0])).toBe(true);
    }
  });

  it('rejects an unknown interpolation', () => {
    expect(() => sampleImage(img, 0, 0, 'lanczos' as never, new Float32Array(2))).toThrow(RangeError);
  });
});
