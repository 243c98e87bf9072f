import { describe, expect, it } from 'vitest';
import { translationField } from './_internal/synthetic.ts';
import { cropFlow, cropImage, flowMagnitude, placeFlow, resizeFlow, scaleFlow } from './field.ts';
import { createFlow } from './types.ts';

function ramp(w: number, h: number) {
  const W = createFlow(w, h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) W.data.set([x, 100 + y], 2 * (y * w + x));
  return W;
}

describe('field helpers', () => {
  it('resizeFlow scales the vectors with the grid', () => {
    const up = resizeFlow(translationField(4, 4, 1.5, -2), 8, 2);
    expect(up.width).toBe(8);
    expect(up.height).toBe(2);
    for (let i = 0; i < 16; i++) {
      expect(up.data[2 * i]).toBeCloseTo(3, 6);
      expect(up.data[2 * i + 1]).toBeCloseTo(-1, 6);
    }
  });

  it('resizeFlow samples pixel-centre aligned', () => {
    // Halving a 4-wide ramp: output pixel 0 reads source x = 0.5.
    const down = resizeFlow(ramp(4, 1), 2, 1);
    expect(down.data[0]).toBeCloseTo(0.5 * 0.5, 6);
    expect(down.data[2]).toBeCloseTo(2.5 * 0.5, 6);
  });

  it('scaleFlow multiplies the vectors only', () => {
    const s = scaleFlow(translationField(3, 2, 2, -4), 0.25);
    expect(s.width).toBe(3);
    expect(Array.from(s.data.subarray(0, 2))).toEqual([0.5, -1]);
  });

  it('cropFlow copies the rectangle and zero-fills outside', () => {
    const W = ramp(5, 4);
    const c = cropFlow(W, { x: 3, y: 2, width: 3, height: 3 });
    expect(Array.from(c.data.subarray(0, 2))).toEqual([3, 102]);
    expect(Array.from(c.data.subarray(2, 4))).toEqual([4, 102]);
    expect(Array.from(c.data.subarray(4, 6))).toEqual([0, 0]); // x = 5 is outside
    expect(Array.from(c.data.subarray(2 * 4, 2 * 4 + 2))).toEqual([4, 103]);
    expect(Array.from(c.data.subarray(2 * 6))).toEqual([0, 0, 0, 0, 0, 0]); // y = 4 is outside
  });

  it('placeFlow writes clipped to the target and round-trips with cropFlow', () => {
    const target = createFlow(4, 3);
    placeFlow(target, translationField(3, 3, 7, 8), 2, -1);
    const expected = [
      [0, 0, 1, 1],
      [0, 0, 1, 1],
      [0, 0, 0, 0],
    ];
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 4; x++) expect(target.data[2 * (y * 4 + x)]).toBe(7 * (expected[y]?.[x] ?? 0));
    const big = ramp(10, 8);
    const patch = cropFlow(big, { x: 2, y: 3, width: 4, height: 4 });
    const back = createFlow(10, 8);
    placeFlow(back, patch, 2, 3);
    expect(back.data[2 * (4 * 10 + 3)]).toBe(3);
    expect(back.data[2 * (4 * 10 + 3) + 1]).toBe(104);
  });

  it('flowMagnitude is the vector length', () => {
    expect(Array.from(flowMagnitude(translationField(2, 1, 3, -4)))).toEqual([5, 5]);
  });
});

describe('cropImage', () => {
  it('copies a rectangle of any channel count and keeps the data type', () => {
    const img = { width: 4, height: 3, channels: 2, data: Float32Array.from({ length: 24 }, (_, i) => i) };
    const c = cropImage(img, { x: 1, y: 1, width: 2, height: 2 });
    expect(c.data).toBeInstanceOf(Float32Array);
    expect(Array.from(c.data)).toEqual([10, 11, 12, 13, 18, 19, 20, 21]);
    expect(() => cropImage(img, { x: 3, y: 0, width: 2, height: 1 })).toThrow(RangeError);
  });
});
