import { createFlow } from '@unwarp/flow';
import { describe, expect, it } from 'vitest';
import { blendCrops, clusterBoxes, clusters } from './blend.ts';

const constant = (width: number, height: number, u: number, v: number) => {
  const f = createFlow(width, height);
  for (let i = 0; i < width * height; i++) {
    f.data[2 * i] = u;
    f.data[2 * i + 1] = v;
  }
  return f;
};
const at = (f: { width: number; data: Float32Array }, x: number, y: number) => [
  f.data[2 * (y * f.width + x)]!,
  f.data[2 * (y * f.width + x) + 1]!,
];

describe('clusters', () => {
  it('merges overlapping boxes transitively and keeps separate ones apart', () => {
    const boxes = [
      { x: 0, y: 0, width: 10, height: 10 },
      { x: 50, y: 50, width: 10, height: 10 },
      { x: 8, y: 8, width: 10, height: 10 },
      { x: 16, y: 0, width: 5, height: 5 },
    ];
    const c = clusters(boxes);
    expect(c).toHaveLength(2);
    expect(c[0]).toEqual({ box: { x: 0, y: 0, width: 21, height: 18 }, members: [0, 2, 3] });
    expect(c[1]).toEqual({ box: { x: 50, y: 50, width: 10, height: 10 }, members: [1] });
  });

  it('touching boxes stay separate; the result boxes never overlap', () => {
    const out = clusterBoxes([
      { x: 0, y: 0, width: 10, height: 10 },
      { x: 10, y: 0, width: 10, height: 10 },
    ]);
    expect(out).toHaveLength(2);
  });
});

describe('blendCrops', () => {
  it('keeps the field inside, fades to zero at inner crop edges, zero outside', () => {
    const target = createFlow(100, 100);
    const crop = { x: 20, y: 20, width: 50, height: 50 };
    const owned = blendCrops(target, [{ crop, field: constant(50, 50, 2, -1) }]);
    expect(at(target, 45, 45)).toEqual([2, -1]);
    expect(Math.abs(at(target, 20, 45)[0]!)).toBeLessThan(0.05);
    expect(at(target, 19, 45)).toEqual([0, 0]);
    expect(at(target, 80, 80)).toEqual([0, 0]);
    expect(owned[0]).toHaveLength(50 * 50);
  });

  it('does not fade at the image border', () => {
    const target = createFlow(60, 60);
    blendCrops(target, [{ crop: { x: 0, y: 0, width: 40, height: 40 }, field: constant(40, 40, 1, 0) }]);
    expect(at(target, 0, 0)).toEqual([1, 0]);
    expect(at(target, 39, 0)[0]).toBeLessThan(0.05);
  });

  it('averages where crops overlap at full weight and gives each pixel to one crop', () => {
    const target = createFlow(200, 100);
    const a = { crop: { x: 10, y: 10, width: 100, height: 80 }, field: constant(100, 80, 4, 0) };
    const b = { crop: { x: 60, y: 10, width: 100, height: 80 }, field: constant(100, 80, 0, 4) };
    const owned = blendCrops(target, [a, b]);
    // Deep inside both crops: plain average.
    const [u, v] = at(target, 85, 50);
    expect(u).toBeCloseTo(2, 5);
    expect(v).toBeCloseTo(2, 5);
    // Inside a only.
    expect(at(target, 40, 50)).toEqual([4, 0]);
    const total = owned[0]!.length + owned[1]!.length;
    // Every pixel of the union is owned once.
    expect(total).toBe(100 * 80 + 100 * 80 - 50 * 80);
  });
});
