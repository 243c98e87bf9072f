import { describe, expect, it } from 'vitest';
import { cropBoxFor, cropScale, flowToImage, toCropCoords, toImageCoords } from './crop.ts';

describe('cropBoxFor', () => {
  it('widens by w/2.5 left, right and below and w/1.5 above', () => {
    // w = 100: 40 left/right/below, 66.67 above (rounded to 67).
    expect(cropBoxFor({ x: 200, y: 300, width: 100, height: 120 }, 1000, 1000)).toEqual({
      x: 160,
      y: 233,
      width: 180,
      height: 227,
    });
  });

  it('uses the width for the vertical margins too', () => {
    const tall = cropBoxFor({ x: 200, y: 300, width: 100, height: 300 }, 1000, 1000);
    expect(tall.y).toBe(233);
    expect(tall.y + tall.height).toBe(640);
  });

  it('rounds fractional boxes to whole pixels', () => {
    // left 10.4 - 20.2 = -9.8 -> clamp 0; right 10.4 + 50.5 + 20.2 = 81.1 -> 81; top 90.7 - 33.67 = 57.03 -> 57;
    // bottom 90.7 + 60.2 + 20.2 = 171.1 -> 171.
    expect(cropBoxFor({ x: 10.4, y: 90.7, width: 50.5, height: 60.2 }, 640, 480)).toEqual({
      x: 0,
      y: 57,
      width: 81,
      height: 114,
    });
  });

  it('clamps to the image on every side', () => {
    expect(cropBoxFor({ x: 5, y: 10, width: 90, height: 90 }, 120, 110)).toEqual({
      x: 0,
      y: 0,
      width: 120,
      height: 110,
    });
    expect(cropBoxFor({ x: -50, y: -50, width: 40, height: 40 }, 100, 100)).toEqual({
      x: 0,
      y: 0,
      width: 6,
      height: 6,
    });
  });
});

describe('crop coordinates', () => {
  const crop = { x: 160, y: 233, width: 180, height: 227 };

  it('resizes the shorter side to 400 px by default', () => {
    const s = cropScale(crop);
    expect(s.scale).toBeCloseTo(400 / 180, 12);
    expect(s).toMatchObject({ width: 400, height: 504 });
    expect(cropScale(crop, 200).width).toBe(200);
    expect(() => cropScale({ x: 0, y: 0, width: 0, height: 10 })).toThrow(/empty/);
  });

  it('maps pixel centres with half-pixel alignment', () => {
    expect(toCropCoords(crop, [160, 233])).toEqual([0, 0]);
    // The crop's first pixel spans [-0.5, 0.5); at scale 2 it covers [-0.5, 1.5) whose centre is 0.5.
    expect(toCropCoords(crop, [160, 233], 2)).toEqual([0.5, 0.5]);
    expect(toImageCoords(crop, [0.5, 0.5], 2)).toEqual([160, 233]);
  });

  it('round-trips image -> crop -> image', () => {
    const { scale } = cropScale(crop);
    for (const p of [
      [160, 233],
      [251.25, 300.5],
      [339, 459],
      [0, 0],
    ] as [number, number][]) {
      const back = toImageCoords(crop, toCropCoords(crop, p, scale), scale);
      expect(back[0]).toBeCloseTo(p[0], 9);
      expect(back[1]).toBeCloseTo(p[1], 9);
    }
  });

  it('scales flow vectors without the offset', () => {
    expect(flowToImage([4, -2], 2)).toEqual([2, -1]);
  });
});
